import CircuitBreaker from 'opossum';
import { UpstreamError, type UpstreamResponse } from './contract.js';
import type { BreakerState } from './health.js';

export type BreakerOptions = {
  errorThresholdPercentage?: number;
  volumeThreshold?: number;
  resetTimeoutMs?: number;
  rollingWindowMs?: number;
};

export type Attempt = () => Promise<UpstreamResponse>;
export type PartnerBreaker = CircuitBreaker<[Attempt], UpstreamResponse>;

/** The losing copy of a hedged read was cancelled by us: not the partner's fault, not a breaker failure. */
export class HedgeCancelledError extends Error {
  constructor() {
    super('hedged duplicate cancelled: the other copy answered first');
    this.name = 'HedgeCancelledError';
  }
}

/**
 * The caller stopped waiting (the order's deadline or shutdown aborted its signal) before the partner
 * answered and before the partner's own timeoutMs: we gave up, the partner did not fail. Under overload
 * our own lag makes these pile up, and counting them would open breakers on healthy partners.
 */
export class CallAbandonedError extends Error {
  constructor() {
    super('the caller stopped waiting before the partner answered');
    this.name = 'CallAbandonedError';
  }
}

/** The breaker runs whatever attempt it is given, so one breaker serves every call to a partner. */
export function createBreaker(partnerId: string, opts: BreakerOptions = {}): PartnerBreaker {
  return new CircuitBreaker((attempt: Attempt) => attempt(), {
    name: partnerId,
    // Deadlines are ours (AbortSignal); an opossum timeout would leave the socket running.
    timeout: false,
    errorThresholdPercentage: opts.errorThresholdPercentage ?? 50,
    volumeThreshold: opts.volumeThreshold ?? 10,
    resetTimeout: opts.resetTimeoutMs ?? 5000,
    rollingCountTimeout: opts.rollingWindowMs ?? 10_000,
    rollingCountBuckets: 10,
    enableSnapshots: false,
    errorFilter: (err: unknown) =>
      (err instanceof UpstreamError && err.failure === 'rejected') || err instanceof HedgeCancelledError || err instanceof CallAbandonedError,
  });
}

export function breakerState(breaker: PartnerBreaker): BreakerState {
  if (breaker.halfOpen) return 'half_open';
  return breaker.opened ? 'open' : 'closed';
}

/** opossum rejects with a plain Error carrying this code when it fails fast. */
export const isBreakerOpenError = (err: unknown): boolean =>
  err instanceof Error && (err as { code?: unknown }).code === 'EOPENBREAKER';
