import { createHash } from 'node:crypto';
import { canonicalJson } from '../lib/crypto.js';

/**
 * The canonical encoding of a milestone (version 1), shared by the hash chain, the Merkle leaves and
 * every verifier. Pure: no I/O, no clock, no randomness.
 *
 *   canonical  = UTF-8 of canonicalJson({ v: 1, id, seller_id, order_id, shipment_id, type,
 *                occurred_at, source, source_event_id, details })
 *                (object keys sorted by UTF-16 code unit at every depth, no whitespace, strings and
 *                numbers as JSON.stringify writes them, `undefined` members dropped;
 *                occurred_at as ISO 8601 UTC with milliseconds, e.g. 2025-01-02T03:04:05.678Z)
 *   record     = salt (32 bytes) || canonical
 *   leaf       = SHA-256(0x00 || record)              what the Merkle tree commits to
 *   chain hash = SHA-256(prev_hash (32 bytes) || record)   prev_hash of the first record: 32 zero bytes
 *
 * The salt is random per milestone and revealed only in that milestone's proof, so a proof's sibling
 * hashes say nothing about other orders (a leaf cannot be brute-forced from guessable fields).
 */
export const ENCODING_VERSION = 1;
export const SALT_BYTES = 32;
export const GENESIS_HASH = '0'.repeat(64);

export type CanonicalMilestone = {
  id: string;
  seller_id: string;
  order_id: string;
  shipment_id: string;
  type: string;
  occurred_at: string;
  source: string;
  source_event_id: string;
  details: Record<string, unknown>;
};

const sha256 = (...parts: Buffer[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** JSON values only, as the database will hand them back (jsonb): drops undefined, turns Dates into strings. */
export const normalizeDetails = (details: Record<string, unknown>): Record<string, unknown> => JSON.parse(JSON.stringify(details ?? {}));

export function canonicalBytes(m: CanonicalMilestone): Buffer {
  return Buffer.from(
    canonicalJson({
      v: ENCODING_VERSION,
      id: m.id,
      seller_id: m.seller_id,
      order_id: m.order_id,
      shipment_id: m.shipment_id,
      type: m.type,
      occurred_at: m.occurred_at,
      source: m.source,
      source_event_id: m.source_event_id,
      details: m.details,
    }),
    'utf8',
  );
}

function hex32(value: string, what: string): Buffer {
  if (!/^[0-9a-f]{64}$/.test(value)) throw new Error(`${what} must be 64 lowercase hex characters`);
  return Buffer.from(value, 'hex');
}

export function leafHash(saltHex: string, canonical: Buffer): string {
  return sha256(Buffer.from([0x00]), hex32(saltHex, 'salt'), canonical).toString('hex');
}

export function chainHash(prevHashHex: string, saltHex: string, canonical: Buffer): string {
  return sha256(hex32(prevHashHex, 'prev_hash'), hex32(saltHex, 'salt'), canonical).toString('hex');
}
