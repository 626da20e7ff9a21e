import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppDeps } from './app.js';
import { carrierAdapters, carrierManifests } from './carriers/registry.js';
import { chainSettings, createChainAccess, createChainConnector } from './chain/index.js';
import type { ChainSettings } from './chain/connector.js';
import type { Config } from './config.js';
import { connectPglite, connectPostgres, type DatabaseHandle } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { systemClock } from './lib/clock.js';
import { createSecretBox, hmacSha256 } from './lib/crypto.js';
import { createPledgeMetrics } from './lib/metrics.js';
import type { PartnerAdapters } from './orders/partner-adapters.js';
import { createSandbox, type Sandbox } from './sandbox/index.js';
import { createMemoryState, type SharedState } from './state/shared-state.js';
import { connectRedisState } from './state/redis-state.js';
import { supplierAdapters } from './suppliers/registry.js';
import type { Upstream } from './upstream/contract.js';
import { checkPartnerUrl, createUpstream, type UpstreamOptions } from './upstream/index.js';
import { warehouseAdapters } from './warehouses/registry.js';

export type Runtime = {
  deps: AppDeps;
  database: DatabaseHandle;
  sandbox?: Sandbox;
  sandboxUrl?: string;
  /** Secrets made up for an embedded run, to show the operator once at start. */
  generated: { adminToken?: string };
  close(): Promise<void>;
};

export type RuntimeOverrides = Partial<Pick<AppDeps, 'clock' | 'faults' | 'relayIntervalMs' | 'logger'>> & {
  database?: DatabaseHandle;
  state?: SharedState;
  upstream?: UpstreamOptions['dispatcher'] extends infer D ? { dispatcher?: D; breaker?: UpstreamOptions['breaker'] } : never;
  sandboxSeed?: number;
  /** null: the anchoring loop is not started; default: off when the relay loop is off (tests drive both). */
  anchorIntervalMs?: number | null;
  /** Anchor somewhere else than the configured chain (tests: their own Anvil). */
  chain?: ChainSettings;
};

/** Reads a secret from DATA_DIR, creating it on first start (embedded mode only). */
function fileSecret(dataDir: string, name: string, make: () => string): { value: string; isNew: boolean } {
  const path = join(dataDir, name);
  if (existsSync(path)) return { value: readFileSync(path, 'utf8').trim(), isNew: false };
  const value = make();
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return { value, isNew: true };
}

export function buildAdapters(upstream: Upstream): PartnerAdapters {
  const deps = { upstream };
  const map = <K extends string, T>(registry: Record<K, (d: typeof deps) => T>) =>
    Object.fromEntries(Object.entries(registry).map(([k, factory]) => [k, (factory as (d: typeof deps) => T)(deps)])) as Record<K, T>;
  return { suppliers: map(supplierAdapters), warehouses: map(warehouseAdapters), carriers: map(carrierAdapters) };
}

