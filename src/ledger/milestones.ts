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

/** A validated milestone whose id, salt and canonical bytes are fixed: everything but its place in the chain. */
export type PreparedMilestone = {
  readonly input: MilestoneInput;
  readonly id: string;
  readonly saltHex: string;
  /** As stored in jsonb and hashed. */
  readonly details: Record<string, unknown>;
  readonly canonical: Buffer;
  readonly leafHash: string;
};

/**
 * Validates a milestone and fixes its id, salt and canonical bytes. No I/O: callers prepare before
 * taking any lock, and may use the id (breach evidence) before the record is chained.
 * @throws LedgerError MILESTONE_INVALID on a malformed input
 */
export function prepareMilestone(input: MilestoneInput, salt?: Buffer): PreparedMilestone {
  validate(input, salt);
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
  return { input, id, saltHex, details, canonical, leafHash: leafHash(saltHex, canonical) };
}

type MilestoneKey = Pick<MilestoneInput, 'shipmentId' | 'source' | 'sourceEventId'>;

/** The idempotency key (shipment, source, source event id) as one string, for maps. */
export const milestoneKey = (k: MilestoneKey): string => JSON.stringify([k.shipmentId, k.source, k.sourceEventId]);

/** The first records of these idempotency keys, in one read, by `milestoneKey`. Needs no chain lock. */
export async function findRecorded(trx: Kysely<Database> | Transaction<Database>, keys: readonly MilestoneKey[]): Promise<Map<string, { id: string; hash: string }>> {
  if (keys.length === 0) return new Map();
  const rows = await trx
    .selectFrom('milestones')
    .select(['id', 'hash', 'shipment_id', 'source', 'source_event_id'])
    .where((eb) => eb.or(keys.map((k) => eb.and([eb('shipment_id', '=', k.shipmentId), eb('source', '=', k.source), eb('source_event_id', '=', k.sourceEventId)]))))
    .execute();
  return new Map(rows.map((r) => [milestoneKey({ shipmentId: r.shipment_id, source: r.source, sourceEventId: r.source_event_id }), { id: r.id, hash: r.hash }]));
}

/**
 * Appends prepared milestones, in order, to the chain in the caller's transaction: the chain lock, one
 * head read, one multi-row insert. The lock is held until the caller commits, so this should be the
 * caller's last statement; everything that does not extend the chain belongs before it.
 * Does not deduplicate: the caller has (see findRecorded) under a lock that orders its writers.
 * @throws database error 23505 (milestones_source_event_unique) when a key was recorded meanwhile by a
 *   writer that did not take that lock: the caller's transaction is then aborted, and its retry a duplicate
 */
export async function chainMilestones(trx: Transaction<Database>, prepared: readonly PreparedMilestone[]): Promise<{ id: string; seq: number; hash: string }[]> {
  if (prepared.length === 0) return [];
  const rows = chainRows(await lockChainHead(trx), prepared);
  await trx.insertInto('milestones').values(rows).execute();
  return rows.map((r) => ({ id: r.id, seq: r.seq, hash: r.hash }));
}

/** Takes the chain lock, then reads the head. */
async function lockChainHead(trx: Transaction<Database>) {
  await sql`select pg_advisory_xact_lock(${MILESTONE_CHAIN_LOCK}::bigint)`.execute(trx);
  // A statement of its own, after the lock: under READ COMMITTED a statement's snapshot predates the
  // lock it waits for, so a head read in the same statement would miss the previous holder's row.
  return trx.selectFrom('milestones').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

/** The rows of prepared milestones placed after `head`, each hash chained to the one before (pure). */
function chainRows(head: { seq: number; hash: string } | undefined, prepared: readonly PreparedMilestone[]) {
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  return prepared.map((p) => {
    const hash = chainHash(prevHash, p.saltHex, p.canonical);
    const row = {
      seq: ++seq,
      id: p.id,
      seller_id: p.input.sellerId,
      order_id: p.input.orderId,
      shipment_id: p.input.shipmentId,
      type: p.input.type,
      occurred_at: p.input.occurredAt,
      source: p.input.source,
      source_event_id: p.input.sourceEventId,
      details: JSON.stringify(p.details),
      salt: p.saltHex,
      leaf_hash: p.leafHash,
      prev_hash: prevHash,
      hash,
    };
    prevHash = hash;
    return row;
  });
}

/**
 * Inserts one milestone in the caller's transaction, chained to the previous record.
 * Idempotent on (shipmentId, source, sourceEventId): a repeat returns the first record with isDuplicate,
 * also when it races the first (its insert yields, after the lock, to a record committed meanwhile).
 * Takes the chain lock last, held until the caller commits: the caller's transaction should end soon after.
 * @throws LedgerError MILESTONE_INVALID on a malformed input; database errors pass through.
 */
export async function appendMilestone(
  trx: Transaction<Database>,
  input: MilestoneInput,
  salt?: Buffer,
): Promise<{ id: string; isDuplicate: boolean; hash: string }> {
  const prepared = prepareMilestone(input, salt);
  const key = milestoneKey(input);
  const existing = (await findRecorded(trx, [input])).get(key);
  if (existing) return { ...existing, isDuplicate: true };

  const [row] = chainRows(await lockChainHead(trx), [prepared]);
  // One row only: skipping it on a conflict leaves no gap, unlike a skipped row inside a multi-row insert.
  const inserted = await trx
    .insertInto('milestones')
    .values(row!)
    .onConflict((oc) => oc.constraint('milestones_source_event_unique').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: row!.id, isDuplicate: false, hash: row!.hash };
  const first = (await findRecorded(trx, [input])).get(key)!;
  return { ...first, isDuplicate: true };
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
