import type { MilestoneType } from '../ledger/milestones.js';
import { constantTimeEqual, hmacSha256 } from '../lib/crypto.js';
import { PledgeV1Signature, type PledgeV1SupplierEvent } from '../suppliers/pledge-v1/wire.js';

/** Supplier status callbacks (docs/partners.md, `pledge-supplier-v1`): signature and mapping. Pure. */

/** A signed callback is accepted this long either side of Pledge's clock, then refused as a possible replay. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

export type SignatureVerdict = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'mismatch' };

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, what a supplier sends and the sandbox signs. */
export function signSupplierEvent(rawBody: Buffer | string, secret: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  const mac = hmacSha256(secret, Buffer.concat([Buffer.from(`${t}.`), Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody)]));
  return `t=${t},v1=${mac.toString('hex')}`;
}

export function verifySupplierSignature(rawBody: Buffer, header: string | string[] | undefined, secret: string, now: Date): SignatureVerdict {
  if (header === undefined || header === '') return { ok: false, reason: 'missing' };
  if (typeof header !== 'string' || !PledgeV1Signature.safeParse(header.trim()).success) return { ok: false, reason: 'malformed' };
  const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header.trim())!;
  const expected = signSupplierEvent(rawBody, secret, new Date(Number(t) * 1000));
  // Check the MAC before the clock: a forged header learns nothing about our tolerance.
  if (!constantTimeEqual(`t=${t},v1=${v1}`, expected)) return { ok: false, reason: 'mismatch' };
  if (Math.abs(now.getTime() - Number(t) * 1000) > SIGNATURE_TOLERANCE_MS) return { ok: false, reason: 'expired' };
  return { ok: true };
}

const SUPPLIER_EVENT_TYPES: Record<PledgeV1SupplierEvent['type'], MilestoneType> = {
  accepted: 'supplier_accepted',
  refused: 'supplier_refused',
  handed_over: 'handed_over',
};

export type SupplierMilestone = {
  type: MilestoneType;
  occurredAt: Date;
  sourceEventId: string;
  details: Record<string, unknown>;
  /** Only on handed_over: the tracking number the supplier reports. */
  trackingNumber: string | null;
};

export function fromSupplierEvent(event: PledgeV1SupplierEvent): SupplierMilestone {
  return {
    type: SUPPLIER_EVENT_TYPES[event.type],
    occurredAt: new Date(event.occurred_at),
    sourceEventId: event.event_id,
    details: {
      supplier_event_type: event.type,
      supplier_order_ref: event.supplier_order_ref,
      tracking_number: event.tracking_number ?? null,
      reason: event.reason ?? null,
    },
    trackingNumber: event.type === 'handed_over' ? (event.tracking_number ?? null) : null,
  };
}
