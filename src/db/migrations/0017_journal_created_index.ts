import { sql, type Kysely } from 'kysely';

// Frozen: never edit a released migration; add a new one.
// The anchorer looks for journal transactions not yet in a batch among the recent ones (ledger/anchorer.ts
// cutJournal); this index lets it read a time window across sellers instead of the whole journal.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index journal_transactions_created_at_idx on journal_transactions (created_at, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index journal_transactions_created_at_idx`.execute(db);
}
