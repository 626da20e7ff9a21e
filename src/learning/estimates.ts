import type { LearnedEstimates } from '../promise-engine/types.js';
import { classPriorOf, decayed, evidenceOver, laneAccount, priorFor, type ComponentKind, type Posterior } from './success-model.js';

export const DAY_MS = 86_400_000;
export const DEFAULT_HALF_LIFE_DAYS = 30;
export const DEFAULT_RISK_AVERSION = 0.5;

/** One stored estimate (a route_estimates row, as the engine path needs it). */
export type EstimateRow = { kind: ComponentKind; key: string; alpha: number; beta: number; n: number; updated_at: Date };

/** Decay on read: the stored posterior is "as of updated_at"; bring it to `now`. Pure. */
export function decayToNow(row: Pick<EstimateRow, 'kind' | 'alpha' | 'beta' | 'updated_at'>, now: Date, halfLifeDays: number): Posterior {
  const elapsedDays = (now.getTime() - row.updated_at.getTime()) / DAY_MS;
  return decayed({ alpha: row.alpha, beta: row.beta }, elapsedDays, halfLifeDays, priorFor(row.kind));
}

/**
 * The engine's `learned` input from a seller's stored estimates, decayed to `now`. Pure: the order path
 * passes the rows its network cache loaded, the warehouse regions and the ship-to region.
 */
export function engineEstimates(args: {
  rows: readonly EstimateRow[];
  now: Date;
  halfLifeDays: number;
  riskAversion: number;
  originRegions: Record<string, string | null>;
  destinationRegion: string | null;
  supplierWeights: Record<string, number>;
}): LearnedEstimates {
  const out: LearnedEstimates = {
    riskAversion: args.riskAversion,
    suppliers: {},
    warehouses: {},
    lanes: {},
    originRegions: args.originRegions,
    destinationRegion: args.destinationRegion,
    supplierWeights: args.supplierWeights,
  };
  const bucket = { supplier_handover: out.suppliers, warehouse_cutoff: out.warehouses, carrier_lane: out.lanes } as const;
  for (const row of args.rows) bucket[row.kind][row.key] = decayToNow(row, args.now, args.halfLifeDays);
  out.carrierAccounts = withCarrierClassPriors(out.lanes);
  return out;
}

/**
 * Lanes borrow their prior from their carrier account's other lanes (success-model classPrior): each
 * stored lane's evidence is put on the prior its siblings give it (leave-one-out, so a lane's own outcomes
 * count once), in place; returns each account's prior for a lane with no outcomes yet.
 */
export function withCarrierClassPriors(lanes: Record<string, Posterior>): Record<string, Posterior> {
  const base = priorFor('carrier_lane');
  // One pass for each account's total evidence; leave-one-out is then the total minus the lane's own.
  const totals = new Map<string, Posterior>();
  const own = new Map<string, Posterior>();
  for (const [key, posterior] of Object.entries(lanes)) {
    const e = evidenceOver(posterior, base);
    own.set(key, e);
    const account = laneAccount(key);
    const total = totals.get(account) ?? { alpha: 0, beta: 0 };
    totals.set(account, { alpha: total.alpha + e.alpha, beta: total.beta + e.beta });
  }
  for (const [key, e] of own) {
    const total = totals.get(laneAccount(key))!;
    const prior = classPriorOf(base, { alpha: total.alpha - e.alpha, beta: total.beta - e.beta });
    lanes[key] = { alpha: prior.alpha + e.alpha, beta: prior.beta + e.beta };
  }
  return Object.fromEntries([...totals].map(([account, total]) => [account, classPriorOf(base, total)]));
}
