import { effectiveProbability, laneKey, summary, type Posterior } from '../learning/success-model.js';
import type { ComponentEstimate, EngineInput, TrackRecord } from './types.js';

export type BetaPrior = { alpha: number; beta: number };

/** Worth ~20-25 promises: a partner with little history stays near the prior, a long record outweighs it. */
export const SUPPLIER_PRIOR: BetaPrior = { alpha: 18, beta: 2 };
export const CARRIER_PRIOR: BetaPrior = { alpha: 23, beta: 2 };

export const SUPPLIER_SLACK_SCALE_HOURS = 6;
/** A handover that missed its cutoff gets another try at the supplier's reliability per this many hours. */
export const RETRY_PERIOD_HOURS = 24;
export const LATE_DAY_FACTOR = 0.1;
export const SPARE_DAY_RISK_FACTOR = 0.4;
export const GUARANTEED_MIN_BASE = 0.97;
export const UNKNOWN_TRANSIT_FACTOR = 0.8;
export const DEGRADED_PARTNER_FACTOR = 0.9;
export const MAX_PROBABILITY = 0.999;

/** Posterior mean of Beta(alpha + kept, beta + broken). */
export function posteriorMean(prior: BetaPrior, record: TrackRecord | undefined): number {
  const kept = record?.kept ?? 0;
  const broken = record?.broken ?? 0;
  return (prior.alpha + kept) / (prior.alpha + prior.beta + kept + broken);
}

const trackPosterior = (prior: BetaPrior, record: TrackRecord | undefined): Posterior => ({
  alpha: prior.alpha + (record?.kept ?? 0),
  beta: prior.beta + (record?.broken ?? 0),
});
const estimateOf = (p: Posterior, source: ComponentEstimate['source']): ComponentEstimate => ({ ...summary(p), source });

/**
 * The supplier's handover reliability before slack: its learned posterior (else prior + kept/broken),
 * priced by effectiveProbability, capped by the warehouse cut-off estimate when one was learned (the
 * handover happens at that warehouse's dock, so it is only as reliable as the weaker of the two), times
 * the supplier's routing weight (a demoted supplier pays for it on every route).
 */
export function supplierBase(input: EngineInput, supplierId: string, warehouseId: string) {
  const k = input.learned?.riskAversion ?? 0;
  const learnedSupplier = input.learned?.suppliers[supplierId];
  const supplier = learnedSupplier ?? trackPosterior(SUPPLIER_PRIOR, input.trackRecords.suppliers[supplierId]);
  const warehouse = input.learned?.warehouses[warehouseId];
  const weight = input.learned?.supplierWeights[supplierId] ?? 1;
  let base = effectiveProbability(supplier, k);
  if (warehouse) base = Math.min(base, effectiveProbability(warehouse, k));
  return {
    base: base * weight,
    supplier: estimateOf(supplier, learnedSupplier ? 'learned' : 'track_record'),
    warehouse: warehouse ? estimateOf(warehouse, 'learned') : null,
  };
}

/**
 * The carrier's reliability on this lane: the learned lane posterior, else (a lane with no outcomes yet)
 * the prior its carrier account's other lanes give it, else the account's prior + counts.
 */
export function carrierPosterior(input: EngineInput, carrierAccountId: string, warehouseId: string, service: string) {
  const k = input.learned?.riskAversion ?? 0;
  const lane = input.learned ? laneKey(carrierAccountId, service, input.learned.originRegions[warehouseId], input.learned.destinationRegion) : null;
  const learned = lane ? input.learned?.lanes[lane] : undefined;
  const account = learned ? undefined : input.learned?.carrierAccounts?.[carrierAccountId];
  const p = learned ?? account ?? trackPosterior(CARRIER_PRIOR, input.trackRecords.carriers[carrierAccountId]);
  const source = learned ? 'learned' : account ? 'carrier_account' : 'track_record';
  return { base: effectiveProbability(p, k), estimate: { ...estimateOf(p, source), lane } };
}

/**
 * P(supplier hands over by the pickup cutoff) = base * (1 - 0.5 * exp(-slackHours / 6)).
 * Zero slack halves it; every 6 hours of slack shrinks the gap to `base` by a factor e.
 */
