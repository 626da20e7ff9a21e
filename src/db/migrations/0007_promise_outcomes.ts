import { type Kysely, sql } from 'kysely';

// Frozen: never edit a released migration; add a new one.
// How each promise ended. One row per shipment, written once, in the transaction that settles the
// promise (kept on delivery by the date; broken when a breach is detected and not repaired). The
// learning model reads it as its event log; the route components and the lane are copied here so an
// outcome stays meaningful after the network changes.
export async function up(db: Kysely<any>): Promise<void> {
  // The pickup cut-off the supplier must hand over by (the engine's plan), kept on the shipment so
  // breach timers and outcomes do not have to re-read the outbox payload.
  await db.schema.alterTable('shipments').addColumn('handover_by', 'timestamptz').execute();

  await db.schema
    .createTable('promise_outcomes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('shipment_id', 'text', (c) => c.notNull().unique().references('shipments.id'))
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('kept','broken')`))
    .addColumn('breach_kind', 'text', (c) => c.check(sql`breach_kind in ('late','lost','refused','cancelled')`))
    // Who broke it: the component the model should blame (null when kept, or nobody's fault).
    .addColumn('cause', 'text', (c) => c.check(sql`cause in ('supplier','warehouse','carrier','seller','customer')`))
    .addColumn('supplier_id', 'text', (c) => c.notNull())
    .addColumn('warehouse_id', 'text', (c) => c.notNull())
    .addColumn('carrier_account_id', 'text', (c) => c.notNull())
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('origin_region', 'text')
    .addColumn('destination_region', 'text')
    .addColumn('deliver_by', 'timestamptz', (c) => c.notNull())
    .addColumn('handover_by', 'timestamptz')
    .addColumn('handed_over_at', 'timestamptz')
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('compensation_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('settled_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('promise_outcomes_breach_kind', sql`(outcome = 'broken') = (breach_kind is not null)`)
    .execute();
  await sql`create index promise_outcomes_settled_idx on promise_outcomes (seller_id, settled_at)`.execute(db);
  await sql`create index promise_outcomes_supplier_idx on promise_outcomes (supplier_id, settled_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('promise_outcomes').execute();
  await db.schema.alterTable('shipments').dropColumn('handover_by').execute();
}
