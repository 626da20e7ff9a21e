import { randomBytes } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, MilestoneRow } from '../db/database.js';
import { newId } from '../lib/ids.js';
import { canonicalBytes, chainHash, GENESIS_HASH, leafHash, normalizeDetails, SALT_BYTES, type CanonicalMilestone } from './encoding.js';
import { LedgerError } from './errors.js';

export const MILESTONE_TYPES = [
  'instruction_sent',
  'supplier_accepted',
  'supplier_refused',
  'handed_over',
  'in_transit',
  'out_for_delivery',
  'delivered',
  'exception',
  'returned',
  'cancelled',
] as const;
export type MilestoneType = (typeof MILESTONE_TYPES)[number];

export const MILESTONE_SOURCES = ['pledge', 'supplier', 'easypost', 'shippo', 'shipengine', 'poll'] as const;
export type MilestoneSource = (typeof MILESTONE_SOURCES)[number];

export type MilestoneInput = {
  sellerId: string;
  orderId: string;
  shipmentId: string;
  type: MilestoneType;
  occurredAt: Date;
  source: MilestoneSource;
  /** The partner's event id (or any stable id for Pledge's own events): the idempotency key with shipmentId and source. */
  sourceEventId: string;
  details: Record<string, unknown>;
};

export type { MilestoneRow };

/** Serializes writers of the hash chain (one transaction-level advisory lock, released at commit). */
export const MILESTONE_CHAIN_LOCK = 0x504c_4447_0001; // "PLDG" 1

export const toCanonical = (row: Pick<MilestoneRow, 'id' | 'seller_id' | 'order_id' | 'shipment_id' | 'type' | 'occurred_at' | 'source' | 'source_event_id' | 'details'>): CanonicalMilestone => ({
  id: row.id,
  seller_id: row.seller_id,
  order_id: row.order_id,
  shipment_id: row.shipment_id,
  type: row.type,
  occurred_at: row.occurred_at.toISOString(),
  source: row.source,
  source_event_id: row.source_event_id,
  details: row.details,
});

function validate(input: MilestoneInput, salt: Buffer | undefined): void {
  const problems: string[] = [];
  for (const field of ['sellerId', 'orderId', 'shipmentId', 'sourceEventId'] as const) {
    if (typeof input[field] !== 'string' || input[field].length === 0 || input[field].length > 200) problems.push(`${field} must be 1-200 characters`);
  }
  if (!(MILESTONE_TYPES as readonly string[]).includes(input.type)) problems.push(`type ${String(input.type)} is not a milestone type`);
  if (!(MILESTONE_SOURCES as readonly string[]).includes(input.source)) problems.push(`source ${String(input.source)} is not a milestone source`);
  if (!(input.occurredAt instanceof Date) || Number.isNaN(input.occurredAt.getTime())) problems.push('occurredAt must be a valid Date');
  if (input.details === null || typeof input.details !== 'object' || Array.isArray(input.details)) problems.push('details must be an object');
  if (salt !== undefined && salt.length !== SALT_BYTES) problems.push(`salt must be ${SALT_BYTES} bytes`);
  if (problems.length) throw new LedgerError('MILESTONE_INVALID', problems.join('; '));
}

/**
 * Inserts one milestone in the caller's transaction, chained to the previous record.
 * Idempotent on (shipmentId, source, sourceEventId): a repeat returns the first record with isDuplicate.
 * Takes a transaction-level advisory lock, so the caller's transaction should be short.
 * @throws LedgerError MILESTONE_INVALID on a malformed input; database errors pass through.
 */
export async function appendMilestone(
  trx: Transaction<Database>,
  input: MilestoneInput,
  salt?: Buffer,
): Promise<{ id: string; isDuplicate: boolean; hash: string }> {
  validate(input, salt);
  await sql`select pg_advisory_xact_lock(${MILESTONE_CHAIN_LOCK}::bigint)`.execute(trx);

  const existing = await trx
    .selectFrom('milestones')
    .select(['id', 'hash'])
    .where('shipment_id', '=', input.shipmentId)
    .where('source', '=', input.source)
    .where('source_event_id', '=', input.sourceEventId)
    .executeTakeFirst();
  if (existing) return { id: existing.id, isDuplicate: true, hash: existing.hash };

  const head = await trx.selectFrom('milestones').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const seq = (head?.seq ?? 0) + 1;
  const prevHash = head?.hash ?? GENESIS_HASH;
  const saltHex = (salt ?? randomBytes(SALT_BYTES)).toString('hex');
  const details = normalizeDetails(input.details);
  const id = newId('ms');
  const canonical = canonicalBytes({
    id,
    seller_id: input.sellerId,
    order_id: input.orderId,
    shipment_id: input.shipmentId,
    type: input.type,
    occurred_at: input.occurredAt.toISOString(),
    source: input.source,
    source_event_id: input.sourceEventId,
    details,
  });
  const hash = chainHash(prevHash, saltHex, canonical);
  await trx
    .insertInto('milestones')
    .values({
      seq,
      id,
      seller_id: input.sellerId,
      order_id: input.orderId,
      shipment_id: input.shipmentId,
      type: input.type,
      occurred_at: input.occurredAt,
      source: input.source,
      source_event_id: input.sourceEventId,
      details: JSON.stringify(details),
      salt: saltHex,
      leaf_hash: leafHash(saltHex, canonical),
      prev_hash: prevHash,
      hash,
    })
    .execute();
  return { id, isDuplicate: false, hash };
}

/** appendMilestone in its own short transaction, for callers that have none. */
export function recordMilestone(db: Kysely<Database>, input: MilestoneInput, salt?: Buffer) {
  return db.transaction().execute((trx) => appendMilestone(trx, input, salt));
}

/** An order's milestones in chain order (the seller's only: other sellers' orders return nothing). */
export function listMilestones(db: Kysely<Database> | Transaction<Database>, sellerId: string, orderId: string): Promise<MilestoneRow[]> {
  return db.selectFrom('milestones').selectAll().where('seller_id', '=', sellerId).where('order_id', '=', orderId).orderBy('seq').execute();
}

export function getMilestone(db: Kysely<Database>, id: string): Promise<MilestoneRow | undefined> {
  return db.selectFrom('milestones').selectAll().where('id', '=', id).executeTakeFirst();
}
