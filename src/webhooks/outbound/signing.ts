import { createHmac } from 'node:crypto';

/** Standard Webhooks symmetric secrets: `whsec_` + base64 of 24..64 random bytes. */
export const SECRET_PREFIX = 'whsec_';
export const SECRET_BYTES = 32;

/** Serialises random key bytes the way Standard Webhooks libraries expect them (the bytes are passed in: no randomness here). */
export function encodeSecret(keyBytes: Buffer): string {
  if (keyBytes.length < 24 || keyBytes.length > 64) throw new Error('a webhook secret must be 24 to 64 bytes');
  return `${SECRET_PREFIX}${keyBytes.toString('base64')}`;
}

export function decodeSecret(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('not a whsec_ secret');
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

/** `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`: the signed content covers the id and time, not just the body. */
export function sign(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', decodeSecret(secret)).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The `webhook-signature` header: one signature per live secret, space-delimited, newest first (rotation overlap). */
export function signatureHeader(secrets: readonly string[], messageId: string, timestampSeconds: number, body: string): string {
  return secrets.map((s) => sign(s, messageId, timestampSeconds, body)).join(' ');
}

/** Every header of one delivery attempt. `webhook-id` is the event id, identical on every retry. */
export function deliveryHeaders(secrets: readonly string[], eventId: string, at: Date, body: string): Record<string, string> {
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': 'Pledge-Webhooks/1',
    'webhook-id': eventId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(secrets, eventId, timestamp, body),
  };
}
