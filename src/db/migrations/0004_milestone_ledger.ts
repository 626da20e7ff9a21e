import { type Kysely, sql } from 'kysely';

// Frozen: never edit a released migration; add a new one.
// The milestone log is insert-only: the database itself refuses UPDATE, DELETE and TRUNCATE, so a
// bug or a careless operator cannot rewrite history; only the table owner disabling the triggers can.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('milestones')
    // Gapless, assigned under an advisory lock: the order of the hash chain.
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('shipment_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) =>
      c.notNull().check(sql`type in ('instruction_sent','supplier_accepted','supplier_refused','handed_over','in_transit','out_for_delivery','delivered','exception','returned','cancelled')`),
    )
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('pledge','supplier','easypost','shippo','shipengine','poll')`))
    .addColumn('source_event_id', 'text', (c) => c.notNull())
    .addColumn('details', 'jsonb', (c) => c.notNull())
    .addColumn('salt', 'text', (c) => c.notNull().check(sql`salt ~ '^[0-9a-f]{64}$'`))
    .addColumn('leaf_hash', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    // Bookkeeping for the batch age only; not part of the evidence.
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('milestones_source_event_unique', ['shipment_id', 'source', 'source_event_id'])
    .execute();
  await db.schema.createIndex('milestones_order_idx').on('milestones').columns(['seller_id', 'order_id', 'seq']).execute();

  await sql`
    create function milestones_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'milestones are insert-only (% refused)', tg_op using errcode = 'P0001';
    end $$`.execute(db);
  await sql`create trigger milestones_no_update_delete before update or delete on milestones for each row execute function milestones_refuse_change()`.execute(db);
  await sql`create trigger milestones_no_truncate before truncate on milestones for each statement execute function milestones_refuse_change()`.execute(db);

  await db.schema
    .createTable('anchor_batches')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    // A contiguous range of milestones.seq; leaf index = seq - first_seq.
    .addColumn('first_seq', 'bigint', (c) => c.notNull().unique())
    .addColumn('last_seq', 'bigint', (c) => c.notNull().unique())
    .addColumn('count', 'integer', (c) => c.notNull().check(sql`count > 0`))
    .addColumn('root', 'text', (c) => c.notNull().unique())
    .addColumn('prev_root', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending','submitted','final')`))
    .addColumn('chain_id', 'bigint')
    .addColumn('contract_address', 'text')
    .addColumn('tx_hash', 'text')
    .addColumn('nonce', 'bigint')
    .addColumn('block_number', 'bigint')
    .addColumn('block_hash', 'text')
    .addColumn('block_time', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('submitted_at', 'timestamptz')
    .addColumn('finalized_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('anchor_batches_range', sql`last_seq - first_seq + 1 = count`)
    .execute();
  await sql`create index anchor_batches_open_idx on anchor_batches (id) where status <> 'final'`.execute(db);
  // A batch is immutable once cut: only its anchoring state may change.
  await sql`
    create function anchor_batches_guard() returns trigger language plpgsql as $$
    begin
      if tg_op <> 'UPDATE' then
        raise exception 'anchor batches are never removed (% refused)', tg_op using errcode = 'P0001';
      end if;
      if new.id <> old.id or new.first_seq <> old.first_seq or new.last_seq <> old.last_seq
         or new.count <> old.count or new.root <> old.root or new.prev_root <> old.prev_root then
        raise exception 'an anchor batch is immutable once cut' using errcode = 'P0001';
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger anchor_batches_immutable before update or delete on anchor_batches for each row execute function anchor_batches_guard()`.execute(db);
  await sql`create trigger anchor_batches_no_truncate before truncate on anchor_batches for each statement execute function anchor_batches_guard()`.execute(db);

  // Every transaction ever signed for a batch (first send, replacements, re-anchors after a reorg):
  // whichever of them is mined anchors the batch, and they share a nonce so at most one can be.
  await db.schema
    .createTable('anchor_submissions')
    .addColumn('tx_hash', 'text', (c) => c.primaryKey())
    .addColumn('batch_id', 'bigint', (c) => c.notNull().references('anchor_batches.id'))
    .addColumn('chain_id', 'bigint', (c) => c.notNull())
    .addColumn('contract_address', 'text', (c) => c.notNull())
    .addColumn('nonce', 'bigint', (c) => c.notNull())
    .addColumn('max_fee_per_gas', 'text', (c) => c.notNull())
    .addColumn('max_priority_fee_per_gas', 'text', (c) => c.notNull())
    .addColumn('gas_limit', 'text', (c) => c.notNull())
    .addColumn('raw_tx', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('anchor_submissions_batch_idx').on('anchor_submissions').columns(['batch_id', 'created_at']).execute();

  await db.schema
    .createTable('anchor_contracts')
    .addColumn('chain_id', 'bigint', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('deploy_tx_hash', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('anchor_contracts_pk', ['chain_id', 'address'])
    .execute();

  // One anchoring worker at a time across instances (a lease, not a lock held across chain calls).
  await db.schema
    .createTable('ledger_leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('locked_until', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('0004 holds the evidence log; it is never migrated down');
}
