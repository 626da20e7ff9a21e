import { Contract, ContractFactory, FetchRequest, Interface, isCallException, JsonRpcProvider, Network, Transaction, Wallet, type Provider } from 'ethers';
import type { AnchorCall, AnchorPort, MinedTx, TxFees } from '../ledger/anchor-port.js';
import { anchorArtifact } from './anchor-artifact.js';
import { probeChainId } from './anvil.js';

export const anchorInterface = () => new Interface(anchorArtifact().abi as any);

/**
 * A provider for a node we already know answers: a static network (no chain-id polling, no "retry in
 * 1s" logging when the node goes away), no response cache (test chains change synchronously), and a
 * short request timeout (ethers' default is five minutes).
 */
export async function connectProvider(url: string, options: { timeoutMs?: number } = {}): Promise<{ provider: JsonRpcProvider; chainId: number }> {
  const chainId = await probeChainId(url, options.timeoutMs ?? 5000);
  const request = new FetchRequest(url);
  request.timeout = options.timeoutMs ?? 10_000;
  const network = Network.from(chainId);
  const provider = new JsonRpcProvider(request, network, { staticNetwork: network, cacheTimeout: -1, batchMaxCount: 1 });
  return { provider, chainId };
}

const toHex32 = (h: string) => `0x${h.toLowerCase().replace(/^0x/, '')}`;
const fromHex32 = (h: string) => h.toLowerCase().replace(/^0x/, '');

/** Parses the Anchored(root, count, prevRoot) events a contract emitted in a set of logs. */
export function anchoredEvents(iface: Interface, contract: string, logs: readonly { address: string; topics: readonly string[]; data: string }[]) {
  const out: { root: string; count: number; prevRoot: string }[] = [];
  for (const log of logs) {
    if (log.address.toLowerCase() !== contract.toLowerCase()) continue;
    const parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed?.name === 'Anchored') out.push({ root: fromHex32(parsed.args[0]), count: Number(parsed.args[1]), prevRoot: fromHex32(parsed.args[2]) });
  }
  return out;
}

/** The ledger's AnchorPort over an ethers provider and wallet. The wallet's key stays inside it. */
export function createEthersAnchorPort(provider: JsonRpcProvider, chainId: number, wallet: Wallet, options: { pollMs?: number; deployTimeoutMs?: number } = {}): AnchorPort {
  const signer = wallet.connect(provider);
  const iface = anchorInterface();
  const contractAt = (address: string) => new Contract(address, iface, signer);

  const port: AnchorPort = {
    chainId,
    sender: signer.address,
    headBlock: () => provider.getBlockNumber(),
    async hasCode(address) {
      return (await provider.getCode(address)) !== '0x';
    },
    async deployContract() {
      const { abi, bytecode } = anchorArtifact();
      const deployTx = await new ContractFactory(abi as any, bytecode, signer).getDeployTransaction();
      const response = await signer.sendTransaction(deployTx);
      const deadline = Date.now() + (options.deployTimeoutMs ?? 180_000);
      for (;;) {
        const receipt = await provider.getTransactionReceipt(response.hash);
        if (receipt) {
          if (receipt.status !== 1 || !receipt.contractAddress) throw new Error(`Anchor deployment ${response.hash} failed`);
          return { address: receipt.contractAddress, txHash: response.hash };
        }
        if (Date.now() > deadline) throw new Error(`Anchor deployment ${response.hash} not mined in time`);
        await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
      }
    },
    async estimateAnchorGas(call) {
      try {
        const gas = await contractAt(call.contract).getFunction('anchor').estimateGas(toHex32(call.root), call.count, toHex32(call.prevRoot));
        return { gas };
      } catch (err) {
        if (isCallException(err)) {
          const name = err.revert?.name ?? (err.data ? iface.parseError(err.data)?.name : undefined);
          if (name === 'AlreadyAnchored') return { alreadyAnchored: true };
        }
        throw err;
      }
    },
    async fees(): Promise<TxFees> {
      const data = await provider.getFeeData();
      if (data.maxFeePerGas !== null && data.maxPriorityFeePerGas !== null) return { maxFeePerGas: data.maxFeePerGas, maxPriorityFeePerGas: data.maxPriorityFeePerGas };
      if (data.gasPrice !== null) return { gasPrice: data.gasPrice };
      throw new Error('the node reports no fee data');
    },
    nonce: (blockTag) => provider.getTransactionCount(signer.address, blockTag),
    async signAnchor(call, tx) {
      const data = iface.encodeFunctionData('anchor', [toHex32(call.root), call.count, toHex32(call.prevRoot)]);
      const raw = await signer.signTransaction({
        to: call.contract,
        data,
        chainId,
        nonce: tx.nonce,
        gasLimit: tx.gasLimit,
        ...('gasPrice' in tx.fees ? { type: 0, gasPrice: tx.fees.gasPrice } : { type: 2, ...tx.fees }),
      });
      return { raw, hash: Transaction.from(raw).hash! };
    },
    async broadcast(raw) {
      try {
        await provider.broadcastTransaction(raw);
      } catch (err) {
        if (/already known|already imported|known transaction/i.test(String((err as Error).message))) return;
        throw err;
      }
    },
    async minedTx(hash, contract): Promise<MinedTx | null> {
      const receipt = await provider.getTransactionReceipt(hash);
      if (!receipt || receipt.blockNumber === null) return null;
      const events = anchoredEvents(iface, contract, receipt.logs);
      return { txHash: hash, status: receipt.status === 1 ? 1 : 0, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash, anchoredRoot: events[0]?.root ?? null };
    },
    async isKnown(hash) {
      return (await provider.getTransaction(hash)) !== null;
    },
    async blockTime(blockNumber) {
      const block = await provider.getBlock(blockNumber);
      if (!block) throw new Error(`block ${blockNumber} not found`);
      return new Date(block.timestamp * 1000);
    },
    async findAnchored(contract, root) {
      const at = Number(await new Contract(contract, iface, provider).getFunction('anchoredAt').staticCall(toHex32(root)));
      if (at === 0) return null;
      const logs = await provider.getLogs({ address: contract, topics: [iface.getEvent('Anchored')!.topicHash, toHex32(root)], fromBlock: at, toBlock: at });
      const log = logs[0];
      return log ? { txHash: log.transactionHash, blockNumber: log.blockNumber, blockHash: log.blockHash } : null;
    },
  };
  return port;
}

export type ReadOnlyChain = { provider: Provider; chainId: number };
