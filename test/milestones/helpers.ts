import type { TestContext } from '../helper.js';
import { orderBody } from '../helper.js';

/** Places a MUG-001 order (Acme, Edison NJ) and returns it with its one shipment row, instruction sent. */
export async function placedShipment(ctx: TestContext) {
  const res = await ctx.placeOrder(orderBody({ lines: [{ sku: 'MUG-001', quantity: 1, unit_price_minor: 1800 }] }));
  if (res.statusCode !== 201) throw new Error(`order not placed: ${res.body}`);
  const order = res.json();
  for (let i = 0; i < 20 && order.instruction.status !== 'sent'; i++) {
    await ctx.app.services.relay.tick();
    const s = await ctx.deps.db.selectFrom('shipments').select('instruction_status').where('order_id', '=', order.id).executeTakeFirstOrThrow();
    if (s.instruction_status === 'sent') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const shipment = await ctx.deps.db.selectFrom('shipments').selectAll().where('order_id', '=', order.id).executeTakeFirstOrThrow();
  if (shipment.instruction_status !== 'sent') throw new Error(`instruction not sent: ${shipment.instruction_status} ${shipment.instruction_error}`);
  return { order, shipment };
}

export async function milestoneCount(ctx: TestContext, shipmentId: string): Promise<number> {
  const rows = await ctx.deps.db.selectFrom('milestones').select('id').where('shipment_id', '=', shipmentId).execute();
  return rows.length;
}

export async function shipmentState(ctx: TestContext, shipmentId: string) {
  return ctx.deps.db.selectFrom('shipments').select(['fulfillment_state', 'fulfillment_rank', 'tracking_number']).where('id', '=', shipmentId).executeTakeFirstOrThrow();
}