/** Creates every client the app needs from validated config: the imperative shell around buildApp. */
export async function createRuntime(config: Config, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const closers: (() => Promise<void>)[] = [];
  try {
    const database = overrides.database ?? (config.databaseUrl ? await connectPostgres(config.databaseUrl) : await connectPglite(join(dataDir, 'db')));
    if (!overrides.database) closers.push(() => database.close());
    await migrateToLatest(database.db, database.schema);

    const state = overrides.state ?? (config.redisUrl ? await connectRedisState(config.redisUrl) : createMemoryState());
    if (!overrides.state) closers.push(() => state.close());

    const secretKeyHex = config.secretKeyHex ?? fileSecret(dataDir, 'secret.key', () => randomBytes(32).toString('hex')).value;
    const generated: Runtime['generated'] = {};
    let adminToken = config.adminToken;
    if (!adminToken && !config.databaseUrl) {
      const token = fileSecret(dataDir, 'admin-token', () => `adm_${randomBytes(24).toString('base64url')}`);
      adminToken = token.value;
      generated.adminToken = token.value;
    }

    const metrics = createPledgeMetrics();
    const upstream = createUpstream({
      allowPrivateUrls: config.allowPrivatePartnerUrls,
      hedging: { isEnabled: config.isHedgingEnabled },
      ...(overrides.upstream?.dispatcher ? { dispatcher: overrides.upstream.dispatcher } : {}),
      ...(overrides.upstream?.breaker ? { breaker: overrides.upstream.breaker } : {}),
      onCall: (e) => metrics.partnerLatency.observe({ partner: e.partnerId, kind: e.kind, operation: e.operation, outcome: e.outcome }, e.latencyMs),
    });
    closers.push(() => upstream.close());

    let sandbox: Sandbox | undefined;
    let sandboxUrl: string | undefined;
    if (config.sandbox) {
      sandbox = createSandbox({ seed: overrides.sandboxSeed ?? 42, fulfillment: { msPerHour: config.sandboxMsPerHour, scope: config.sandboxCallbacks === 'all' ? 'all' : 'followed' } });
      sandboxUrl = (await sandbox.start({ host: '127.0.0.1', port: 0 })).baseUrl;
      closers.push(() => sandbox!.close());
    }

    // Lazy: the embedded Anvil starts (and the contract deploys) on the first anchoring pass, not here.
    const chain = createChainConnector(
      overrides.chain ??
        chainSettings({ dataDir, rpcUrl: config.chainRpcUrl, privateKey: config.chainPrivateKey, keystoreFile: config.chainKeystoreFile, keystorePassword: config.chainKeystorePassword, confirmations: config.chainConfirmations }),
    );
    closers.push(() => chain.close());
    const relayIntervalMs = overrides.relayIntervalMs === undefined ? config.relayIntervalMs : overrides.relayIntervalMs;

    const secrets = createSecretBox(secretKeyHex);
    const deps: AppDeps = {
      db: database.db,
      ...(database.schema ? { dbSchema: database.schema } : {}),
      state,
      upstream,
      adapters: buildAdapters(upstream),
      carrierDefaults: carrierManifests,
      checkPartnerUrl: (url) => checkPartnerUrl(url, { allowPrivate: config.allowPrivatePartnerUrls }),
      webhookDelivery: { allowPrivateUrls: config.allowPrivatePartnerUrls },
      secrets,
      voucherKey: hmacSha256(Buffer.from(secretKeyHex, 'hex'), 'pledge voucher signing v1'),
      clock: overrides.clock ?? systemClock,
      metrics,
      adminToken,
      promiseDeadlineMs: config.promiseDeadlineMs,
      instructionWaitMs: config.instructionWaitMs,
      quoteCacheTtlMs: config.quoteCacheTtlMs,
      relayIntervalMs: overrides.relayIntervalMs === undefined ? config.relayIntervalMs : overrides.relayIntervalMs,
      // Tests that drive the workers themselves (relayIntervalMs null) keep the breach loop off too.
      ...(config.breachIntervalMs !== undefined && overrides.relayIntervalMs !== null ? { breachIntervalMs: config.breachIntervalMs } : {}),
      ledger: {
        chain: createChainAccess(chain),
        anchorIntervalMs: overrides.anchorIntervalMs !== undefined ? overrides.anchorIntervalMs : relayIntervalMs === null ? null : config.anchorIntervalMs,
        batchSize: config.anchorBatchSize,
        batchMaxAgeMs: config.anchorBatchMaxAgeMs,
        confirmations: config.chainConfirmations,
        ...(config.chainContractAddress ? { contractAddress: config.chainContractAddress } : {}),
      },
      ...(sandbox ? { sandbox } : {}),
      ...(overrides.faults ? { faults: overrides.faults } : {}),
      ...(overrides.logger !== undefined ? { logger: overrides.logger } : {}),
    };
    return {
      deps,
      database,
      ...(sandbox ? { sandbox, sandboxUrl } : {}),
      generated,
      async close() {
        for (const close of closers.reverse()) await close().catch(() => {});
      },
    };
  } catch (err) {
    for (const close of closers.reverse()) await close().catch(() => {});
    throw err;
  }
}
