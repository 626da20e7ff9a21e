import type { AnchorBatchRow } from '../db/database.js';
import type { ChainView } from './anchorer.js';
import type { AnchorProof } from './proof-format.js';

/**
 * The parts every proof shares, whatever its leaf: the Merkle path from the leaf to its batch root, and
 * the batch's anchor on chain (once submitted), with confirmations as the anchorer last saw the chain.
 * Milestone and journal proofs differ only in their leaf.
 */
export function batchProofParts(
  batch: AnchorBatchRow,
  leafIndex: number,
  path: string[],
  chain: { view: ChainView | undefined; requiredConfirmations: number },
): Pick<AnchorProof, 'merkle' | 'anchor' | 'status'> {
  // int8 columns may come back as strings from some drivers: numbers in the proof.
  const chainId = batch.chain_id === null ? null : Number(batch.chain_id);
  const blockNumber = batch.block_number === null ? null : Number(batch.block_number);
  const merkle = {
    hashing: 'sha256(0x01 || min(a,b) || max(a,b)), odd node carried up' as const,
    batch_id: Number(batch.id),
    leaf_index: leafIndex,
    leaf_count: batch.count,
    path,
    root: batch.root,
    prev_root: batch.prev_root,
  };
  if (batch.status === 'pending' || !batch.tx_hash || chainId === null || !batch.contract_address) return { merkle, anchor: null, status: 'batched' };
  const { view } = chain;
  const anchor = {
    status: batch.status,
    chain_id: chainId,
    contract: batch.contract_address,
    tx_hash: batch.tx_hash,
    block_number: blockNumber,
    block_hash: batch.block_hash,
    block_time: batch.block_time?.toISOString() ?? null,
    confirmations: view && view.chainId === chainId && blockNumber !== null ? Math.max(0, view.headBlock - blockNumber + 1) : null,
    required_confirmations: chain.requiredConfirmations,
  };
  return { merkle, anchor, status: batch.status === 'final' ? 'anchored' : 'anchoring' };
}
