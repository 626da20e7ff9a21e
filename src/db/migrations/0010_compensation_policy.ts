import type { Kysely } from 'kysely';

// Frozen once released: never edit a released migration; add a new one.
// Compensation rules per promise policy version, and chargeback terms per partner. Both nullable:
// null means the defaults in src/compensation/compensation-policy.ts (older rows keep working).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('promise_policies').addColumn('compensation_rules', 'jsonb').execute();
  await db.schema.alterTable('suppliers').addColumn('chargeback_terms', 'jsonb').execute();
  await db.schema.alterTable('carrier_accounts').addColumn('chargeback_terms', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('carrier_accounts').dropColumn('chargeback_terms').execute();
  await db.schema.alterTable('suppliers').dropColumn('chargeback_terms').execute();
  await db.schema.alterTable('promise_policies').dropColumn('compensation_rules').execute();
}
