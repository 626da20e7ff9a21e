import { z } from 'zod';
import { canonicalBytes, leafHash } from './encoding.js';
import { normalize, rootFromProof } from './merkle.js';

const Hex32 = z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'must be a 32-byte hex hash');

/**
 * A milestone proof: everything needed to check one milestone against the chain with nothing but
 * an RPC URL. It names only this milestone; the Merkle path is sibling hashes of salted leaves.
 */
export const MilestoneProof = z.object({
  format: z.literal('pledge.milestone-proof.v1'),
  milestone: z.object({
    id: z.string(),
    seller_id: z.string(),
    order_id: z.string(),
    shipment_id: z.string(),
    type: z.string(),
    occurred_at: z.string(),
    source: z.string(),
    source_event_id: z.string(),
    details: z.record(z.string(), z.unknown()),
  }),
  leaf: z.object({
    encoding: z.literal('sha256(0x00 || salt || canonical_json)'),
    salt: Hex32,
    /** The exact bytes hashed, UTF-8: the milestone above in canonical JSON (keys sorted, no spaces, v: 1). */
    canonical: z.string(),
    hash: Hex32,
  }),
  merkle: z
    .object({
      hashing: z.literal('sha256(0x01 || min(a,b) || max(a,b)), odd node carried up'),
      batch_id: z.number().int(),
      leaf_index: z.number().int(),
      leaf_count: z.number().int(),
      path: z.array(Hex32),
      root: Hex32,
      prev_root: Hex32,
    })
    .nullable(),
  anchor: z
    .object({
      status: z.enum(['submitted', 'final']),
      chain_id: z.number().int(),
      contract: z.string(),
      tx_hash: z.string(),
      block_number: z.number().int().nullable(),
      block_hash: z.string().nullable(),
      block_time: z.string().nullable(),
      confirmations: z.number().int().nullable(),
      required_confirmations: z.number().int(),
    })
    .nullable(),
  /** recorded: in the log, not yet in a batch; batched: in a batch not yet on chain; anchoring: sent, not final; anchored: final. */
  status: z.enum(['recorded', 'batched', 'anchoring', 'anchored']),
});
export type MilestoneProof = z.infer<typeof MilestoneProof>;

export type LocalCheck = { isLeafValid: boolean; isPathValid: boolean | null; problems: string[] };

/** The part of verification that needs no chain: fields -> canonical bytes -> leaf -> root. Pure. */
export function checkProofLocally(proof: MilestoneProof): LocalCheck {
  const problems: string[] = [];
  const canonical = canonicalBytes(proof.milestone);
  const isCanonicalMatching = canonical.toString('utf8') === proof.leaf.canonical;
  if (!isCanonicalMatching) problems.push('the milestone fields do not match the canonical bytes in the proof');
  let isLeafValid = false;
  try {
    isLeafValid = leafHash(normalize(proof.leaf.salt), canonical) === normalize(proof.leaf.hash);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (!isLeafValid) problems.push('the leaf hash does not match sha256(0x00 || salt || canonical)');
  let isPathValid: boolean | null = null;
  if (proof.merkle) {
    try {
      isPathValid = rootFromProof(proof.leaf.hash, proof.merkle.path) === normalize(proof.merkle.root);
    } catch (err) {
      isPathValid = false;
      problems.push((err as Error).message);
    }
    if (!isPathValid) problems.push('the Merkle path does not lead to the root');
  }
  return { isLeafValid: isLeafValid && isCanonicalMatching, isPathValid, problems };
}
