import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ANVIL_DEV_PRIVATE_KEY, freePort, startAnvil, type AnvilNode } from '../../src/chain/anvil.js';
import { createChainConnector } from '../../src/chain/connector.js';
import { connectProvider } from '../../src/chain/ethers-anchor.js';
import { createAnchorer } from '../../src/ledger/anchorer.js';
import { systemClock } from '../../src/lib/clock.js';
import { anchoredRoots, ledgerDatabase } from './helpers.js';

// One database for the file (creating one costs seconds); each test reads only what it added.
const { db, add } = await ledgerDatabase(t);

t.test('chain RPC down: milestones keep flowing, batches queue, and catch up once, when it returns', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-outage-'));
  const stateFile = join(dir, 'anvil-state.json');
  const port = await freePort();
  let node: AnvilNode | undefined = await startAnvil({ stateFile, port });
  t.teardown(async () => {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const logs: string[] = [];
  const log = { info: (_: object, msg?: string) => logs.push(`info ${msg}`), warn: (_: object, msg?: string) => logs.push(`warn ${msg}`), error: (_: object, msg?: string) => logs.push(`error ${msg}`) };
  const connector = createChainConnector({ mode: 'rpc', url: node.url, signer: { privateKey: () => ANVIL_DEV_PRIVATE_KEY } }, log);
  t.teardown(() => connector.close());
  const anchorer = createAnchorer({
    db,
    chain: () => connector.port(),
    clock: systemClock,
    log,
    batchSize: 5,
    batchMaxAgeMs: 60_000,
    confirmations: 1,
    onChainState: (ok, err) => (ok ? connector.noteSuccess() : connector.noteFailure(err)),
  });
  t.teardown(() => anchorer.stop());

  await add(5);
  await anchorer.tick();
  await anchorer.tick();
  const first = await db.selectFrom('anchor_batches').selectAll().executeTakeFirstOrThrow();
  t.equal(first.status, 'final');

  await node.stop();
  node = undefined;
  const started = Date.now();
  await add(12);
  const reports = [await anchorer.tick(), await anchorer.tick({ flush: true }), await anchorer.tick()];
  t.ok(Date.now() - started < 15_000, 'an unreachable node fails fast');
  t.same(reports.map((r) => r.chain), ['error', 'error', 'error']);
  t.equal(reports.reduce((n, r) => n + r.cut, 0), 3, 'batches are still cut: 5 + 5 by count, 2 on flush');
  t.equal(logs.filter((l) => l.includes('RPC unavailable')).length, 1, 'the outage is logged once, not every tick');
  const queued = await db.selectFrom('anchor_batches').select(['id', 'status']).where('id', '>', first.id).execute();
  t.same(queued.map((b) => b.status), ['pending', 'pending', 'pending']);
  t.equal((await db.selectFrom('milestones').select('seq').execute()).length, 17, 'every milestone recorded');

  node = await startAnvil({ stateFile, port });
  await anchorer.tick();
  await anchorer.tick();
  t.ok(logs.some((l) => l.includes('reachable again')));
  const batches = await db.selectFrom('anchor_batches').selectAll().orderBy('id').execute();
  t.ok(batches.every((b) => b.status === 'final'), batches.map((b) => b.status).join());
  const { provider } = await connectProvider(node.url);
  t.teardown(() => provider.destroy());
  const contract = batches[0]!.contract_address!;
  t.ok(batches.every((b) => b.contract_address === contract), 'the contract survived the restart (state file)');
  t.same(await anchoredRoots(provider, contract), batches.map((b) => b.root), 'every root anchored exactly once, in order');
});

t.test('no Anvil binary: anchoring is off with a clear warning, milestones are still recorded', async (t) => {
  const warnings: string[] = [];
  const connector = createChainConnector(
    { mode: 'embedded', stateFile: join(tmpdir(), 'never-written.json'), binary: '/nonexistent/anvil' },
    { info() {}, warn: (_: object, msg?: string) => warnings.push(msg ?? '') },
  );
  const anchorer = createAnchorer({ db, chain: () => connector.port(), clock: systemClock, log: { info() {}, warn() {}, error() {} }, batchSize: 2, batchMaxAgeMs: 60_000, confirmations: 1 });
  t.teardown(() => anchorer.stop());
  await add(4);
  t.match(await anchorer.tick(), { cut: 2, chain: 'unavailable' });
  t.match(await anchorer.tick(), { chain: 'unavailable' });
  t.equal(warnings.length, 1);
  t.match(warnings[0], /no Anvil binary.*anchoring is off/);
  t.equal(connector.describe().state, 'disabled');
});
