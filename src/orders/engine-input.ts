import { engineEstimates } from '../learning/estimates.js';
import type { LearningSettings } from '../learning/learning-service.js';
import type { OrderNetwork } from '../network/network-service.js';
import { enginePolicyOf } from '../network/policy.js';
import { supplierQuoteKey, type EngineInput, type OrderLine } from '../promise-engine/types.js';
import type { GatheredQuotes } from './quote-gatherer.js';

/**
 * What the pure engine sees, built the same way for a new order and for a repair's re-quote: the
 * seller's policy and offers, the quotes gathered, the partners' health, and what the success model
 * has learned about each route component (when learning is wired). Pure.
 */
export function buildEngineInput(args: {
  network: OrderNetwork;
  lines: OrderLine[];
  currency: string;
  quotes: GatheredQuotes;
  now: Date;
  deliverBy: Date;
  destinationRegion: string | null;
  degradedPartners: ReadonlySet<string>;
  learning?: LearningSettings | undefined;
}): EngineInput {
  const { network, quotes, now } = args;
  const p = network.policy;
  return {
    now,
    currency: args.currency,
    lines: args.lines,
    deliverBy: args.deliverBy,
    policy: enginePolicyOf(p),
    offers: network.offers.map((o) => ({
      sku: o.sku,
      supplierId: o.supplier_id,
      supplierSku: o.supplier_sku,
      warehouseId: o.warehouse_id,
      catalogUnitCostMinor: o.unit_cost_minor,
      weightGrams: o.weight_grams,
    })),
    supplierQuotes: quotes.supplierQuotes,
    warehouseSchedules: quotes.warehouseSchedules,
    carrierRates: quotes.carrierRates,
    trackRecords: network.trackRecords,
    degradedPartners: args.degradedPartners,
    ...(args.learning
      ? {
          learned: engineEstimates({
            rows: network.estimates,
            now,
            halfLifeDays: args.learning.halfLifeDays,
            riskAversion: args.learning.riskAversion,
            originRegions: Object.fromEntries([...network.warehouses].map(([id, w]) => [id, w.row.region])),
            destinationRegion: args.destinationRegion,
            supplierWeights: Object.fromEntries([...network.suppliers].map(([id, s]) => [id, s.row.routing_weight])),
          }),
        }
      : {}),
  };
}

/** The handover ETA the supplier quoted for the plan the engine chose (received or cached); null when none. */
export function quotedHandoverEta(quotes: Pick<GatheredQuotes, 'supplierQuotes'>, supplierId: string, warehouseId: string): Date | null {
  const quote = quotes.supplierQuotes[supplierQuoteKey(supplierId, warehouseId)];
  return quote && (quote.status === 'received' || quote.status === 'cached') ? quote.value.handoverEta : null;
}
