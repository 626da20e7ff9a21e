import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import { Agent, request, type Dispatcher } from 'undici';
import type { Database } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import type { SecretBox } from '../../lib/crypto.js';
import type { PledgeMetrics } from '../../lib/metrics.js';
import { checkUrlSyntax, createGuardedLookup, SSRF_REFUSED } from '../../upstream/ssrf-guard.js';
import { liveSecrets } from './endpoint-service.js';
import { isExhausted, parseRetryAfter, retryDelayMs } from './retry-schedule.js';
import { deliveryHeaders } from './signing.js';
import { createPollingLoop } from '../../lib/polling-loop.js';

/** Options the shell may set; every one has a default. */
export type WebhookDeliveryOptions = {
  /** Tests inject one (their owner closes it); by default a keep-alive Agent, SSRF-guarded unless private URLs are allowed. */
  dispatcher?: Dispatcher;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
  /** null: the loop is not started (tests call tick()). Default: the relay's interval. */
  intervalMs?: number | null;
  /** Default: whatever the configured partner-URL check allows. */
  allowPrivateUrls?: boolean;
};

export type DeliveryWorkerDeps = {
  db: Kysely<Database>;
  clock: Clock;
  secrets: SecretBox;
  metrics: Pick<PledgeMetrics, 'webhookAttempts' | 'webhookLatency'>;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Resolved once, before the first attempt: decides the SSRF-guarded DNS lookup and the per-attempt URL check. */
  allowPrivateUrls: boolean | (() => Promise<boolean>);
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  /** Endpoints served at once by this process; each gets one request in flight at a time. */
  maxConcurrentEndpoints?: number;
  /** Deliveries claimed per endpoint per claim, sent one after the other in event order. */
  batchPerEndpoint?: number;
  random?: () => number;
};

type Claimed = {
  id: string;
  endpoint_id: string;
  seller_id: string;
  event_id: string;
  attempts: number;
  payload: string;
  url: string;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Date | null;
};

const CLAIM_SCAN = 500;
const MAX_RESPONSE_DRAIN_BYTES = 64 * 1024;

/**
 * The seller-webhook outbox worker. Claims due deliveries with FOR UPDATE SKIP LOCKED and a lease,
 * never for an endpoint that already has a leased delivery, so each endpoint has at most one request
 * in flight and a slow one only ever holds its own slot. Every attempt is recorded.
 */
