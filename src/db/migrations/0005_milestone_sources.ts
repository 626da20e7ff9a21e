import { type Kysely, sql } from 'kysely';

// Frozen: never edit a released migration; add a new one.
// Where milestones come from: per-supplier callback secrets, per-carrier-account webhook secrets and
// tracking mode, and each shipment's forward-only fulfillment state (the milestones themselves live
// in the ledger's insert-only `milestones` table).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('shipments')
    .addColumn('fulfillment_state', 'text', (c) =>
      c.check(sql`fulfillment_state in ('instruction_sent','supplier_accepted','supplier_refused','handed_over','in_transit','out_for_delivery','delivered','exception','returned','cancelled')`),
    )
    .addColumn('fulfillment_rank', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('fulfillment_state_at', 'timestamptz')
    .addColumn('tracking_polled_at', 'timestamptz')
    .execute();
  // Webhooks find their shipment by tracking number within the carrier account, callbacks by supplier reference.
  await sql`create index shipments_tracking_idx on shipments (carrier_account_id, tracking_number) where tracking_number is not null`.execute(db);
  await sql`create index shipments_supplier_ref_idx on shipments (supplier_id, supplier_order_ref) where supplier_order_ref is not null`.execute(db);

  await db.schema
    .alterTable('suppliers')
    .addColumn('callback_secret_sealed', 'text')
    // The secret before the last rotation keeps verifying until this time, so in-flight callbacks land.
    .addColumn('previous_callback_secret_sealed', 'text')
    .addColumn('previous_callback_secret_expires_at', 'timestamptz')
    .execute();

  await db.schema
    .alterTable('carrier_accounts')
    .addColumn('webhook_secret_sealed', 'text')
    .addColumn('tracking_mode', 'text', (c) => c.notNull().defaultTo('webhook').check(sql`tracking_mode in ('webhook','poll')`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('carrier_accounts').dropColumn('webhook_secret_sealed').dropColumn('tracking_mode').execute();
  await db.schema.alterTable('suppliers').dropColumn('callback_secret_sealed').dropColumn('previous_callback_secret_sealed').dropColumn('previous_callback_secret_expires_at').execute();
  await sql`drop index if exists shipments_supplier_ref_idx`.execute(db);
  await sql`drop index if exists shipments_tracking_idx`.execute(db);
  await db.schema
    .alterTable('shipments')
    .dropColumn('fulfillment_state')
    .dropColumn('fulfillment_rank')
    .dropColumn('fulfillment_state_at')
    .dropColumn('tracking_polled_at')
    .execute();
}
