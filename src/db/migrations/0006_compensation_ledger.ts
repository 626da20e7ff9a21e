import { type Kysely, sql } from 'kysely';

// Frozen: never edit a released migration; add a new one.
// The compensation journal: double-entry, append-only, enforced here rather than trusted to the code.
// Triggers refuse UPDATE, DELETE and TRUNCATE on accounts, transactions and postings; a deferred
// constraint trigger checks at COMMIT that every journal transaction has postings summing to zero
// per currency. Amounts are signed integer minor units: debit positive, credit negative.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ledger_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    // compensation_payable, compensation_expense, promise_exposure, exposure_offset, chargebacks_receivable:<partner_id>
    .addColumn('code', 'text', (c) => c.notNull().check(sql`code ~ '^[a-z_]+(:[A-Za-z0-9_.-]{1,100})?$'`))
    .addColumn('currency', 'text', (c) => c.notNull().check(sql`currency ~ '^[A-Z]{3}$'`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('ledger_accounts_code_unique', ['seller_id', 'code', 'currency'])
    // Target of the postings' (account_id, currency) foreign key: a posting's currency is its account's.
    .addUniqueConstraint('ledger_accounts_id_currency_unique', ['id', 'currency'])
    .execute();

  await db.schema
    .createTable('journal_transactions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    // Per-seller, gapless, assigned under an advisory lock: the order of the seller's hash chain.
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull().check(sql`request_hash ~ '^[0-9a-f]{64}$'`))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('exposure_reserved','exposure_released','compensation_posted','chargeback','reversal')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending','posted','voided')`))
    .addColumn('order_id', 'text')
    .addColumn('partner_id', 'text')
    .addColumn('reverses_id', 'text', (c) => c.references('journal_transactions.id'))
    .addColumn('memo', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addUniqueConstraint('journal_transactions_idempotency_unique', ['seller_id', 'idempotency_key'])
    .addUniqueConstraint('journal_transactions_seq_unique', ['seller_id', 'seq'])
    .addCheckConstraint('journal_transactions_reversal_link', sql`(kind = 'reversal') = (reverses_id is not null)`)
    .execute();
  // A transaction is reversed at most once.
  await sql`create unique index journal_transactions_reverses_unique on journal_transactions (reverses_id) where reverses_id is not null`.execute(db);
  await sql`create index journal_transactions_order_idx on journal_transactions (seller_id, order_id) where order_id is not null`.execute(db);
  await sql`create index journal_transactions_created_idx on journal_transactions (seller_id, created_at)`.execute(db);

  await db.schema
    .createTable('journal_postings')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('transaction_id', 'text', (c) => c.notNull().references('journal_transactions.id'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull().check(sql`amount_minor <> 0`))
    .addForeignKeyConstraint('journal_postings_account_fk', ['account_id', 'currency'], 'ledger_accounts', ['id', 'currency'])
    .execute();
  await db.schema.createIndex('journal_postings_transaction_idx').on('journal_postings').column('transaction_id').execute();
  await db.schema.createIndex('journal_postings_account_idx').on('journal_postings').column('account_id').execute();

  await sql`
    create function journal_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'the compensation journal is append-only (% on % refused); post a reversal instead', tg_op, tg_table_name using errcode = 'P0001';
    end $$`.execute(db);
  for (const table of ['ledger_accounts', 'journal_transactions', 'journal_postings']) {
    await sql`create trigger ${sql.raw(`${table}_no_update_delete`)} before update or delete on ${sql.table(table)} for each row execute function journal_refuse_change()`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)} for each statement execute function journal_refuse_change()`.execute(db);
  }

  // Checked at COMMIT (deferred), once the whole transaction's postings are in.
  await sql`
    create function journal_check_balanced(tx_id text) returns void language plpgsql as $$
    declare
      n integer;
      bad text;
    begin
      select count(*) into n from journal_postings where transaction_id = tx_id;
      if n < 2 then
        raise exception 'journal transaction % has % posting(s); at least two are required', tx_id, n using errcode = '23514';
      end if;
      select currency into bad from journal_postings where transaction_id = tx_id group by currency having sum(amount_minor) <> 0 limit 1;
      if bad is not null then
        raise exception 'LEDGER_UNBALANCED: journal transaction % does not sum to zero in %', tx_id, bad using errcode = '23514';
      end if;
    end $$`.execute(db);
  await sql`
    create function journal_transactions_balanced() returns trigger language plpgsql as $$
    begin
      perform journal_check_balanced(new.id);
      return null;
    end $$`.execute(db);
  await sql`
    create function journal_postings_balanced() returns trigger language plpgsql as $$
    begin
      perform journal_check_balanced(new.transaction_id);
      return null;
    end $$`.execute(db);
  await sql`create constraint trigger journal_transactions_balanced after insert on journal_transactions deferrable initially deferred for each row execute function journal_transactions_balanced()`.execute(db);
  await sql`create constraint trigger journal_postings_balanced after insert on journal_postings deferrable initially deferred for each row execute function journal_postings_balanced()`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('0006 holds the compensation journal; it is never migrated down');
}
