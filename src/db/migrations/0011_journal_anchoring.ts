import { type Kysely, sql } from 'kysely';

// Frozen once released: never edit a released migration; add a new one.
// Journal anchoring: compensation journal transactions become leaves of Merkle batches anchored on the
// same contract by the same worker as milestones. One batch table with a `stream` column, so settling,
// replacement, reorg handling and the nonce sequence stay one piece of code.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table anchor_batches add column stream text not null default 'milestones' check (stream in ('milestones','journal'))`.execute(db);
  // Seq ranges are per stream now (a journal batch covers journal_anchor_leaves positions, not milestone seqs).
  await sql`alter table anchor_batches drop constraint anchor_batches_first_seq_key`.execute(db);
  await sql`alter table anchor_batches drop constraint anchor_batches_last_seq_key`.execute(db);
  await sql`create unique index anchor_batches_stream_first_idx on anchor_batches (stream, first_seq)`.execute(db);
  await sql`create unique index anchor_batches_stream_last_idx on anchor_batches (stream, last_seq)`.execute(db);
  await sql`
    create or replace function anchor_batches_guard() returns trigger language plpgsql as $$
    begin
      if tg_op <> 'UPDATE' then
        raise exception 'anchor batches are never removed (% refused)', tg_op using errcode = 'P0001';
      end if;
      if new.id <> old.id or new.first_seq <> old.first_seq or new.last_seq <> old.last_seq or new.stream <> old.stream
         or new.count <> old.count or new.root <> old.root or new.prev_root <> old.prev_root then
        raise exception 'an anchor batch is immutable once cut' using errcode = 'P0001';
      end if;
      return new;
    end $$`.execute(db);

  // Journal transactions are chained per seller; anchoring needs one global order. A transaction gets
  // its position when the anchorer enlists it, in the same database transaction as the batch it joins.
  await db.schema
    .createTable('journal_anchor_leaves')
    .addColumn('position', 'bigint', (c) => c.primaryKey())
    .addColumn('transaction_id', 'text', (c) => c.notNull().unique().references('journal_transactions.id'))
    .addColumn('leaf_hash', 'text', (c) => c.notNull())
    .addColumn('batch_id', 'bigint', (c) => c.notNull().references('anchor_batches.id'))
    .execute();
  await sql`
    create function journal_anchor_leaves_guard() returns trigger language plpgsql as $$
    begin
      raise exception 'journal anchor leaves are insert-only (% refused)', tg_op using errcode = 'P0001';
    end $$`.execute(db);
  await sql`create trigger journal_anchor_leaves_immutable before update or delete on journal_anchor_leaves for each row execute function journal_anchor_leaves_guard()`.execute(db);
  await sql`create trigger journal_anchor_leaves_no_truncate before truncate on journal_anchor_leaves for each statement execute function journal_anchor_leaves_guard()`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('0011 holds anchoring evidence; it is never migrated down');
}
