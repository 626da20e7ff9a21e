/**
 * What the ledger needs from a chain, and nothing more. src/chain/ implements it with ethers; the
 * ledger never imports ethers itself. Every method may throw when the RPC is unreachable.
 */
export type TxFees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint };

export type MinedTx = { txHash: string; status: 0 | 1; blockNumber: number; blockHash: string; anchoredRoot: string | null };

export type AnchorCall = { contract: string; root: string; count: number; prevRoot: string };

export interface AnchorPort {
  readonly chainId: number;
  /** The address that signs anchors (never the key). */
  readonly sender: string;
  headBlock(): Promise<number>;
  hasCode(address: string): Promise<boolean>;
  /** Deploys the Anchor contract and waits for it to be mined. */
  deployContract(): Promise<{ address: string; txHash: string }>;
  /**
   * Gas for anchor(root, count, prevRoot), estimated by the node.
   * Resolves `alreadyAnchored` when the contract refuses because this root is already on chain.
   */
  estimateAnchorGas(call: AnchorCall): Promise<{ gas: bigint } | { alreadyAnchored: true }>;
  fees(): Promise<TxFees>;
  nonce(blockTag: 'latest' | 'pending'): Promise<number>;
  /** Signs without sending, so the transaction is recorded before it can exist anywhere else. */
  signAnchor(call: AnchorCall, tx: { nonce: number; gasLimit: bigint; fees: TxFees }): Promise<{ raw: string; hash: string }>;
  /** Sends a signed transaction; "already known" is success. */
  broadcast(raw: string): Promise<void>;
  /** The receipt if mined in the current canonical chain, else null. */
  minedTx(hash: string, contract: string): Promise<MinedTx | null>;
  /** True while the node knows the transaction (mempool or mined). */
  isKnown(hash: string): Promise<boolean>;
  blockTime(blockNumber: number): Promise<Date>;
  /** The Anchored event for root, if any, in the current canonical chain. */
  findAnchored(contract: string, root: string): Promise<{ txHash: string; blockNumber: number; blockHash: string } | null>;
}
