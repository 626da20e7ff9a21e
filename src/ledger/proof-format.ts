import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../lib/crypto.js';
import { canonicalBytes, leafHash } from './encoding.js';
import { normalize, rootFromProof } from './merkle.js';

const Hex32 = z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'must be a 32-byte hex hash');

const MerklePath = z
  .object({
    hashing: z.literal('sha256(0x01 || min(a,b) || max(a,b)), odd node carried up'),
    batch_id: z.number().int(),
    leaf_index: z.number().int(),
    leaf_count: z.number().int(),
    path: z.array(Hex32),
    root: Hex32,
    prev_root: Hex32,
  })
  .nullable();

const AnchorRecord = z
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
  .nullable();

/** recorded: in the log, not yet in a batch; batched: in a batch not yet on chain; anchoring: sent, not final; anchored: final. */
const ProofStatus = z.enum(['recorded', 'batched', 'anchoring', 'anchored']);

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
  merkle: MerklePath,
  anchor: AnchorRecord,
  status: ProofStatus,
});
export type MilestoneProof = z.infer<typeof MilestoneProof>;

/**
 * A compensation journal transaction's proof, same shape: the leaf is the transaction's chain hash,
 * sha256 over the UTF-8 text `prev_hash` (64 hex) followed by the canonical JSON of the transaction
 * and its postings (src/compensation/journal.ts). Its first byte is an ASCII hex digit, never the
 * 0x00/0x01 prefixes of milestone leaves and Merkle nodes, so a node cannot pass as a leaf.
 */
export const JournalProof = z.object({
  format: z.literal('pledge.journal-proof.v1'),
  transaction: z.object({
    id: z.string(),
    seller_id: z.string(),
    seq: z.number().int(),
    idempotency_key: z.string(),
    request_hash: z.string(),
    kind: z.string(),
    status: z.string(),
    order_id: z.string().nullable(),
    partner_id: z.string().nullable(),
    reverses_id: z.string().nullable(),
    memo: z.string().nullable(),
    created_at: z.string(),
    postings: z.array(z.object({ account: z.string(), currency: z.string(), amount_minor: z.number().int() })),
  }),
  leaf: z.object({
    encoding: z.literal('sha256(prev_hash || canonical_json)'),
    prev_hash: Hex32,
    canonical: z.string(),
    hash: Hex32,
  }),
  merkle: MerklePath,
  anchor: AnchorRecord,
  status: ProofStatus,
});
export type JournalProof = z.infer<typeof JournalProof>;

/** Whatever `pledge verify` accepts. */
export const AnchorProof = z.discriminatedUnion('format', [MilestoneProof, JournalProof]);
export type AnchorProof = z.infer<typeof AnchorProof>;

export type LocalCheck = { isLeafValid: boolean; isPathValid: boolean | null; problems: string[] };

function checkLeaf(proof: AnchorProof, problems: string[]): boolean {
  if (proof.format === 'pledge.journal-proof.v1') {
    const canonical = canonicalJson(proof.transaction);
    const isCanonicalMatching = canonical === proof.leaf.canonical;
    if (!isCanonicalMatching) problems.push('the transaction fields do not match the canonical JSON in the proof');
    let isLeafValid = false;
    try {
      isLeafValid = createHash('sha256').update(normalize(proof.leaf.prev_hash) + canonical, 'utf8').digest('hex') === normalize(proof.leaf.hash);
    } catch (err) {
      problems.push((err as Error).message);
    }
    if (!isLeafValid) problems.push('the leaf hash does not match sha256(prev_hash || canonical)');
    return isLeafValid && isCanonicalMatching;
  }
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
  return isLeafValid && isCanonicalMatching;
}

/** The part of verification that needs no chain: fields -> canonical bytes -> leaf -> root. Pure. */
export function checkProofLocally(proof: AnchorProof): LocalCheck {
  const problems: string[] = [];
  const isLeafValid = checkLeaf(proof, problems);
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
  return { isLeafValid, isPathValid, problems };
}