export function supplierOnTime(base: number, slackHours: number): number {
  return base * (1 - 0.5 * Math.exp(-Math.max(0, slackHours) / SUPPLIER_SLACK_SCALE_HOURS));
}

/**
 * P(handed over within `hoursAfter` the booked cutoff | missed it): every further day is another try at
 * the supplier's own reliability, 1 - (1 - base)^(hours / 24). A reliable supplier's miss usually ships
 * the next day; a supplier that misses most cutoffs keeps missing. An assumption, not learned (the
 * success model learns only "handed over by the booked cutoff").
 */
export function lateHandoverBy(base: number, hoursAfter: number): number {
  return 1 - (1 - Math.min(1, Math.max(0, base))) ** (Math.max(0, hoursAfter) / RETRY_PERIOD_HOURS);
}

/** One pickup a parcel can leave with: its cutoff's slack over the ready time, and P(carrier by the date) from it. */
export type PickupLeg = { slackHours: number; pCarrierOnTime: number };

/**
 * P(on time) over the booked pickup and the later ones a late parcel rolls onto (warehouses ship a
 * missed cut-off with the next pickup): sum over legs j of
 *   P(handed over after cutoff j-1 but by cutoff j) x P(carrier by the date | departs with j),
 * where P(by the booked cutoff) = supplierOnTime(base, slack) (what the success model learns) and the
 * rest arrives after it as lateHandoverBy (or as supplierOnTime at that cutoff, if higher: booking the
 * earlier pickup must not make the later handover less likely). `legs[0]` is booked; the rest in cutoff order.
 * The caller lists only legs that can still arrive by the date: a parcel that misses them all is late.
 */
export function onTimeOverPickups(base: number, legs: readonly PickupLeg[]): { pOnTime: number; pLaterPickups: number; shares: number[] } {
  const [booked] = legs;
  if (!booked) return { pOnTime: 0, pLaterPickups: 0, shares: [] };
  const first = supplierOnTime(base, booked.slackHours);
  const shares = [first];
  let before = first;
  let pLaterPickups = 0;
  for (const leg of legs.slice(1)) {
    // Never below what booking this pickup outright would promise: the same handover, read directly.
    const by = Math.max(before, first + (1 - first) * lateHandoverBy(base, leg.slackHours - booked.slackHours), supplierOnTime(base, leg.slackHours));
    shares.push(by - before);
    pLaterPickups += (by - before) * leg.pCarrierOnTime;
    before = by;
  }
  return { pOnTime: first * booked.pCarrierOnTime + pLaterPickups, pLaterPickups, shares };
}

/**
 * P(carrier delivers by deliverBy), slackDays = deliverBy - estimated delivery (fractional days):
 *   slack < 0:  base * 0.1^|slack|           each day late makes on time ten times less likely
 *   slack >= 0: 1 - (1 - base) * 0.4^slack   each spare day removes 60% of the remaining risk
 * Both equal `base` at zero slack. A guaranteed rate has base >= 0.97.
 */
export function carrierOnTime(base: number, slackDays: number, isGuaranteed: boolean): number {
  const b = isGuaranteed ? Math.max(base, GUARANTEED_MIN_BASE) : base;
  if (slackDays < 0) return b * LATE_DAY_FACTOR ** -slackDays;
  return 1 - (1 - b) * SPARE_DAY_RISK_FACTOR ** slackDays;
}

export function clampProbability(p: number): number {
  if (Number.isNaN(p)) return 0;
  return Math.min(MAX_PROBABILITY, Math.max(0, p));
}

/**
 * (booked pickup's P + later pickups' P) x each stale input (cached quote, schedule or rates) and each
 * degraded partner as an independent haircut.
 */
export function routeProbability(args: {
  pSupplierOnTime: number;
  pCarrierOnTime: number;
  /** P(misses the booked cutoff, makes a later pickup and still arrives by the date); 0 when not modelled. */
  pLaterPickups?: number;
  cachedInputs: number;
  degradedPartners: number;
  staleQuotePenalty: number;
}): number {
  return clampProbability(
    (args.pSupplierOnTime * args.pCarrierOnTime + (args.pLaterPickups ?? 0)) *
      (1 - args.staleQuotePenalty) ** args.cachedInputs *
      DEGRADED_PARTNER_FACTOR ** args.degradedPartners,
  );
}
