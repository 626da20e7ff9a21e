import { type Kysely, sql } from 'kysely';

// Frozen once released: never edit a released migration; add a new one.
// Broken promises: durable timers per shipment, the breaches they (or failure milestones, silence,
// cancellations) detect, and the compensation decided for each breach with its approval.
export async function up(db: Kysely<any>): Promise<void> {
  // One row per deadline that, if it passes unmet, is a breach. Claimed with FOR UPDATE SKIP LOCKED
  // and a lease, so any instance fires it, once, across restarts.
  await db.schema
    .createTable('promise_timers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('shipment_id', 'text', (c) => c.notNull().references('shipments.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('acceptance','handover','delivery','silence')`))
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending','fired','cancelled')`))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('fired_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // At most one pending timer of a kind per shipment (re-arming replaces it).
  await sql`create unique index promise_timers_pending_unique on promise_timers (shipment_id, kind) where status = 'pending'`.execute(db);
  await sql`create index promise_timers_due_idx on promise_timers (due_at) where status = 'pending'`.execute(db);

  await db.schema
    .createTable('breaches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('shipment_id', 'text', (c) => c.notNull().references('shipments.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('late','lost','refused','cancelled')`))
    // What detected it: a timer kind, a milestone type, or a cancellation.
    .addColumn('trigger', 'text', (c) => c.notNull())
    // Who caused it (the component to blame and, for supplier/carrier, to charge back).
    .addColumn('cause', 'text', (c) => c.notNull().check(sql`cause in ('supplier','warehouse','carrier','seller','customer','platform')`))
    .addColumn('partner_id', 'text')
    // { milestone_ids: string[], timer_id?: string, notes: string[] }: proofs come from the milestone ids.
    .addColumn('evidence', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('detected','repairing','repaired','repair_failed','compensating','awaiting_approval','compensated','rejected','closed')`),
    )
    .addColumn('detected_at', 'timestamptz', (c) => c.notNull())
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('locked_until', 'timestamptz')
    // Not compensated before this (a missed handover is only owed as late once deliver_by has passed).
    .addColumn('process_after', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .execute();
  // One breach of a kind per shipment: a second detection of the same thing is the same breach.
  await sql`create unique index breaches_shipment_kind_unique on breaches (shipment_id, kind)`.execute(db);
  await sql`create index breaches_open_idx on breaches (status, detected_at) where status in ('detected','repair_failed','compensating')`.execute(db);
  await sql`create index breaches_order_idx on breaches (seller_id, order_id)`.execute(db);

  await db.schema
    .createTable('compensations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    // Null for a compensation requested by hand (goodwill) rather than decided for a breach.
    .addColumn('breach_id', 'text', (c) => c.unique().references('breaches.id'))
    .addColumn('currency', 'text', (c) => c.notNull().check(sql`currency ~ '^[A-Z]{3}$'`))
    .addColumn('amount_minor', 'bigint', (c) => c.notNull().check(sql`amount_minor >= 0`))
    // How the amount was computed: the policy rule, days late, the order value, goodwill, cap.
    .addColumn('breakdown', 'jsonb', (c) => c.notNull())
    .addColumn('policy_version', 'integer')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending_approval','posted','rejected')`))
    // 'system' or the API key id that asked; an approver must be a different key.
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'timestamptz')
    .addColumn('reason', 'text')
    .addColumn('journal_transaction_id', 'text', (c) => c.references('journal_transactions.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    // A manual request's Idempotency-Key and the hash of its body (a replay returns the first row).
    .addColumn('idempotency_key', 'text')
    .addColumn('request_hash', 'text')
    .addCheckConstraint('compensations_four_eyes', sql`decided_by is null or decided_by <> requested_by`)
    .execute();
  await sql`create unique index compensations_idempotency_unique on compensations (seller_id, idempotency_key) where idempotency_key is not null`.execute(db);
  await sql`create index compensations_status_idx on compensations (seller_id, status, created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('compensations').execute();
  await db.schema.dropTable('breaches').execute();
  await db.schema.dropTable('promise_timers').execute();
}
