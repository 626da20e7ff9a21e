import type { PartnerKind } from '../db/database.js';
import type { PartnerHealth, UpstreamFailure } from './contract.js';

/**
 * `abandoned`: the caller's own signal ended the call (it surfaces as `timeout`); reported to onCall,
 * never a partner error, kept out of the health window.
 */
export type CallOutcome = 'ok' | UpstreamFailure | 'abandoned';
export type CallSample = { latencyMs: number; outcome: CallOutcome };
export type BreakerState = PartnerHealth['breaker'];

export const HEALTH_WINDOW_SIZE = 200;
export const DEGRADED_MIN_CALLS = 10;
export const DEGRADED_ERROR_RATE = 0.2;

/** Nearest-rank percentile (`p` in 0..100) of unsorted values; 0 for no values. Pure. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((Math.min(Math.max(p, 0), 100) / 100) * sorted.length);
  return sorted[Math.max(rank, 1) - 1]!;
}

/** A 4xx is the partner working as designed; only these count as the partner failing. */
export const isPartnerError = (outcome: CallOutcome): boolean => outcome !== 'ok' && outcome !== 'rejected' && outcome !== 'abandoned';

/** Pure summary of one partner's recent calls. */
export function summarizeHealth(input: {
  partnerId: string;
  kind: PartnerKind;
  breaker: BreakerState;
  samples: readonly CallSample[];
}): PartnerHealth {
  const calls = input.samples.length;
  const errors = input.samples.filter((s) => isPartnerError(s.outcome)).length;
  const errorRate = calls === 0 ? 0 : errors / calls;
  const latencies = input.samples.map((s) => s.latencyMs);
  return {
    partnerId: input.partnerId,
    kind: input.kind,
    breaker: input.breaker,
    calls,
    errorRate,
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
    isDegraded: input.breaker !== 'closed' || (calls >= DEGRADED_MIN_CALLS && errorRate > DEGRADED_ERROR_RATE),
  };
}

/** The last `capacity` call samples, oldest overwritten first. */
export class SampleWindow {
  readonly #ring: CallSample[] = [];
  #next = 0;

  constructor(readonly capacity = HEALTH_WINDOW_SIZE) {}

  push(sample: CallSample): void {
    if (this.#ring.length < this.capacity) this.#ring.push(sample);
    else this.#ring[this.#next] = sample;
    this.#next = (this.#next + 1) % this.capacity;
  }

  samples(): readonly CallSample[] {
    return this.#ring;
  }
}
