import { performance } from 'node:perf_hooks';
import PQueue from 'p-queue';
import { Agent, type Dispatcher } from 'undici';
import type { PartnerKind } from '../db/database.js';
import { breakerState, CallAbandonedError, createBreaker, HedgeCancelledError, isBreakerOpenError, type BreakerOptions, type PartnerBreaker } from './breaker.js';
import {
  UpstreamError,
  type PartnerConnection,
  type PartnerHealth,
  type PartnerLimits,
  type Upstream,
  type UpstreamRequest,
  type UpstreamResponse,
} from './contract.js';
import { exchange, joinUrl, toUpstreamError } from './exchange.js';
import { DEGRADED_ERROR_RATE, DEGRADED_MIN_CALLS, isPartnerError, percentile, SampleWindow, summarizeHealth, type CallOutcome } from './health.js';
import { checkUrlSyntax, createGuardedLookup } from './ssrf-guard.js';

export * from './contract.js';
export { percentile, summarizeHealth, SampleWindow, HEALTH_WINDOW_SIZE, type CallSample, type CallOutcome } from './health.js';
export { checkPartnerUrl, blockedAddressReason, createGuardedLookup, type UrlCheck } from './ssrf-guard.js';
export type { BreakerOptions } from './breaker.js';

export type UpstreamCallEvent = {
  partnerId: string;
  kind: PartnerKind;
  operation: string;
  outcome: CallOutcome;
  latencyMs: number;
};

export type UpstreamOptions = {
  /** false: https only, and no private, loopback, link-local or metadata address (literal or resolved). */
  allowPrivateUrls: boolean;
  /** Tests inject a MockAgent (its owner closes it); by default one keep-alive undici Agent, closed by close(). */
  dispatcher?: Dispatcher;
  breaker?: BreakerOptions;
  /** Metrics hook, called once per request() with its final outcome. */
  onCall?: (e: UpstreamCallEvent) => void;
  /** Default 1 MiB. */
  maxResponseBytes?: number;
  /** Hedged reads (quotes, rates): on by default. */
  hedging?: HedgingOptions;
};

export type HedgingOptions = {
  isEnabled: boolean;
  /** At most this share of a partner's idempotent calls get a duplicate. Default 0.05. */
  maxFraction?: number;
  /** The partner's p95 is trusted only after this many successful calls. Default 20. */
  minSamples?: number;
};

type Lane = {
  kind: PartnerKind;
  limits: PartnerLimits;
  queue: PQueue;
  breaker: PartnerBreaker;
  window: SampleWindow;
  hedge: { eligibleCalls: number; sent: number; won: number };
  /** The hedge delay, recomputed every HEDGE_DELAY_REFRESH_CALLS recorded calls rather than sorted per call. */
  hedgeDelay: { ms: number | null; atPushes: number };
  pushes: number;
};

const HEDGE_DELAY_REFRESH_CALLS = 20;

/**
 * Outcomes kept out of the health window (reported to onCall only): nothing reached the partner, or
 * we stopped waiting before the partner's own timeout (not the partner's failure).
 */
const NOT_JUDGED: ReadonlySet<CallOutcome> = new Set<CallOutcome>(['circuit_open', 'url_rejected', 'abandoned']);

const newQueue = (limits: PartnerLimits) =>
  new PQueue({
    concurrency: Math.max(1, Math.floor(limits.maxConcurrency)),
    intervalCap: Math.max(1, Math.floor(limits.ratePerSecond)),
    interval: 1000,
  });

/**
 * The one resilience wrapper: per partner a p-queue (concurrency + rate) in front of an opossum
 * breaker in front of one undici exchange, all under one deadline.
 * request() throws UpstreamError: rejected | server_error | timeout | network | circuit_open |
 * invalid_response | url_rejected.
 */