export function createDeliveryWorker(deps: DeliveryWorkerDeps) {
  const { db, clock } = deps;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const maxEndpoints = deps.maxConcurrentEndpoints ?? 32;
  const batch = deps.batchPerEndpoint ?? 10;
  // Covers a whole batch timing out one after another, so a live worker never loses its lease.
  const leaseMs = batch * timeoutMs + 30_000;
  const random = deps.random ?? Math.random;
  const inFlight = new Set<Promise<void>>();
  let transport: Promise<{ dispatcher: Dispatcher; allowPrivate: boolean; owned?: Agent }> | undefined;

  const resolveTransport = () =>
    (transport ??= (async () => {
      const allowPrivate = typeof deps.allowPrivateUrls === 'function' ? await deps.allowPrivateUrls() : deps.allowPrivateUrls;
      if (deps.dispatcher) return { dispatcher: deps.dispatcher, allowPrivate };
      const owned = new Agent({ keepAliveTimeout: 10_000, connect: allowPrivate ? {} : { lookup: createGuardedLookup() } });
      return { dispatcher: owned, allowPrivate, owned };
    })());

  /** Leases up to `endpointLimit` endpoints' due deliveries; returns them grouped by endpoint, oldest first. */
  async function claim(endpointLimit: number): Promise<Claimed[][]> {
    if (endpointLimit <= 0) return [];
    const now = clock.now();
    const ids = await db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('webhook_deliveries as d')
        .select(['d.id', 'd.endpoint_id'])
        .where('d.status', '=', 'pending')
        .where('d.next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('d.locked_until', 'is', null), eb('d.locked_until', '<=', now)]))
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('webhook_deliveries as busy')
                .select('busy.id')
                .whereRef('busy.endpoint_id', '=', 'd.endpoint_id')
                .where('busy.status', '=', 'pending')
                .where('busy.locked_until', '>', now),
            ),
          ),
        )
        .orderBy('d.next_attempt_at')
        .orderBy('d.id')
        .limit(CLAIM_SCAN)
        .forUpdate()
        .skipLocked()
        .execute();
      const groups = new Map<string, string[]>();
      for (const row of due) {
        const group = groups.get(row.endpoint_id);
        if (group) {
          if (group.length < batch) group.push(row.id);
        } else if (groups.size < endpointLimit) {
          groups.set(row.endpoint_id, [row.id]);
        }
      }
      const chosen = [...groups.values()].flat();
      if (chosen.length === 0) return [];
      await trx
        .updateTable('webhook_deliveries')
        .set({ locked_until: new Date(now.getTime() + leaseMs) })
        .where('id', 'in', chosen)
        .execute();
      return chosen;
    });
    if (ids.length === 0) return [];
    const rows = await db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
      .innerJoin('webhook_endpoints as ep', 'ep.id', 'd.endpoint_id')
      .select(['d.id', 'd.endpoint_id', 'd.seller_id', 'd.event_id', 'd.attempts', 'e.payload', 'ep.url', 'ep.secret_sealed', 'ep.previous_secret_sealed', 'ep.previous_secret_expires_at'])
      .where('d.id', 'in', ids)
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const grouped = new Map<string, Claimed[]>();
    for (const id of ids) {
      const row = byId.get(id);
      if (row) grouped.set(row.endpoint_id, [...(grouped.get(row.endpoint_id) ?? []), row]);
    }
    return [...grouped.values()];
  }

  /** One HTTP attempt, recorded; true when the endpoint answered 2xx. */
  async function attempt(d: Claimed): Promise<boolean> {
    const { dispatcher, allowPrivate } = await resolveTransport();
    const at = clock.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let retryAfterMs: number | undefined;
    const startedAt = performance.now();
    const urlCheck = checkUrlSyntax(d.url, { allowPrivate });
    if (!urlCheck.ok) {
      error = `url refused: ${urlCheck.reason}`;
    } else {
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const res = await request(d.url, {
          method: 'POST',
          headers: deliveryHeaders(liveSecrets(d, deps.secrets, at), d.event_id, at, d.payload),
          body: d.payload,
          dispatcher,
          signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        statusCode = res.statusCode;
        retryAfterMs = parseRetryAfter(res.headers['retry-after'], at);
        // Redirects are not followed (Standard Webhooks: a 3xx is a failure; update the URL instead).
        if (statusCode < 200 || statusCode > 299) error = `endpoint answered HTTP ${statusCode}`;
        await res.body.dump({ limit: MAX_RESPONSE_DRAIN_BYTES }).catch(() => {});
      } catch (err) {
        error = describe(err, signal.aborted, timeoutMs);
      }
    }
    const latencyMs = Math.round(performance.now() - startedAt);
    const isDelivered = error === null;
    const attempts = d.attempts + 1;
    const isFailed = !isDelivered && isExhausted(attempts);
    const recordedAt = clock.now();
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('webhook_delivery_attempts')
        .values({ delivery_id: d.id, seller_id: d.seller_id, status_code: statusCode, latency_ms: latencyMs, error, attempted_at: at })
        .execute();
      await trx
        .updateTable('webhook_deliveries')
        .set({
          attempts,
          status: isDelivered ? 'delivered' : isFailed ? 'failed' : 'pending',
          next_attempt_at: isDelivered || isFailed ? null : new Date(recordedAt.getTime() + retryDelayMs(attempts, random(), retryAfterMs)),
          locked_until: null,
          last_attempt_at: at,
          last_status_code: statusCode,
          last_error: error,
          ...(isDelivered ? { delivered_at: recordedAt } : {}),
        })
        .where('id', '=', d.id)
        // Deleting the endpoint meanwhile ended the delivery: keep that outcome.
        .where('status', '=', 'pending')
        .execute();
    });
    const outcome = isDelivered ? 'delivered' : isFailed ? 'failed' : 'retry';
    deps.metrics.webhookAttempts.inc({ outcome });
    deps.metrics.webhookLatency.observe({ outcome }, latencyMs);
    if (!isDelivered) deps.log.warn({ deliveryId: d.id, endpointId: d.endpoint_id, attempt: attempts, err: error }, isFailed ? 'seller webhook delivery failed for good' : 'seller webhook delivery will be retried');
    return isDelivered;
  }

  /** Sends an endpoint's batch in order; after a failure the rest go back unattempted (the endpoint is unwell). */
  async function runGroup(group: Claimed[]): Promise<void> {
    for (const [i, d] of group.entries()) {
      if (await attempt(d)) continue;
      const rest = group.slice(i + 1).map((r) => r.id);
      if (rest.length > 0) await db.updateTable('webhook_deliveries').set({ locked_until: null }).where('id', 'in', rest).where('status', '=', 'pending').execute();
      return;
    }
  }

  /** Claims what fits in the free slots and starts it without waiting (the loop). */
  async function pump(): Promise<number> {
    const groups = await claim(maxEndpoints - inFlight.size);
    for (const group of groups) {
      const run: Promise<void> = runGroup(group)
        .catch((err) => deps.log.error({ err: String(err) }, 'seller webhook delivery crashed; its lease will expire and it is retried'))
        .finally(() => inFlight.delete(run));
      inFlight.add(run);
    }
    return groups.length;
  }

  const worker = createPollingLoop(pump, (err) => deps.log.error({ err: String(err) }, 'seller webhook worker tick failed'));

  return {
    /** Claims due deliveries and waits until they are attempted; returns how many were claimed (tests, scripts). */
    async tick(): Promise<number> {
      const groups = await claim(maxEndpoints);
      await Promise.all(groups.map(runGroup));
      return groups.reduce((n, g) => n + g.length, 0);
    },
    start(intervalMs: number) {
      worker.start(intervalMs);
    },
    /** Stops the loop, waits for attempts in flight (each bounded by the timeout), closes its own agent. */
    async close() {
      await worker.stop();
      await Promise.allSettled([...inFlight]);
      const owned = transport ? (await transport).owned : undefined;
      transport = undefined; // a later start() or tick() makes a fresh agent
      await owned?.close();
    },
  };
}
export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;

function describe(err: unknown, isTimedOut: boolean, timeoutMs: number): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (isTimedOut || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') return `no answer within ${timeoutMs} ms`;
  const code = e.code ?? e.cause?.code;
  if (code === SSRF_REFUSED) return `refused by the SSRF guard: ${e.message ?? e.cause?.message}`;
  return code ? `${code}: ${e.message ?? e.cause?.message ?? 'request failed'}` : (e.message ?? String(err));
}
