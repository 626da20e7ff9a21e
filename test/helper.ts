import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { buildApp, type AppDeps } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { connectPglite, connectPostgres, type DatabaseHandle } from '../src/db/connect.js';
import { ensureDemoSeller } from '../src/demo/demo-seller.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { createMemoryState, type SharedState } from '../src/state/shared-state.js';
import { connectRedisState } from '../src/state/redis-state.js';

type TapTest = { teardown(fn: () => unknown): void };

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/**
 * A fresh database for one test file. Real PostgreSQL when DATABASE_URL is set (a throwaway schema),
 * else an in-memory PGlite restored from a cached template (1.4 s instead of a 6 s initdb).
 */
export async function freshDatabase(): Promise<{ database: DatabaseHandle; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const database = await connectPostgres(url, { schema, max: 5 });
    return {
      database,
      async drop() {
        await database.close();
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`drop schema ${schema} cascade`);
        await c.end();
      },
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const templatePath = join(tmpdir(), 'pledge-pglite-template-0.4.6.tar.gz');
  if (!existsSync(templatePath)) {
    const seed = await PGlite.create('memory://');
    const dump = await seed.dumpDataDir('gzip');
    await seed.close();
    const partial = `${templatePath}.${process.pid}.tmp`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, templatePath); // atomic: parallel test files never read half a template
  }
  const database = await connectPglite('memory://', { loadDataDir: new Blob([readFileSync(templatePath)]) });
  return { database, drop: () => database.close() };
}

export async function freshState(): Promise<SharedState> {
  const url = process.env.REDIS_URL;
  return url ? connectRedisState(url, { keyPrefix: `pledge-test:${randomBytes(6).toString('hex')}:` }) : createMemoryState();
}

export type TestContext = {
  app: FastifyInstance;
  runtime: Runtime;
  sandbox: Sandbox;
  deps: AppDeps;
  /** The demo seller's admin key (wired to the sandbox). */
  apiKey: string;
  request(opts: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse>;
  placeOrder(body: unknown, opts?: { key?: string; idempotencyKey?: string }): Promise<LightMyRequestResponse>;
};

export type BuildOptions = {
  env?: Record<string, string>;
  faults?: AppDeps['faults'];
  breaker?: { errorThresholdPercentage?: number; volumeThreshold?: number; resetTimeoutMs?: number; rollingWindowMs?: number };
  sandboxSeed?: number;
  /** Capture the app's pino logs (at trace level) into this array of lines. */
  logLines?: string[];
};

/** Builds the real app (real database, sandbox on loopback, real adapters) and talks to it with inject. */
export async function build(t: TapTest, options: BuildOptions = {}): Promise<TestContext> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pledge-test-'));
  const { database, drop } = await freshDatabase();
  const state = await freshState();
  // Registered before anything else can fail, so a broken build never leaves servers running.
  let app: FastifyInstance | undefined;
  let runtime: Runtime | undefined;
  t.teardown(async () => {
    await app?.close();
    await runtime?.close();
    await state.close();
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const config = loadConfig({
    DATA_DIR: dataDir,
    PLEDGE_SANDBOX: 'true',
    PLEDGE_ALLOW_PRIVATE_PARTNER_URLS: 'true',
    PLEDGE_ADMIN_TOKEN: ADMIN_TOKEN,
    PLEDGE_SECRET_KEY: 'ab'.repeat(32),
    PROMISE_DEADLINE_MS: '1500',
    // Generous: on a loaded machine the inline instruction must still land in the response.
    INSTRUCTION_WAIT_MS: '5000',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  runtime = await createRuntime(config, {
    database,
    state,
    relayIntervalMs: null,
    logger: options.logLines ? { level: 'trace', stream: { write: (line: string) => void options.logLines!.push(line) } } : false,
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.breaker ? { upstream: { breaker: options.breaker } } : {}),
    ...(options.sandboxSeed !== undefined ? { sandboxSeed: options.sandboxSeed } : {}),
  });
  app = await buildApp(runtime.deps);
  await app.ready();
  const demo = await ensureDemoSeller({
    db: runtime.deps.db,
    secrets: runtime.deps.secrets,
    world: runtime.sandbox!.world,
    sandboxUrl: runtime.sandboxUrl!,
    apiKey: undefined,
  });
  const built = app;
  const request: TestContext['request'] = ({ key, headers, ...rest }) =>
    built.inject({
      ...rest,
      headers: { ...(key === null ? {} : { authorization: `Bearer ${key ?? demo.apiKey}` }), ...(headers ?? {}) },
    });
  return {
    app: built,
    runtime: runtime!,
    sandbox: runtime.sandbox!,
    deps: runtime.deps,
    apiKey: demo.apiKey,
    request,
    placeOrder: (body, opts = {}) =>
      request({
        method: 'POST',
        url: '/v1/orders',
        payload: body as any,
        key: opts.key ?? demo.apiKey,
        headers: { 'idempotency-key': opts.idempotencyKey ?? `idem-${randomBytes(8).toString('hex')}` },
      }),
  };
}

/** A valid order for the sandbox demo catalog; override any part. */
export function orderBody(overrides: Record<string, unknown> = {}) {
  return {
    external_id: `ext-${randomBytes(4).toString('hex')}`,
    currency: 'USD',
    ship_to: { name: 'Ada Lovelace', line1: '1 Main St', city: 'New York', region: 'NY', postal_code: '10001', country: 'US', email: 'ada@example.com' },
    lines: [{ sku: 'MUG-001', quantity: 1, unit_price_minor: 1800 }],
    ...overrides,
  };
}
