/**
 * `npm run bench:ledger`: the milestone ledger on a real Anvil and a real database.
 *
 *   (a) ingestion   appendMilestone in its own transaction, sequential and at BENCH_CONCURRENCY; milestones/s
 *   (b) end to end  the same ingestion with the anchoring worker running (batches of 1,000, 1 confirmation):
 *                   milestones/s from the first insert until the last batch is final
 *   (c) gas         gas used per anchor transaction and per milestone at 1,000 milestones per batch
 *   (d) proofs      building a proof (database), checking it locally (pure), and on chain (RPC round trips)
 *
 * Database: PostgreSQL at BENCH_PG_ADMIN_URL (a throwaway database) when reachable, else in-memory PGlite.
 * BENCH_QUICK=1 is a short smoke run. Results: bench/results/ledger.json (see BENCHMARKS.md).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Wallet } from 'ethers';
import { sql } from 'kysely';
import pg from 'pg';
import { ANVIL_DEV_PRIVATE_KEY, startAnvil } from '../src/chain/anvil.js';
import { connectProvider, createEthersAnchorPort } from '../src/chain/ethers-anchor.js';
import { verifyProof } from '../src/chain/verify-anchor.js';
import { connectPglite, connectPostgres, type DatabaseHandle } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createAnchorer } from '../src/ledger/anchorer.js';
import { appendMilestone, recordMilestone } from '../src/ledger/milestones.js';
import { checkProofLocally } from '../src/ledger/proof-format.js';
import { createLedgerService } from '../src/ledger/proof-service.js';
import { systemClock } from '../src/lib/clock.js';
import { loadAverage, machineFacts } from './lib/proc.js';
import { summarize } from './lib/stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const QUICK = process.env.BENCH_QUICK === '1';
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PLAN = QUICK ? { sequential: 500, concurrent: 2000, endToEnd: 3000, proofs: 20 } : { sequential: 2000, concurrent: 10_000, endToEnd: 10_000, proofs: 100 };
const BATCH_SIZE = 1000;
const silent = { info() {}, warn() {}, error() {} };

async function openDatabase(): Promise<{ handle: DatabaseHandle; kind: string; drop(): Promise<void> }> {
  const name = `pledge_bench_ledger_${randomBytes(4).toString('hex')}`;
  try {
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    const handle = await connectPostgres(url.toString(), { max: CONCURRENCY + 2 });
    const { rows } = await sql<{ server_version: string }>`show server_version`.execute(handle.db);
    return {
      handle,
      kind: `PostgreSQL ${rows[0]?.server_version ?? ''}`.trim(),
      async drop() {
        await handle.close();
        const c = new pg.Client({ connectionString: PG_ADMIN_URL });
        await c.connect();
        await c.query(`drop database if exists ${name}`);
        await c.end();
      },
    };
  } catch (err) {
    process.stderr.write(`PostgreSQL not reachable (${(err as Error).message}); using in-memory PGlite\n`);
    const handle = await connectPglite('memory://');
    return { handle, kind: 'PGlite (in memory)', drop: () => handle.close() };
  }
}

async function main() {
  const db = await openDatabase();
  const node = await startAnvil({});
  const { provider } = await connectProvider(node.url);
  try {
    await migrateToLatest(db.handle.db);
    await db.handle.db.insertInto('sellers').values({ id: 'sel_bench', name: 'Bench' }).execute();
    let n = 0;
    const one = () => {
      const i = ++n;
      return recordMilestone(db.handle.db, {
        sellerId: 'sel_bench',
        orderId: `ord_${i % 997}`,
        shipmentId: `shp_${i % 1499}`,
        type: 'in_transit',
        occurredAt: new Date(Date.UTC(2025, 0, 1) + i * 1000),
        source: 'easypost',
        sourceEventId: `evt_${i}`,
        details: { status: 'in_transit', message: 'Departed FedEx location', city: 'Memphis', state: 'TN', zip: '38118' },
      });
    };
    const ingest = async (count: number, concurrency: number) => {
      const started = performance.now();
      let left = count;
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (left-- > 0) await one();
      }));
      const s = (performance.now() - started) / 1000;
      return { count, concurrency, seconds: Math.round(s * 100) / 100, perSecond: Math.round(count / s) };
    };

    // (a) ingestion alone: the anchorer is not running.
    const sequential = await ingest(PLAN.sequential, 1);
    const concurrent = await ingest(PLAN.concurrent, CONCURRENCY);
    // The chain lock is held until commit, so one commit per milestone bounds (a); a caller with many
    // events at once (a carrier's batch webhook) pays one commit for all of them.
    const perTx = 50;
    let t0 = performance.now();
    for (let i = 0; i < PLAN.sequential / perTx; i++) {
      await db.handle.db.transaction().execute(async (trx) => {
        for (let j = 0; j < perTx; j++) {
          const k = ++n;
          await appendMilestone(trx, { sellerId: 'sel_bench', orderId: `ord_${k % 997}`, shipmentId: `shp_${k % 1499}`, type: 'in_transit', occurredAt: new Date(Date.UTC(2025, 0, 1) + k * 1000), source: 'easypost', sourceEventId: `evt_${k}`, details: { status: 'in_transit', city: 'Memphis' } });
        }
      });
    }
    const grouped = { count: PLAN.sequential, perTransaction: perTx, perSecond: Math.round(PLAN.sequential / ((performance.now() - t0) / 1000)) };
    // The floor under all of it: one single-row insert per transaction on the same database.
    await sql`create table bench_floor (id int)`.execute(db.handle.db);
    t0 = performance.now();
    for (let i = 0; i < 500; i++) await db.handle.db.transaction().execute((trx) => sql`insert into bench_floor values (${i})`.execute(trx));
    const floorPerSecond = Math.round(500 / ((performance.now() - t0) / 1000));
    process.stdout.write(`(a) ingestion: ${sequential.perSecond}/s sequential, ${concurrent.perSecond}/s at ${CONCURRENCY}, ${grouped.perSecond}/s at ${perTx} per transaction; a bare insert+commit: ${floorPerSecond}/s\n`);

    // Settle what (a) wrote, so (b) measures only its own milestones.
    const port = createEthersAnchorPort(provider, node.chainId, new Wallet(ANVIL_DEV_PRIVATE_KEY), { pollMs: 20 });
    const settleAll = async (anchorer: ReturnType<typeof createAnchorer>) => {
      for (;;) {
        await anchorer.tick({ flush: true });
        const open = await db.handle.db.selectFrom('anchor_batches').select('id').where('status', '<>', 'final').execute();
        const unbatched = await db.handle.db.selectFrom('milestones').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
        const last = await db.handle.db.selectFrom('anchor_batches').select('last_seq').orderBy('id', 'desc').limit(1).executeTakeFirst();
        if (open.length === 0 && (unbatched?.seq ?? 0) === (last?.last_seq ?? 0)) return;
      }
    };
    const warm = createAnchorer({ db: db.handle.db, chain: async () => port, clock: systemClock, log: silent, batchSize: BATCH_SIZE, batchMaxAgeMs: 1000, confirmations: 1 });
    await settleAll(warm);
    await warm.stop();
    const batchesBefore = (await db.handle.db.selectFrom('anchor_batches').select('id').execute()).length;

    // (b) end to end: ingestion with the worker anchoring in the background (the production shape).
    const anchorer = createAnchorer({ db: db.handle.db, chain: async () => port, clock: systemClock, log: silent, batchSize: BATCH_SIZE, batchMaxAgeMs: 1000, confirmations: 1 });
    const started = performance.now();
    anchorer.start(100);
    const during = await ingest(PLAN.endToEnd, CONCURRENCY);
    await anchorer.stop();
    await settleAll(anchorer);
    const endToEndS = (performance.now() - started) / 1000;
    const endToEnd = { count: PLAN.endToEnd, ingestPerSecond: during.perSecond, seconds: Math.round(endToEndS * 100) / 100, perSecond: Math.round(PLAN.endToEnd / endToEndS) };
    process.stdout.write(`(b) end to end: ${endToEnd.perSecond} milestones/s anchored and final (ingestion alongside: ${during.perSecond}/s)\n`);

    // (c) gas of the full batches (1,000 milestones each).
    const full = await db.handle.db.selectFrom('anchor_batches').select(['tx_hash', 'count']).where('count', '=', BATCH_SIZE).execute();
    const gas: number[] = [];
    for (const b of full) {
      const receipt = await provider.getTransactionReceipt(b.tx_hash!);
      gas.push(Number(receipt!.gasUsed));
    }
    const gasSummary = summarize(gas);
    const gasPerMilestone = gasSummary.mean === null ? null : Math.round((gasSummary.mean / BATCH_SIZE) * 100) / 100;
    process.stdout.write(`(c) gas: ${gasSummary.mean} per anchor (${full.length} full batches), ${gasPerMilestone} per milestone at ${BATCH_SIZE}/batch\n`);

    // (d) proofs.
    const service = createLedgerService({ db: db.handle.db, requiredConfirmations: 1, chainView: anchorer.chainView, checkAnchor: null, voucherOrder: async () => null, now: () => new Date() });
    const sample = await db.handle.db.selectFrom('milestones').select('id').orderBy(({ fn }) => fn('random', [])).limit(PLAN.proofs).execute();
    const build: number[] = [];
    const local: number[] = [];
    const onChain: number[] = [];
    let valid = 0;
    for (const { id } of sample) {
      let t0 = performance.now();
      const proof = await service.proof('sel_bench', id);
      build.push(performance.now() - t0);
      t0 = performance.now();
      for (let i = 0; i < 100; i++) checkProofLocally(proof);
      local.push(((performance.now() - t0) / 100) * 1000); // microseconds
      t0 = performance.now();
      const verdict = await verifyProof(proof, provider);
      onChain.push(performance.now() - t0);
      if (verdict.isValid) valid++;
    }
    const round3 = (s: ReturnType<typeof summarize>) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' && k !== 'n' ? Math.round(v * 1000) / 1000 : v]));
    const proofs = { sampled: sample.length, valid, buildMs: round3(summarize(build)), localCheckUs: round3(summarize(local)), fullVerifyMs: round3(summarize(onChain)) };
    process.stdout.write(`(d) proofs: build p50 ${proofs.buildMs.p50} ms, local check p50 ${proofs.localCheckUs.p50} µs, full on-chain verify p50 ${proofs.fullVerifyMs.p50} ms; ${valid}/${sample.length} valid\n`);

    const results = {
      at: new Date().toISOString(),
      quick: QUICK,
      machine: { ...machineFacts(), loadAverageAtEnd: loadAverage() },
      database: db.kind,
      chain: `Anvil ${node.chainId} (automine), in-memory`,
      batchSize: BATCH_SIZE,
      ingestion: { sequential, concurrent, grouped, bareInsertCommitPerSecond: floorPerSecond },
      endToEnd: { ...endToEnd, batches: (await db.handle.db.selectFrom('anchor_batches').select('id').execute()).length - batchesBefore },
      gas: { perAnchor: gasSummary, perMilestone: gasPerMilestone, fullBatches: full.length },
      proofs,
    };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'ledger.json'), `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write('wrote bench/results/ledger.json\n');
  } finally {
    provider.destroy();
    await node.stop();
    await db.drop();
  }
}

await main();
