import type { CompensationByBreach, PromisePolicyRow } from '../db/database.js';
import type { EnginePolicy } from '../promise-engine/types.js';

/** The promise policy every new seller starts with (version 1); sellers change it by API. */
export const DEFAULT_POLICY = Object.freeze({
  minConfidence: 0.7,
  defaultDeliveryDays: 7,
  currency: 'USD',
  compensationMinor: Object.freeze({ late: 500, lost: 2500, refused: 1500, cancelled: 500 }) as CompensationByBreach,
  voucherTerms:
    'If this order is not delivered by the promised date, present this voucher for a credit on your next order. One use per order.',
  voucherValidityDays: 90,
  staleQuotePenalty: 0.05,
  brokenPromiseCostMinor: 0,
});

/** A stored policy version as the engine takes it (the order path and replays read the same fields). */
export function enginePolicyOf(p: PromisePolicyRow): EnginePolicy {
  return {
    version: p.version,
    minConfidence: p.min_confidence,
    compensationMinor: p.compensation_minor,
    brokenPromiseCostMinor: p.broken_promise_cost_minor,
    staleQuotePenalty: p.stale_quote_penalty,
  };
}
