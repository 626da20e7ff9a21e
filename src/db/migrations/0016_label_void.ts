import { type Kysely, sql } from 'kysely';

// Frozen: never edit a released migration; add a new one.
// A bought label that will never travel (the order was cancelled, the shipment re-routed or its
// instruction abandoned) is voided at the carrier, so the seller gets the postage back. The carrier's
// id for the purchase is kept to do that; older shipments have none and cannot be voided by Pledge.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('shipments')
    // EasyPost shipment id, Shippo transaction object_id, ShipEngine label_id.
    .addColumn('label_ref', 'text')
    .addColumn('label_void_status', 'text', (c) => c.check(sql`label_void_status in ('voided','rejected','failed','not_bought')`))
    .addColumn('label_voided_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('shipments').dropColumn('label_voided_at').dropColumn('label_void_status').dropColumn('label_ref').execute();
}
