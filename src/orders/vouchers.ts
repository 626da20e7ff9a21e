import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { canonicalJson, constantTimeEqual, hmacSha256 } from '../lib/crypto.js';
import type { VoucherView } from './order-view.js';

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I: codes are read aloud to support

export function newVoucherCode(): string {
  const bytes = randomBytes(12);
  let code = '';
  for (let i = 0; i < 12; i++) code += CODE_ALPHABET[bytes[i]! % 32];
  return `PV-${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8, 12)}`;
}

type SignedFields = { code: string; order_id: string; seller_id: string; terms: string; expires_at: string };

/** HMAC-SHA256 over the canonical JSON of the voucher's fields, base64url. */
export function signVoucher(key: Buffer, fields: SignedFields): string {
  return hmacSha256(key, canonicalJson(fields)).toString('base64url');
}

export function verifyVoucher(key: Buffer, fields: SignedFields, signature: string): boolean {
  return constantTimeEqual(signVoucher(key, fields), signature);
}

export const voucherView = (row: { code: string; terms: string; expires_at: Date; signature: string }): VoucherView => ({
  code: row.code,
  terms: row.terms,
  expires_at: row.expires_at.toISOString(),
  signature: row.signature,
  verify_url: `/v1/vouchers/${row.code}`,
});

export async function lookUpVoucher(db: Kysely<Database>, key: Buffer, code: string, now: Date) {
  const row = await db.selectFrom('vouchers').selectAll().where('code', '=', code).executeTakeFirst();
  if (!row) return null;
  const fields = { code: row.code, order_id: row.order_id, seller_id: row.seller_id, terms: row.terms, expires_at: row.expires_at.toISOString() };
  const isSignatureValid = verifyVoucher(key, fields, row.signature);
  const isExpired = row.expires_at.getTime() <= now.getTime();
  return {
    ...voucherView(row),
    order_id: row.order_id,
    signature_valid: isSignatureValid,
    status: !isSignatureValid ? ('invalid' as const) : isExpired ? ('expired' as const) : ('valid' as const),
  };
}
