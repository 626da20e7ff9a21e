import { createHash } from 'node:crypto';

/**
 * Merkle trees over milestone leaves. Pure.
 *
 *   node  = SHA-256(0x01 || min(a, b) || max(a, b))   sorted pair: a proof is just the sibling hashes,
 *                                                      no left/right flags (OpenZeppelin's convention)
 *   leaf  = SHA-256(0x00 || ...) (encoding.ts)         the prefixes keep a node from passing as a leaf
 *   odd   = the last node of an odd level is carried up unchanged (never paired with itself, so two
 *           different leaf lists never share a root: CVE-2012-2459)
 *   root of one leaf = the leaf
 *
 * Hashes are 64 lowercase hex characters, no 0x.
 */
const NODE_PREFIX = Buffer.from([0x01]);

export function hashPair(a: string, b: string): string {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return createHash('sha256').update(NODE_PREFIX).update(Buffer.from(lo, 'hex')).update(Buffer.from(hi, 'hex')).digest('hex');
}

/** Every level from the leaves (level 0) to the root (last level, one node). */
export function buildLevels(leaves: readonly string[]): string[][] {
  if (leaves.length === 0) throw new Error('a Merkle tree needs at least one leaf');
  const levels: string[][] = [leaves.map(normalize)];
  while (levels[levels.length - 1]!.length > 1) {
    const below = levels[levels.length - 1]!;
    const above: string[] = [];
    for (let i = 0; i < below.length; i += 2) above.push(i + 1 < below.length ? hashPair(below[i]!, below[i + 1]!) : below[i]!);
    levels.push(above);
  }
  return levels;
}

export const merkleRoot = (leaves: readonly string[]): string => buildLevels(leaves).at(-1)![0]!;

/** The sibling hashes from the leaf at `index` up to the root (a carried-up node adds no sibling). */
export function proofFromLevels(levels: readonly string[][], index: number): string[] {
  if (!Number.isInteger(index) || index < 0 || index >= levels[0]!.length) throw new Error(`leaf index ${index} out of range`);
  const path: string[] = [];
  let i = index;
  for (const level of levels.slice(0, -1)) {
    const sibling = i % 2 === 0 ? i + 1 : i - 1;
    if (sibling < level.length) path.push(level[sibling]!);
    i = Math.floor(i / 2);
  }
  return path;
}

export const merkleProof = (leaves: readonly string[], index: number): string[] => proofFromLevels(buildLevels(leaves), index);

export function rootFromProof(leaf: string, path: readonly string[]): string {
  return path.reduce((acc, sibling) => hashPair(acc, normalize(sibling)), normalize(leaf));
}

export function verifyMerkleProof(leaf: string, path: readonly string[], root: string): boolean {
  try {
    return rootFromProof(leaf, path) === normalize(root);
  } catch {
    return false;
  }
}

/** Accepts 0x-prefixed or upper-case hex; refuses anything that is not 32 bytes. */
export function normalize(hash: string): string {
  const h = hash.toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{64}$/.test(h)) throw new Error(`not a 32-byte hex hash: ${hash}`);
  return h;
}
