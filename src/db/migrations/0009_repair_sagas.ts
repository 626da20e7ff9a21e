import { type Kysely, sql } from 'kysely';

// Frozen once released: never edit a released migration; add a new one.
// The repair saga: re-route a failing shipment to another supplier before the promise breaks. One saga
// per repairable breach, its steps persisted before and after each runs so a crash resumes at the
// right step; the replacement shipment links back to the one it replaces.
export async function up(db: Kysely<any>): Promise<void> {
  // A replacement shipment points at the shipment it replaces; a superseded shipment is no longer the
  // order's live route (the order view hides it), whichever of the two ends up abandoned.
  await db.schema
    .alterTable('shipments')
    .addColumn('replaces_shipment_id', 'text', (c) => c.references('shipments.id'))
    .addColumn('superseded_at', 'timestamptz')
    .execute();
  // At most one replacement per shipment that is still live: two would be two instructions for the same goods.
  await sql`create unique index shipments_live_replacement_unique on shipments (replaces_shipment_id) where replaces_shipment_id is not null and superseded_at is null`.execute(db);

  await db.schema
    .createTable('repair_sagas')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('shipment_id', 'text', (c) => c.notNull().references('shipments.id'))
    // One saga per breach: the breach processor may call start twice (retry); the second is a no-op.
    .addColumn('breach_id', 'text', (c) => c.notNull().unique().references('breaches.id'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running','completed','failed','compensating','compensated')`))
    .addColumn('current_step', 'text')
    .addColumn('replacement_shipment_id', 'text', (c) => c.references('shipments.id'))
    // Claimed with FOR UPDATE SKIP LOCKED and a lease; every write checks lease_token, so a worker
    // whose lease ran out cannot record over the one that took the saga over.
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
    .addColumn('locked_until', 'timestamptz')
    .addColumn('lease_token', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await sql`create index repair_sagas_due_idx on repair_sagas (next_attempt_at) where status in ('running','compensating')`.execute(db);
  await sql`create index repair_sagas_order_idx on repair_sagas (seller_id, order_id)`.execute(db);

  await db.schema
    .createTable('repair_saga_steps')
    .addColumn('saga_id', 'text', (c) => c.notNull().references('repair_sagas.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending','running','done','failed','compensating','compensated','irreversible')`),
    )
    // What the next steps need from this one (the chosen route, the replacement id).
    .addColumn('output', 'jsonb')
    // Only what undoes the step (Medusa's compensate input): read back by its compensate after a crash.
    .addColumn('undo', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('compensated_at', 'timestamptz')
    .addPrimaryKeyConstraint('repair_saga_steps_pk', ['saga_id', 'seq'])
    .addUniqueConstraint('repair_saga_steps_name_unique', ['saga_id', 'name'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('repair_saga_steps').execute();
  await db.schema.dropTable('repair_sagas').execute();
  await sql`drop index if exists shipments_live_replacement_unique`.execute(db);
  await db.schema.alterTable('shipments').dropColumn('superseded_at').dropColumn('replaces_shipment_id').execute();
}
