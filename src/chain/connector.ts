import { readFileSync } from 'node:fs';
import type { JsonRpcProvider } from 'ethers';
import { Wallet } from 'ethers';
import type { AnchorPort } from '../ledger/anchor-port.js';
import { ANVIL_DEV_PRIVATE_KEY, type AnvilNode, startAnvil } from './anvil.js';
import { connectProvider, createEthersAnchorPort } from './ethers-anchor.js';

type Log = { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };

/** Where anchors go: the embedded Anvil under DATA_DIR, or a configured RPC endpoint. */
export type ChainSettings =
  | { mode: 'embedded'; stateFile: string; blockTimeS?: number; /** Tests: a binary that is not there. */ binary?: string }
  | { mode: 'rpc'; url: string; signer: { privateKey: () => string } | { keystoreJson: () => string; password: () => string } | null };

/**
 * Connects lazily (the first anchoring tick, not the process start) and reconnects after an outage.
 * `port()` and `reader()` resolve null while there is no chain to talk to; callers queue and retry.
 */
export type ChainConnector = {
  port(): Promise<AnchorPort | null>;
  reader(): Promise<{ provider: JsonRpcProvider; chainId: number } | null>;
  describe(): { mode: ChainSettings['mode']; url: string | null; state: 'idle' | 'up' | 'down' | 'disabled' };
  /** Callers report how their last chain call went, so an outage is logged once, not every tick. */
  noteFailure(err: unknown): void;
  noteSuccess(): void;
  /** The app's logger, once it exists (the connector is created before the app). */
  useLog(log: Log): void;
  close(): Promise<void>;
};

export function createChainConnector(settings: ChainSettings, initialLog?: Log): ChainConnector {
  let log: Log = initialLog ?? { info() {}, warn() {} };
  let node: AnvilNode | undefined;
  let connected: { provider: JsonRpcProvider; chainId: number; url: string } | undefined;
  let port: AnchorPort | null | undefined;
  let state: 'idle' | 'up' | 'down' | 'disabled' = 'idle';
  let connecting: Promise<typeof connected> | undefined;
  let wallet: Wallet | null | undefined;

  const markDown = (err: unknown) => {
    if (state !== 'down') log.warn({ err: (err as Error).message }, 'chain: RPC unavailable; milestones keep being recorded and batches queue until it returns');
    state = 'down';
  };

  async function connect(): Promise<typeof connected> {
    if (state === 'disabled') return undefined;
    if (connected) return connected;
    try {
      if (settings.mode === 'embedded') {
        node ??= await startAnvil({ stateFile: settings.stateFile, ...(settings.blockTimeS ? { blockTimeS: settings.blockTimeS } : {}), ...(settings.binary ? { binary: settings.binary } : {}) });
        const { provider, chainId } = await connectProvider(node.url);
        connected = { provider, chainId, url: node.url };
        log.info({ url: node.url, chainId, stateFile: settings.stateFile }, 'chain: embedded Anvil node started');
      } else {
        const { provider, chainId } = await connectProvider(settings.url);
        connected = { provider, chainId, url: settings.url };
        log.info({ url: redactUrl(settings.url), chainId }, 'chain: connected');
      }
      state = 'up';
      return connected;
    } catch (err) {
      if (settings.mode === 'embedded' && /not installed/.test((err as Error).message)) {
        state = 'disabled';
        log.warn({ err: (err as Error).message }, 'chain: no Anvil binary for this platform, anchoring is off; milestones are still recorded and their batches stay pending');
        return undefined;
      }
      markDown(err);
      return undefined;
    }
  }

  async function loadWallet(): Promise<Wallet | null> {
    if (wallet !== undefined) return wallet;
    if (settings.mode === 'embedded') wallet = new Wallet(ANVIL_DEV_PRIVATE_KEY);
    else if (!settings.signer) wallet = null;
    else if ('privateKey' in settings.signer) wallet = new Wallet(settings.signer.privateKey());
    else {
      try {
        const decrypted = await Wallet.fromEncryptedJson(settings.signer.keystoreJson(), settings.signer.password());
        wallet = new Wallet(decrypted.privateKey);
      } catch (err) {
        // Not cached: a fixed file or password is picked up on the next attempt.
        throw new Error(`could not open CHAIN_KEYSTORE_FILE: ${(err as Error).message.split('(')[0]!.trim()}`);
      }
    }
    if (!wallet) log.warn({}, 'chain: no CHAIN_PRIVATE_KEY or keystore; proofs can be checked but nothing is anchored');
    return wallet;
  }

  const ensure = async () => {
    connecting ??= connect().finally(() => (connecting = undefined));
    return connecting;
  };

  return {
    async port() {
      const c = await ensure();
      if (!c) return null;
      if (port === undefined) {
        const w = await loadWallet();
        port = w ? createEthersAnchorPort(c.provider, c.chainId, w) : null;
      }
      return port;
    },
    async reader() {
      const c = await ensure();
      return c ? { provider: c.provider, chainId: c.chainId } : null;
    },
    noteFailure: markDown,
    useLog(next) {
      log = next;
    },
    noteSuccess() {
      if (state === 'down') log.info({}, 'chain: RPC reachable again; queued batches are being anchored');
      if (state !== 'disabled') state = 'up';
    },
    describe: () => ({ mode: settings.mode, url: connected ? redactUrl(connected.url) : null, state }),
    async close() {
      connected?.provider.destroy();
      connected = undefined;
      await node?.stop();
      node = undefined;
    },
  };
}

/** RPC URLs often carry an API key in the path or query: log the origin only. */
export function redactUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '[unparseable url]';
  }
}

export const readKeystore = (path: string) => () => readFileSync(path, 'utf8');
