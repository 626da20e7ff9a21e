import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signature checks for inbound platform webhooks. Pure: the raw body bytes, the headers' values, the
 * configured secrets (current first, a previous one during rotation) and, for timestamps, the time.
 * Every comparison is constant-time over fixed-length digests.
 */

/** Strict standard base64 (padded); null when the text is not base64 at all. */
function decodeBase64(text: string): Buffer | null {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  return Buffer.from(text, 'base64');
}

function anyMatches(expected: Buffer[], given: Buffer): boolean {
  let ok = false;
  // No early exit: the time taken does not depend on which secret matched.
  for (const e of expected) ok = (e.length === given.length && timingSafeEqual(e, given)) || ok;
  return ok;
}

const hmac = (key: string | Buffer, ...parts: Buffer[]) => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
};

/** Shopify (`X-Shopify-Hmac-Sha256`) and WooCommerce (`X-WC-Webhook-Signature`): base64 HMAC-SHA256 of the raw body. */
export function verifyBodyHmac(body: Buffer, header: string | undefined, secrets: readonly string[]): boolean {
  const given = header ? decodeBase64(header.trim()) : null;
  if (!given || given.length !== 32 || secrets.length === 0) return false;
  return anyMatches(
    secrets.map((s) => hmac(s, body)),
    given,
  );
}

export const signBodyHmac = (body: Buffer | string, secret: string) => hmac(secret, Buffer.from(body)).toString('base64');

/**
 * WooCommerce signs with `wp_specialchars_decode(secret, ENT_QUOTES)`: a secret copied from the REST
 * API (stored with `&amp;`) and one copied from the admin screen (decoded) must both work.
 */
export function wooSigningSecret(secret: string): string {
  return secret.replace(/&(amp|lt|gt|quot|#0?39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"' })[e] ?? "'");
}

/** A Standard Webhooks symmetric secret: `whsec_` + base64 of 24 to 64 random bytes; null when not one. */
export function standardSecretKey(secret: string): Buffer | null {
  const key = decodeBase64(secret.startsWith('whsec_') ? secret.slice(6) : secret);
  return key && key.length >= 24 && key.length <= 64 ? key : null;
}

export const STANDARD_TOLERANCE_SECONDS = 300;

export type StandardVerdict = { ok: true } | { ok: false; failure: 'missing_signature' | 'bad_signature' | 'stale_timestamp'; detail: string };

/**
 * Standard Webhooks v1: `webhook-signature` holds space-separated `v1,<base64>` signatures of
 * `{webhook-id}.{webhook-timestamp}.{body}`; one valid one suffices (the sender may sign with several
 * keys while rotating). `webhook-timestamp` must be within the tolerance of now, either way.
 */
export function verifyStandardWebhook(input: {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  body: Buffer;
  secrets: readonly string[];
  nowSeconds: number;
  toleranceSeconds?: number;
}): StandardVerdict {
  const { id, timestamp, signature } = input;
  if (!id || !timestamp || !signature) {
    return { ok: false, failure: 'missing_signature', detail: 'webhook-id, webhook-timestamp and webhook-signature are all required' };
  }
  // The id and timestamp are part of the signed text: a '.' in either would make it ambiguous.
  if (!/^[^.\s]{1,256}$/.test(id)) return { ok: false, failure: 'bad_signature', detail: 'webhook-id is not a valid message id' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, failure: 'bad_signature', detail: 'webhook-timestamp must be integer seconds since the epoch' };
  const skew = input.nowSeconds - Number(timestamp);
  const tolerance = input.toleranceSeconds ?? STANDARD_TOLERANCE_SECONDS;
  if (skew > tolerance) return { ok: false, failure: 'stale_timestamp', detail: `webhook-timestamp is ${skew} s old (tolerance ${tolerance} s)` };
  if (skew < -tolerance) return { ok: false, failure: 'stale_timestamp', detail: `webhook-timestamp is ${-skew} s in the future (tolerance ${tolerance} s)` };

  const keys = input.secrets.map(standardSecretKey).filter((k): k is Buffer => k !== null);
  const prefix = Buffer.from(`${id}.${timestamp}.`, 'utf8');
  const expected = keys.map((k) => hmac(k, prefix, input.body));
  let ok = false;
  for (const part of signature.split(' ')) {
    const comma = part.indexOf(',');
    if (comma < 0 || part.slice(0, comma) !== 'v1') continue; // v1a (asymmetric) and unknown versions are skipped
    const given = decodeBase64(part.slice(comma + 1));
    if (given && given.length === 32) ok = anyMatches(expected, given) || ok;
  }
  return ok ? { ok: true } : { ok: false, failure: 'bad_signature', detail: 'no webhook-signature matches this endpoint secret' };
}

export function signStandardWebhook(secret: string, id: string, timestampSeconds: number, body: Buffer | string): string {
  const key = standardSecretKey(secret);
  if (!key) throw new Error('not a whsec_ secret');
  return `v1,${hmac(key, Buffer.from(`${id}.${timestampSeconds}.`, 'utf8'), Buffer.from(body)).toString('base64')}`;
}
