import type { OrderNetwork } from '../../network/network-service.js';
import type { EngineDecision } from '../../promise-engine/types.js';
import type { GatheredQuotes } from '../../orders/quote-gatherer.js';
import { quotedHandoverEta } from '../../orders/engine-input.js';

/**
 * Pure parts of the re-quote step: which partners the failing route rules out, the engine input for
 * the failing shipment's lines against the order's unchanged deliver_by, and the route it yields.
 */

export type RouteExclusions = { suppliers: string[]; warehouses: string[]; carrierAccounts: string[] };

/**
 * The failing shipment's supplier is always excluded: it refused or missed the handover, and its
 * cancelled order must not be re-sent under a new key for the same goods. The warehouse or carrier
 * account is excluded too when the breach blames it.
 */
export function exclusionsFor(
  shipment: { supplier_id: string; warehouse_id: string; carrier_account_id: string },
  breach: { cause: string; partner_id: string | null },
): RouteExclusions {
  return {
    suppliers: [shipment.supplier_id, ...(breach.cause === 'supplier' && breach.partner_id && breach.partner_id !== shipment.supplier_id ? [breach.partner_id] : [])],
    warehouses: breach.cause === 'warehouse' ? [shipment.warehouse_id] : [],
    carrierAccounts: breach.cause === 'carrier' ? [breach.partner_id ?? shipment.carrier_account_id] : [],
  };
}

/** The network without the excluded partners, so the gatherer does not even ask them. */
export function withoutExcluded(network: OrderNetwork, ex: RouteExclusions): OrderNetwork {
  const suppliers = new Map([...network.suppliers].filter(([id]) => !ex.suppliers.includes(id)));
  const warehouses = new Map([...network.warehouses].filter(([id]) => !ex.warehouses.includes(id)));
  const carrierAccounts = new Map([...network.carrierAccounts].filter(([id]) => !ex.carrierAccounts.includes(id)));
  const offers = network.offers.filter((o) => suppliers.has(o.supplier_id) && warehouses.has(o.warehouse_id));
  return { ...network, suppliers, warehouses, carrierAccounts, offers };
}

/** The replacement route as the saga persists it (JSON-safe: dates as ISO strings). */
export type RepairRoute = {
  supplier_id: string;
  warehouse_id: string;
  carrier_account_id: string;
  carrier: string;
  service: string;
  rate_ref: unknown;
  rate_source: 'live' | 'cached';
  lines: { sku: string; supplier_sku: string; quantity: number; unit_cost_minor: number }[];
  handover_by: string;
  /** The supplier's quoted ready time (learning judges the handover against it); null when none or from an older saga. */
  handover_eta?: string | null;
  estimated_delivery: string;
  probability: number;
  landed_cost_minor: number;
  shipping_cost_minor: number;
};

export type RequoteOutcome = { ok: true; route: RepairRoute } | { ok: false; reason: string };

/**
 * The one route to switch to, or why there is none. A replacement must be a single shipment: the
 * failing shipment was one parcel from one source, and splitting it would turn one live instruction
 * into several the breach processor could not reason about.
 */
export function chosenRoute(decision: EngineDecision, quotes: Pick<GatheredQuotes, 'carrierRates' | 'supplierQuotes'>, ex: RouteExclusions): RequoteOutcome {
  if (decision.outcome === 'decline') return { ok: false, reason: `no route can still meet deliver_by (${decision.code}): ${decision.reasons.join('; ')}` };
  if (decision.shipments.length !== 1) return { ok: false, reason: `only a split into ${decision.shipments.length} shipments can still meet deliver_by` };
  const plan = decision.shipments[0]!;
  // The engine never saw the excluded partners; this guards the invariant if that ever changes.
  if (ex.suppliers.includes(plan.supplierId)) return { ok: false, reason: `the only route left is the failing supplier ${plan.supplierId}` };
  const cached = quotes.carrierRates[`${plan.warehouseId}|${plan.carrierAccountId}`]?.status === 'cached';
  return {
    ok: true,
    route: {
      supplier_id: plan.supplierId,
      warehouse_id: plan.warehouseId,
      carrier_account_id: plan.carrierAccountId,
      carrier: plan.rate.carrier,
      service: plan.rate.service,
      rate_ref: plan.rate.rateRef,
      rate_source: cached ? 'cached' : 'live',
      lines: plan.lines.map((l) => ({ sku: l.sku, supplier_sku: l.supplierSku, quantity: l.quantity, unit_cost_minor: l.unitCostMinor })),
      handover_by: plan.handoverBy.toISOString(),
      handover_eta: quotedHandoverEta(quotes, plan.supplierId, plan.warehouseId)?.toISOString() ?? null,
      estimated_delivery: plan.estimatedDelivery.toISOString(),
      probability: plan.probability,
      landed_cost_minor: plan.landedCostMinor,
      shipping_cost_minor: plan.shippingCostMinor,
    },
  };
}

/** How the failing shipment's instruction is stopped, from its recorded state (pure). */
export type CancelPlan =
  | { kind: 'nothing_live'; outcome: 'not_sent' }
  | { kind: 'already_cancelled' }
  | { kind: 'close_outbox' }
  | { kind: 'supplier_cancel'; supplierOrderRef: string }
  | { kind: 'unknown'; reason: string };

export function cancelPlan(s: { instruction_status: string; supplier_order_ref: string | null; cancel_outcome: string | null }): CancelPlan {
  if (s.cancel_outcome === 'cancelled' || s.cancel_outcome === 'not_sent') return { kind: 'already_cancelled' };
  if (s.cancel_outcome === 'too_late') return { kind: 'unknown', reason: 'the supplier already answered too_late: the parcel has left' };
  if (s.instruction_status === 'failed') return { kind: 'nothing_live', outcome: 'not_sent' };
  if (s.instruction_status === 'cancelled') return { kind: 'already_cancelled' };
  if (s.instruction_status === 'pending') return { kind: 'close_outbox' };
  if (s.instruction_status === 'sent' && s.supplier_order_ref) return { kind: 'supplier_cancel', supplierOrderRef: s.supplier_order_ref };
  return { kind: 'unknown', reason: `instruction ${s.instruction_status} without a supplier order reference` };
}
