import type { Kysely } from 'kysely';

// Frozen: never edit a released migration; add a new one.
// What each component promised, kept with the shipment and copied onto its outcome, so the success model
// can judge a partner against its own quote instead of against the slack the engine added on top
// (src/learning/README.md). Nullable: rows written before this migration have neither, and are judged
// the old way (handover against handover_by, the lane against deliver_by).
export async function up(db: Kysely<any>): Promise<void> {
  // The supplier's quoted handover ETA at commit (the engine's ready time is this + the warehouse's handling).
  await db.schema.alterTable('shipments').addColumn('handover_eta', 'timestamptz').execute();
  await db.schema.alterTable('promise_outcomes').addColumn('handover_eta', 'timestamptz').execute();
  // The carrier's estimate for the booked departure (shipments.estimated_delivery).
  await db.schema.alterTable('promise_outcomes').addColumn('estimated_delivery', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('promise_outcomes').dropColumn('estimated_delivery').execute();
  await db.schema.alterTable('promise_outcomes').dropColumn('handover_eta').execute();
  await db.schema.alterTable('shipments').dropColumn('handover_eta').execute();
}
