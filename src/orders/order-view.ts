import type { OrderRow, ShipmentRow } from '../db/database.js';
import type { DeclineCode } from '../promise-engine/types.js';

export type VoucherView = { code: string; terms: string; expires_at: string; signature: string; verify_url: string };

type ShipTo = Record<string, unknown>;
type Line = { sku: string; quantity: number; unit_price_minor: number };

export function instructionView(s: ShipmentRow) {
  return {
    status: s.instruction_status,
    supplier_order_ref: s.supplier_order_ref,
    tracking_number: s.tracking_number,
    label_url: s.label_url,
    sent_at: s.instruction_sent_at?.toISOString() ?? null,
    error: s.instruction_error,
    label_void: s.label_void_status,
  };
}

export function shipmentView(s: ShipmentRow) {
  return {
    id: s.id,
    route: { supplier: s.supplier_id, warehouse: s.warehouse_id, carrier_account: s.carrier_account_id, carrier: s.carrier, service: s.service },
    lines: s.lines as unknown,
    estimated_delivery: s.estimated_delivery.toISOString(),
    confidence: round4(s.confidence),
    landed_cost_minor: s.landed_cost_minor,
    shipping_cost_minor: s.shipping_cost_minor,
    instruction: instructionView(s),
  };
}

/** The API shape of an order: the same for the POST answer, GET and the idempotent replay. */
export function orderView(order: OrderRow, shipments: ShipmentRow[], voucher: VoucherView | null) {
  const base = {
    id: order.id,
    external_id: order.external_id,
    currency: order.currency,
    ship_to: order.ship_to as ShipTo,
    lines: order.lines as Line[],
    requested_deliver_by: order.requested_deliver_by?.toISOString() ?? null,
    decided_in_ms: order.decided_in_ms,
    policy_version: order.policy_version,
    created_at: order.created_at.toISOString(),
  };
  if (order.status === 'declined') {
    return { ...base, status: 'declined' as const, code: order.decline_code as DeclineCode, reasons: (order.decline_reasons ?? []) as string[] };
  }
  // A shipment re-routed by a repair saga is history, not the order's route: only live ones show.
  const live = shipments.filter((s) => s.superseded_at == null);
  const first = live[0] ?? shipments[0]!;
  const promised = {
    ...base,
    status: 'promised' as const,
    deliver_by: order.deliver_by!.toISOString(),
    confidence: round4(order.confidence!),
    route: shipmentView(first).route,
    landed_cost_minor: order.landed_cost_minor!,
    expected_breach_cost_minor: order.expected_breach_cost_minor!,
    instruction: instructionView(first),
    shipments: live.map(shipmentView),
    voucher,
  };
  if (order.status === 'cancelled') {
    return { ...promised, status: 'cancelled' as const, cancelled_at: order.cancelled_at!.toISOString(), cancel_reason: order.cancel_reason };
  }
  return promised;
}
export type OrderView = ReturnType<typeof orderView>;

/**
 * A JSON value as a jsonb column returns it: object keys ordered by length, then bytewise, as
 * PostgreSQL stores them; undefined members dropped. Lets a row be rendered from what was written,
 * byte for byte as a SELECT would give it.
 */
export function asStoredJson<T>(value: T): T {
  return reorder(JSON.parse(JSON.stringify(value))) as T;
}

const byJsonbKeyOrder = (a: string, b: string) => {
  const la = Buffer.byteLength(a);
  const lb = Buffer.byteLength(b);
  return la !== lb ? la - lb : Buffer.compare(Buffer.from(a), Buffer.from(b));
};

function reorder(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reorder);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort(byJsonbKeyOrder)) out[k] = reorder((v as Record<string, unknown>)[k]);
  return out;
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
