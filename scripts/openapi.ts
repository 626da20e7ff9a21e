// Generates openapi/openapi.json from the route schemas (`write`), or fails when the committed copy
// differs from what the code would generate (`check`, run in CI).
import { readFileSync, writeFileSync } from 'node:fs';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { carrierManifests } from '../src/carriers/registry.js';
import { systemClock } from '../src/lib/clock.js';
import { createSecretBox } from '../src/lib/crypto.js';
import { createPledgeMetrics } from '../src/lib/metrics.js';
import { buildAdapters } from '../src/runtime.js';
import { createSandbox } from '../src/sandbox/index.js';
import { createMemoryState } from '../src/state/shared-state.js';
import { createUpstream } from '../src/upstream/index.js';

const TARGET = new URL('../openapi/openapi.json', import.meta.url);

async function generate(): Promise<string> {
  // A pool that is never used: building the app must not touch any upstream.
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 1 }) }) });
  const upstream = createUpstream({ allowPrivateUrls: false });
  const app = await buildApp({
    db,
    state: createMemoryState(),
    upstream,
    adapters: buildAdapters(upstream),
    carrierDefaults: carrierManifests,
    checkPartnerUrl: async () => ({ ok: true }),
    secrets: createSecretBox('00'.repeat(32)),
    voucherKey: Buffer.alloc(32),
    clock: systemClock,
    metrics: createPledgeMetrics(),
    adminToken: undefined,
    promiseDeadlineMs: 1500,
    instructionWaitMs: 400,
    quoteCacheTtlMs: 0,
    relayIntervalMs: null,
    sandbox: createSandbox({ seed: 1 }),
  });
  await app.ready();
  const doc = JSON.stringify(app.swagger(), null, 2) + '\n';
  await app.close();
  await upstream.close();
  await db.destroy();
  return doc;
}

const mode = process.argv[2];
const doc = await generate();
if (mode === 'write') {
  writeFileSync(TARGET, doc);
  console.log('wrote openapi/openapi.json');
} else if (mode === 'check') {
  let committed = '';
  try {
    committed = readFileSync(TARGET, 'utf8');
  } catch {
    /* missing counts as different */
  }
  if (committed !== doc) {
    console.error('openapi/openapi.json is out of date: run `npm run openapi:write` and commit it.');
    process.exit(1);
  }
  console.log('openapi/openapi.json is current');
} else {
  console.error('usage: tsx scripts/openapi.ts write|check');
  process.exit(64);
}
