import { type Kysely, sql } from 'kysely';

// Frozen once released: never edit a released migration; add a new one.
// Learning from outcomes: per-component Beta estimates (src/learning/success-model.ts), the outcomes
// already applied to them (idempotency), weekly supplier ratings, the rules that act on them, every
// rule firing with its evidence, and the backup-supplier inquiries a demotion opens.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('route_estimates')
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('supplier_handover','warehouse_cutoff','carrier_lane')`))
    // supplier id, warehouse id, or `${carrier_account_id}|${service}|${origin}->${destination}`
    .addColumn('key', 'text', (c) => c.notNull())
    // Posterior pseudo-counts including the prior, decayed up to updated_at.
    .addColumn('alpha', 'double precision', (c) => c.notNull())
    .addColumn('beta', 'double precision', (c) => c.notNull())
    // Outcomes ever observed (not decayed): for humans and the minimum-evidence checks.
    .addColumn('n', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('route_estimates_pk', ['seller_id', 'kind', 'key'])
    .execute();

  // Inserted first in the transaction that applies an outcome: a second apply conflicts and does nothing.
  await db.schema
    .createTable('learning_applied')
    .addColumn('outcome_id', 'text', (c) => c.primaryKey().references('promise_outcomes.id'))
    .addColumn('seller_id', 'text', (c) => c.notNull())
    .addColumn('updates', 'jsonb', (c) => c.notNull())
    .addColumn('applied_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('rating_rules')
    .addColumn('seller_id', 'text', (c) => c.primaryKey().references('sellers.id'))
    .addColumn('rules', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();

  // One row per supplier per completed ISO week (week_start = the Monday, UTC).
  await db.schema
    .createTable('supplier_ratings')
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('supplier_id', 'text', (c) => c.notNull().references('suppliers.id'))
    .addColumn('week_start', 'text', (c) => c.notNull())
    .addColumn('outcomes', 'integer', (c) => c.notNull())
    // judged: outcomes the handover could be judged on (success-model componentKeys); the rate's base.
    .addColumn('judged', 'integer', (c) => c.notNull())
    .addColumn('on_time', 'integer', (c) => c.notNull())
    .addColumn('refused', 'integer', (c) => c.notNull())
    .addColumn('tracked', 'integer', (c) => c.notNull())
    .addColumn('handed_over', 'integer', (c) => c.notNull())
    .addColumn('compensation_minor', 'bigint', (c) => c.notNull())
    .addColumn('outcome_ids', 'jsonb', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('supplier_ratings_pk', ['supplier_id', 'week_start'])
    .execute();

  await db.schema
    .createTable('rating_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('supplier_id', 'text', (c) => c.notNull().references('suppliers.id'))
    .addColumn('week_start', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('demote','recover')`))
    .addColumn('evidence', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    // A rule acts at most once per supplier and week, however often the rating runs.
    .addUniqueConstraint('rating_events_once', ['supplier_id', 'week_start', 'action'])
    .execute();

  await db.schema
    .createTable('backup_inquiries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('supplier_id', 'text', (c) => c.notNull().references('suppliers.id'))
    .addColumn('rating_event_id', 'text', (c) => c.notNull().unique().references('rating_events.id'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open','quoted','closed')`))
    // [{ supplier_id, skus, answer?: { status, items?, handover_eta?, error?, at } }]
    .addColumn('alternatives', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();

  // A demoted supplier stays routable at a reduced weight (a multiplier on its handover probability).
  await db.schema
    .alterTable('suppliers')
    .addColumn('rating_status', 'text', (c) => c.notNull().defaultTo('active').check(sql`rating_status in ('active','demoted')`))
    .execute();
  await db.schema.alterTable('suppliers').addColumn('routing_weight', 'double precision', (c) => c.notNull().defaultTo(1)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('suppliers').dropColumn('routing_weight').execute();
  await db.schema.alterTable('suppliers').dropColumn('rating_status').execute();
  await db.schema.dropTable('backup_inquiries').execute();
  await db.schema.dropTable('rating_events').execute();
  await db.schema.dropTable('supplier_ratings').execute();
  await db.schema.dropTable('rating_rules').execute();
  await db.schema.dropTable('learning_applied').execute();
  await db.schema.dropTable('route_estimates').execute();
}