export function createUpstream(options: UpstreamOptions): Upstream {
  const ownsDispatcher = options.dispatcher === undefined;
  const dispatcher =
    options.dispatcher ??
    new Agent({
      keepAliveTimeout: 10_000,
      connect: options.allowPrivateUrls ? {} : { lookup: createGuardedLookup() },
    });
  const maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
  const lanes = new Map<string, Lane>();
  // Per-call controllers rather than one long-lived shutdown signal: AbortSignal.any() retains every
  // composite on a long-lived source (nodejs/node#55351), which would leak one per call.
  const inFlight = new Set<AbortController>();
  let isClosed = false;

  const laneFor = (partner: PartnerConnection): Lane => {
    let lane = lanes.get(partner.id);
    if (!lane) {
      lane = {
        kind: partner.kind,
        limits: { ...partner.limits },
        queue: newQueue(partner.limits),
        breaker: createBreaker(partner.id, options.breaker),
        window: new SampleWindow(),
        hedge: { eligibleCalls: 0, sent: 0, won: 0 },
        hedgeDelay: { ms: null, atPushes: -Infinity },
        pushes: 0,
      };
      lanes.set(partner.id, lane);
      return lane;
    }
    lane.kind = partner.kind;
    if (lane.limits.ratePerSecond !== partner.limits.ratePerSecond) {
      // p-queue cannot change intervalCap in place; tasks already queued drain on the old queue.
      lane.queue = newQueue(partner.limits);
    } else if (lane.limits.maxConcurrency !== partner.limits.maxConcurrency) {
      lane.queue.concurrency = Math.max(1, Math.floor(partner.limits.maxConcurrency));
    }
    lane.limits = { ...partner.limits };
    return lane;
  };

  const record = (partner: PartnerConnection, lane: Lane, op: string, outcome: CallOutcome, latencyMs: number) => {
    if (!NOT_JUDGED.has(outcome)) {
      lane.window.push({ latencyMs, outcome });
      lane.pushes++;
    }
    try {
      options.onCall?.({ partnerId: partner.id, kind: partner.kind, operation: op, outcome, latencyMs });
    } catch {
      // A broken metrics hook must not turn a good partner answer into a failure.
    }
  };

  /** `isAbandoned()`: the caller's signal (or close()) ended the call, not the partner's timeoutMs. */
  const call = async (partner: PartnerConnection, req: UpstreamRequest, lane: Lane, signal: AbortSignal, isAbandoned: () => boolean) => {
    const url = joinUrl(partner.baseUrl, req.path);
    const check = checkUrlSyntax(url, { allowPrivate: options.allowPrivateUrls });
    if (!check.ok) throw new UpstreamError('url_rejected', partner.id, check.reason);
    if (lane.breaker.opened) throw new UpstreamError('circuit_open', partner.id, `breaker for ${partner.id} is open`);
    let isTrial = false;
    const attempt = () => {
      isTrial = lane.breaker.halfOpen;
      return exchange({ dispatcher, partnerId: partner.id, url, req, signal, maxResponseBytes }).catch((err: unknown) => {
        if (signal.reason instanceof HedgeCancelledError) throw signal.reason;
        if (err instanceof UpstreamError && err.failure === 'timeout' && isAbandoned()) throw new CallAbandonedError();
        throw err;
      });
    };
    try {
      // The queue drops the task if the signal aborts while it waits, and stops waiting if it aborts while it runs.
      return await lane.queue.add(
        () =>
          lane.breaker.fire(attempt).catch((err: unknown) => {
            // opossum closes a half-open breaker on a filtered error; an abandoned trial proved nothing: back to open.
            if (err instanceof CallAbandonedError && isTrial && lane.breaker.closed) lane.breaker.open();
            throw err;
          }),
        { signal },
      );
    } catch (err) {
      if (isBreakerOpenError(err)) throw new UpstreamError('circuit_open', partner.id, `breaker for ${partner.id} is open`);
      throw toUpstreamError(err, partner.id, signal);
    }
  };

  const hedging = { isEnabled: true, maxFraction: 0.05, minSamples: 20, ...options.hedging };

  /** When an idempotent read has not answered by the partner's p95, one duplicate races it. */
  const hedgeDelayMs = (lane: Lane): number | null => {
    // Sorting the window costs more than the rest of a call's bookkeeping: refresh it every few calls
    // (and at once while the partner is still short of minSamples).
    if (lane.hedgeDelay.ms !== null && lane.pushes - lane.hedgeDelay.atPushes < HEDGE_DELAY_REFRESH_CALLS) return lane.hedgeDelay.ms;
    const ok: number[] = [];
    for (const s of lane.window.samples()) if (s.outcome === 'ok') ok.push(s.latencyMs);
    lane.hedgeDelay = { ms: ok.length < hedging.minSamples ? null : Math.max(1, percentile(ok, 95)), atPushes: lane.pushes };
    return lane.hedgeDelay.ms;
  };

  const hedged = (partner: PartnerConnection, req: UpstreamRequest, lane: Lane, signal: AbortSignal, isAbandoned: () => boolean): Promise<UpstreamResponse> => {
    lane.hedge.eligibleCalls++;
    const delay = hedgeDelayMs(lane);
    if (delay === null) return call(partner, req, lane, signal, isAbandoned);
    return new Promise((resolve, reject) => {
      const copies: { controller: AbortController; isHedge: boolean }[] = [];
      let pending = 0;
      let isSettled = false;
      let firstError: unknown;
      let timer: NodeJS.Timeout | undefined;
      const start = (isHedge: boolean) => {
        const controller = new AbortController();
        const copy = { controller, isHedge };
        copies.push(copy);
        pending++;
        call(partner, req, lane, AbortSignal.any([signal, controller.signal]), isAbandoned).then(
          (response) => {
            if (isSettled) return;
            isSettled = true;
            clearTimeout(timer);
            if (isHedge) lane.hedge.won++;
            for (const other of copies) if (other !== copy) other.controller.abort(new HedgeCancelledError());
            resolve(response);
          },
          (err: unknown) => {
            pending--;
            firstError ??= err;
            // Every copy failed (a primary failing before the hedge delay is a plain failure: hedging is for slowness).
            if (!isSettled && pending === 0) {
              isSettled = true;
              clearTimeout(timer);
              reject(firstError);
            }
          },
        );
      };
      start(false);
      timer = setTimeout(() => {
        timer = undefined;
        if (isSettled) return;
        if (lane.hedge.sent + 1 > hedging.maxFraction * lane.hedge.eligibleCalls) return;
        lane.hedge.sent++;
        start(true);
      }, delay);
    });
  };

  const request = async (partner: PartnerConnection, req: UpstreamRequest): Promise<UpstreamResponse> => {
    if (isClosed) throw new UpstreamError('network', partner.id, 'upstream is closed');
    const startedAt = performance.now();
    const lane = laneFor(partner);
    const own = new AbortController();
    inFlight.add(own);
    const partnerTimeout = AbortSignal.timeout(Math.max(1, partner.limits.timeoutMs));
    const signal = AbortSignal.any([req.signal, partnerTimeout, own.signal]);
    // any() takes the reason of the first source to abort: the partner's timeout, or us giving up.
    const isAbandoned = () => signal.aborted && signal.reason !== partnerTimeout.reason;
    try {
      const response =
        req.idempotent && hedging.isEnabled ? await hedged(partner, req, lane, signal, isAbandoned) : await call(partner, req, lane, signal, isAbandoned);
      record(partner, lane, req.operation, 'ok', performance.now() - startedAt);
      return response;
    } catch (err) {
      const failure = toUpstreamError(err, partner.id, signal);
      const outcome = failure.failure === 'timeout' && isAbandoned() ? 'abandoned' : failure.failure;
      record(partner, lane, req.operation, outcome, performance.now() - startedAt);
      throw failure;
    } finally {
      inFlight.delete(own);
    }
  };

  const healthOf = (partnerId: string): PartnerHealth | undefined => {
    const lane = lanes.get(partnerId);
    if (!lane) return undefined;
    return {
      ...summarizeHealth({ partnerId, kind: lane.kind, breaker: breakerState(lane.breaker), samples: lane.window.samples() }),
      hedges: { sent: lane.hedge.sent, won: lane.hedge.won },
    };
  };

  /** The promise path asks this for every partner of every order: no percentiles, no sorting. */
  const isDegraded = (partnerId: string): boolean => {
    const lane = lanes.get(partnerId);
    if (!lane) return false;
    if (breakerState(lane.breaker) !== 'closed') return true;
    const samples = lane.window.samples();
    let errors = 0;
    for (const s of samples) if (isPartnerError(s.outcome)) errors++;
    return samples.length >= DEGRADED_MIN_CALLS && errors / samples.length > DEGRADED_ERROR_RATE;
  };

  return {
    request,
    healthOf,
    isDegraded,
    health: () => [...lanes.keys()].map((id) => healthOf(id)!),
    close: async () => {
      if (isClosed) return;
      isClosed = true;
      for (const controller of inFlight) controller.abort(new Error('upstream closed'));
      for (const lane of lanes.values()) {
        lane.queue.clear();
        lane.breaker.shutdown();
      }
      // destroy, not close: close() waits for in-flight requests, and shutdown must not hang.
      if (ownsDispatcher) await dispatcher.destroy();
    },
  };
}
