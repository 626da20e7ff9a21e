import { Contract, type Provider } from 'ethers';
import { type AnchorProof, checkProofLocally, type LocalCheck } from '../ledger/proof-format.js';
import { anchoredEvents, anchorInterface } from './ethers-anchor.js';

export type AnchorClaim = { chainId: number; contract: string; txHash: string; root: string };
export type AnchorCheck = {
  isAnchored: boolean;
  blockNumber: number | null;
  blockHash: string | null;
  blockTime: string | null;
  confirmations: number | null;
  problems: string[];
};

/**
 * Checks on chain that `txHash` is mined in the canonical chain, succeeded, and emitted
 * Anchored(root) from `contract`, and that the contract's own record agrees. Read-only.
 */
export async function checkAnchorOnChain(provider: Provider, claim: AnchorClaim): Promise<AnchorCheck> {
  const out: AnchorCheck = { isAnchored: false, blockNumber: null, blockHash: null, blockTime: null, confirmations: null, problems: [] };
  const root = claim.root.toLowerCase().replace(/^0x/, '');
  const chainId = Number((await provider.getNetwork()).chainId);
  if (chainId !== claim.chainId) {
    out.problems.push(`the RPC serves chain ${chainId}, the proof names chain ${claim.chainId}`);
    return out;
  }
  const receipt = await provider.getTransactionReceipt(claim.txHash);
  if (!receipt) {
    out.problems.push(`transaction ${claim.txHash} is not in the chain (not mined yet, or dropped by a reorg)`);
    return out;
  }
  out.blockNumber = receipt.blockNumber;
  out.blockHash = receipt.blockHash;
  if (receipt.status !== 1) out.problems.push('the transaction reverted');
  if ((receipt.to ?? '').toLowerCase() !== claim.contract.toLowerCase()) out.problems.push(`the transaction went to ${receipt.to}, not the contract ${claim.contract}`);
  const iface = anchorInterface();
  if (!anchoredEvents(iface, claim.contract, receipt.logs).some((e) => e.root === root)) out.problems.push('the transaction did not emit Anchored(root) from the contract');
  const anchoredAt = Number(await new Contract(claim.contract, iface, provider).getFunction('anchoredAt').staticCall(`0x${root}`));
  if (anchoredAt !== receipt.blockNumber) out.problems.push(`the contract records the root at block ${anchoredAt}, the receipt at block ${receipt.blockNumber}`);
  const block = await provider.getBlock(receipt.blockNumber);
  if (!block || block.hash !== receipt.blockHash) out.problems.push('the receipt block is not the canonical block at that height');
  if (block) out.blockTime = new Date(block.timestamp * 1000).toISOString();
  out.confirmations = (await provider.getBlockNumber()) - receipt.blockNumber + 1;
  out.isAnchored = out.problems.length === 0;
  return out;
}

export type ProofVerdict = { isValid: boolean; local: LocalCheck; chain: AnchorCheck | null; problems: string[] };

/** A proof is valid when its leaf and path lead to the root and that root is anchored where it says. */
export async function verifyProof(proof: AnchorProof, provider: Provider | null): Promise<ProofVerdict> {
  const local = checkProofLocally(proof);
  const problems = [...local.problems];
  let chain: AnchorCheck | null = null;
  if (!proof.merkle) problems.push(`the ${proof.format === 'pledge.journal-proof.v1' ? 'transaction' : 'milestone'} is not in a Merkle batch yet`);
  else if (!proof.anchor) problems.push('the batch is not anchored yet');
  else if (!provider) problems.push('no chain to check against');
  else {
    chain = await checkAnchorOnChain(provider, { chainId: proof.anchor.chain_id, contract: proof.anchor.contract, txHash: proof.anchor.tx_hash, root: proof.merkle.root });
    problems.push(...chain.problems);
  }
  return { isValid: problems.length === 0 && local.isLeafValid && local.isPathValid === true && chain?.isAnchored === true, local, chain, problems };
}
