import { join } from 'node:path';
import type { LedgerDeps } from '../ledger/index.js';
import { createChainConnector, readKeystore, type ChainConnector, type ChainSettings } from './connector.js';
import { checkAnchorOnChain } from './verify-anchor.js';

export type ChainConfig = {
  dataDir: string;
  rpcUrl: string | undefined;
  privateKey: { reveal(): string } | undefined;
  keystoreFile: string | undefined;
  keystorePassword: { reveal(): string } | undefined;
  confirmations: number;
};

export function chainSettings(config: ChainConfig): ChainSettings {
  if (!config.rpcUrl) {
    // Automine makes a block per transaction; more confirmations than one need blocks of their own.
    return { mode: 'embedded', stateFile: join(config.dataDir, 'anvil-state.json'), ...(config.confirmations > 1 ? { blockTimeS: 2 } : {}) };
  }
  const signer = config.privateKey
    ? { privateKey: () => config.privateKey!.reveal() }
    : config.keystoreFile
      ? { keystoreJson: readKeystore(config.keystoreFile), password: () => config.keystorePassword?.reveal() ?? '' }
      : null;
  return { mode: 'rpc', url: config.rpcUrl, signer };
}

/** The chain as the ledger sees it (anchoring port + read-only anchor checks), over one connector. */
export function createChainAccess(connector: ChainConnector): NonNullable<LedgerDeps['chain']> & { useLog: ChainConnector['useLog'] } {
  return {
    port: () => connector.port(),
    async checkAnchor(claim) {
      const reader = await connector.reader();
      if (!reader) throw new Error('no chain reachable');
      return checkAnchorOnChain(reader.provider, claim);
    },
    noteFailure: (err) => connector.noteFailure(err),
    noteSuccess: () => connector.noteSuccess(),
    useLog: (log) => connector.useLog(log),
  };
}

export { createChainConnector };
