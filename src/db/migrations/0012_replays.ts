import { type Kysely, sql } from 'kysely';

// Frozen once released: never edit a released migration; add a new one.
// Policy replay jobs: queued by the API or CLI, run by an in-process worker that claims a row with
// FOR UPDATE SKIP LOCKED and a lease, so several instances share the queue and a crashed run is
// claimed again once its lease has passed. The result (the comparison table) is written with `done`.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('replays')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('params', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued').check(sql`status in ('queued','running','done','failed')`))
    .addColumn('progress_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('progress_total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('result', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await sql`create index replays_claim_idx on replays (created_at) where status in ('queued','running')`.execute(db);
  await sql`create index replays_seller_idx on replays (seller_id, created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('replays').execute();
}
