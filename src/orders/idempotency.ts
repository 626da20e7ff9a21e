import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';

/** Keys are kept at least this long (the IETF idempotency-key draft asks for 24 h). */
export const IDEMPOTENCY_RETENTION_MS = 48 * 3600_000;
/** A request that holds a key longer than this is presumed dead (its process crashed) and can be taken over. */
export const IDEMPOTENCY_LEASE_MS = 30_000;

export type IdempotencyClaim =
  | { kind: 'new' }
  /** A previous attempt died after committing the order; finish from the stored order. */
  | { kind: 'resume'; orderId: string | null }
  | { kind: 'replay'; status: number; body: unknown };

/**
 * Claims (seller, key) for one request. Same key + same body while completed replays the stored
 * response; + other body 422; while another request holds it 409.
 */
export async function claimIdempotencyKey(db: Kysely<Database>, sellerId: string, key: string, requestHash: string, now: Date): Promise<IdempotencyClaim> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await db
      .insertInto('idempotency_keys')
      .values({
        seller_id: sellerId,
        key,
        request_hash: requestHash,
        state: 'in_flight',
        locked_until: new Date(now.getTime() + IDEMPOTENCY_LEASE_MS),
        expires_at: new Date(now.getTime() + IDEMPOTENCY_RETENTION_MS),
      })
      .onConflict((oc) => oc.columns(['seller_id', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (inserted) return { kind: 'new' };

    const existing = await db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('seller_id', '=', sellerId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!existing) continue; // expired and purged between our two statements
    if (existing.expires_at.getTime() <= now.getTime()) {
      await db.deleteFrom('idempotency_keys').where('seller_id', '=', sellerId).where('key', '=', key).where('expires_at', '<=', now).execute();
      continue;
    }
    if (existing.request_hash !== requestHash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body', [
        { field: 'Idempotency-Key', message: 'already used with a different request body' },
      ]);
    }
    if (existing.state === 'completed') return { kind: 'replay', status: existing.response_status!, body: existing.response_body };
    if (existing.locked_until.getTime() > now.getTime()) {
      throw new AppError('IDEMPOTENCY_KEY_IN_FLIGHT', 'A request with this Idempotency-Key is still being processed; retry later', [
        { field: 'Idempotency-Key', message: 'in flight' },
      ]);
    }
    // The holder's lease ran out: take over, but only one taker may win.
    const taken = await db
      .updateTable('idempotency_keys')
      .set({ locked_until: new Date(now.getTime() + IDEMPOTENCY_LEASE_MS) })
      .where('seller_id', '=', sellerId)
      .where('key', '=', key)
      .where('state', '=', 'in_flight')
      .where('locked_until', '=', existing.locked_until)
      .returning('order_id')
      .executeTakeFirst();
    if (!taken) {
      throw new AppError('IDEMPOTENCY_KEY_IN_FLIGHT', 'A request with this Idempotency-Key is still being processed; retry later', [
        { field: 'Idempotency-Key', message: 'in flight' },
      ]);
    }
    return { kind: 'resume', orderId: taken.order_id };
  }
  throw new AppError('IDEMPOTENCY_KEY_IN_FLIGHT', 'Could not claim the Idempotency-Key; retry later');
}

export async function completeIdempotencyKey(db: Kysely<Database>, sellerId: string, key: string, status: number, body: unknown) {
  await db
    .updateTable('idempotency_keys')
    .set({ state: 'completed', response_status: status, response_body: JSON.stringify(body) })
    .where('seller_id', '=', sellerId)
    .where('key', '=', key)
    .execute();
}

/** A request that failed before committing anything gives its key back, so a retry can run. */
export async function releaseIdempotencyKey(db: Kysely<Database>, sellerId: string, key: string) {
  await db
    .deleteFrom('idempotency_keys')
    .where('seller_id', '=', sellerId)
    .where('key', '=', key)
    .where('state', '=', 'in_flight')
    .where('order_id', 'is', null)
    .execute();
}

export async function purgeExpiredIdempotencyKeys(db: Kysely<Database>, now: Date) {
  const r = await db.deleteFrom('idempotency_keys').where('expires_at', '<', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}
