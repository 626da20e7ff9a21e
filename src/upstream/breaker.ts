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
    errorFilter: (err: unknown) => (err instanceof UpstreamError && err.failure === 'rejected') || err instanceof HedgeCancelledError,
  });
}

export function breakerState(breaker: PartnerBreaker): BreakerState {
  if (breaker.halfOpen) return 'half_open';
  return breaker.opened ? 'open' : 'closed';
}

/** opossum rejects with a plain Error carrying this code when it fails fast. */
export const isBreakerOpenError = (err: unknown): boolean =>
  err instanceof Error && (err as { code?: unknown }).code === 'EOPENBREAKER';
