import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/database.js';
import { orderBody, type TestContext } from '../helper.js';

export type OutcomeSpec = {
  outcome: 'kept' | 'broken';
  breach_kind?: 'late' | 'lost' | 'refused' | 'cancelled' | null;
  cause?: 'supplier' | 'warehouse' | 'carrier' | 'seller' | 'customer' | null;
  settledAt: Date;
  /** Handover on time (default true for kept, false for supplier-caused breaks). */
  handoverOnTime?: boolean;
  compensationMinor?: number;
};

/**
 * Settled promises for a supplier, as breach detection would write them. One real order is placed (so
 * the foreign keys hold); each outcome gets its own shipment row cloned from that order's shipment.
 */
export function outcomeFactory(ctx: TestContext, db: Kysely<Database>) {
  const templates = new Map<string, Awaited<ReturnType<typeof template>>>();
  let seq = 0;
  async function template(sku: string) {
    const res = await ctx.placeOrder(orderBody({ lines: [{ sku, quantity: 1, unit_price_minor: 5000 }] }));
    if (res.statusCode !== 201) throw new Error(`order failed: ${res.body}`);
    const order = res.json();
    if (order.status === 'declined') throw new Error(`order declined: ${res.body}`);
    const shipment = await db.selectFrom('shipments').selectAll().where('order_id', '=', order.id).executeTakeFirstOrThrow();
    return shipment;
  }

  /** Outcomes on routes that ship `sku` (the supplier is whichever the engine chose for it, or `supplierId` forced). */
  async function add(sku: string, specs: OutcomeSpec[], over: { supplierId?: string; warehouseId?: string } = {}): Promise<string[]> {
    let base = templates.get(sku);
    if (!base) templates.set(sku, (base = await template(sku)));
    const ids: string[] = [];
    for (const spec of specs) {
      const n = ++seq;
      const shipmentId = `${base.id}_x${n}`;
      const { fulfillment_rank: _r, ...cloneable } = base as typeof base & { fulfillment_rank: number };
      // jsonb columns go back in as JSON text: node-pg would send a JS array as a PostgreSQL array.
      await db.insertInto('shipments').values({ ...(cloneable as any), id: shipmentId, lines: JSON.stringify(base.lines), rate_ref: JSON.stringify(base.rate_ref) }).execute();
      const handoverBy = new Date(spec.settledAt.getTime() - 3 * 86_400_000);
      const deliverBy = new Date(spec.settledAt.getTime() - 3_600_000);
      const handoverOnTime = spec.handoverOnTime ?? !(spec.outcome === 'broken' && spec.cause === 'supplier');
      const id = `out_t${n}_${Math.random().toString(36).slice(2, 8)}`;
      await db
        .insertInto('promise_outcomes')
        .values({
          id,
          seller_id: base.seller_id,
          order_id: base.order_id,
          shipment_id: shipmentId,
          outcome: spec.outcome,
          breach_kind: spec.outcome === 'broken' ? (spec.breach_kind ?? 'late') : null,
          cause: spec.cause ?? null,
          supplier_id: over.supplierId ?? base.supplier_id,
          warehouse_id: over.warehouseId ?? base.warehouse_id,
          carrier_account_id: base.carrier_account_id,
          carrier: base.carrier,
          service: base.service,
          origin_region: 'NJ',
          destination_region: 'NY',
          deliver_by: deliverBy,
          handover_by: handoverBy,
          handed_over_at: handoverOnTime ? new Date(handoverBy.getTime() - 3_600_000) : spec.outcome === 'kept' ? new Date(handoverBy.getTime() + 3_600_000) : null,
          delivered_at: spec.outcome === 'kept' ? new Date(deliverBy.getTime() - 86_400_000) : null,
          currency: 'USD',
          compensation_minor: spec.compensationMinor ?? 0,
          settled_at: spec.settledAt,
        })
        .execute();
      ids.push(id);
    }
    return ids;
  }
  return { add, template: (sku: string) => templates.get(sku) };
}

/** `kept` on-time outcomes and `late` supplier-caused ones, settled at `at`. */
export const mix = (kept: number, late: number, at: Date): OutcomeSpec[] => [
  ...Array.from({ length: kept }, () => ({ outcome: 'kept' as const, settledAt: at })),
  ...Array.from({ length: late }, () => ({ outcome: 'broken' as const, breach_kind: 'late' as const, cause: 'supplier' as const, settledAt: at, compensationMinor: 500 })),
];
