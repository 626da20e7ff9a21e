import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A random identifier with a readable type prefix, e.g. `ord_3kq9...`. 128 bits of entropy by default. */
export function newId(prefix: string, bytes = 16): string {
  const raw = randomBytes(bytes);
  let out = '';
  for (const b of raw) out += ALPHABET[b % 36];
  // 36 does not divide 256; the tiny bias is irrelevant for identifiers but we add length to compensate.
  return `${prefix}_${out}${ALPHABET[raw[0]! % 36]}`;
}

/** A time-sortable identifier: 10 hex chars of milliseconds then randomness, so cursors order by creation. */
export function newSortableId(prefix: string, nowMs: number): string {
  const time = Math.floor(nowMs).toString(16).padStart(12, '0');
  return `${prefix}_${time}${randomBytes(10).toString('hex')}`;
}
