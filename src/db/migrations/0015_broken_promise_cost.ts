import { type Kysely, sql } from 'kysely';

// Frozen: never edit a released migration; add a new one.
// What a broken promise costs the seller beyond the compensation it pays (a customer who does not come
// back, a bad review). The engine adds it to the late compensation when it prices a route's risk; it is
// never posted or reserved. 0 on every existing policy version keeps their decisions as they were.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('promise_policies')
    .addColumn('broken_promise_cost_minor', 'bigint', (c) => c.notNull().defaultTo(0).check(sql`broken_promise_cost_minor >= 0`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('promise_policies').dropColumn('broken_promise_cost_minor').execute();
}
