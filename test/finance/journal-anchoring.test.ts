import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { sql } from 'kysely';
import { verifyProofCommand } from '../../src/chain/cli-commands.js';
import { verifyProof } from '../../src/chain/verify-anchor.js';
import { createAnchorer } from '../../src/ledger/anchorer.js';
import { verifyLedger } from '../../src/ledger/ledger-verify.js';
import { checkProofLocally, type JournalProof } from '../../src/ledger/proof-format.js';
import { systemClock } from '../../src/lib/clock.js';
import { anchoredRoots, silentLog, testChain } from '../chain/helpers.js';
import { build, orderBody } from '../helper.js';

t.test('journal transactions are anchored like milestones, on the same contract by the same worker', async (t) => {
  const chain = await testChain(t);
  const ctx = await build(t);
  const { db } = ctx.deps;
  const sellerId = (await ctx.app.services.sellers.authenticate(ctx.apiKey))!.sellerId;
  const finance = (await ctx.app.services.sellers.createApiKey(sellerId, 'finance', 'finance')).key;
  const anchorer = createAnchorer({ db, chain: async () => chain.port(), clock: systemClock, log: silentLog, batchSize: 50, batchMaxAgeMs: 60_000, confirmations: 2 });
  t.teardown(() => anchorer.stop());
  const list = async () => (await ctx.request({ method: 'GET', url: '/v1/ledger/transactions', key: finance })).json().data;
  const proofOf = (id: string, key = finance) => ctx.request({ method: 'GET', url: `/v1/ledger/transactions/${id}/proof`, key });
  const batches = (stream: 'milestones' | 'journal') => db.selectFrom('anchor_batches').selectAll().where('stream', '=', stream).orderBy('id').execute();

  for (let i = 0; i < 3; i++) t.equal((await ctx.placeOrder(orderBody())).statusCode, 201);
  let txs = await list();
  t.equal(txs.length, 3);
  t.ok(txs.every((x: { anchor: unknown }) => JSON.stringify(x.anchor) === JSON.stringify({ status: 'pending', batch_id: null, tx_hash: null })), 'not batched yet: pending');
  const before = (await proofOf(txs[0].id)).json();
  t.match(before, { format: 'pledge.journal-proof.v1', status: 'recorded', merkle: null, anchor: null });
  t.same(checkProofLocally(before).problems, [], 'the leaf already checks out locally');

  t.test('one tick cuts a batch per stream and submits both; they turn final after the confirmations', async (t) => {
    const report = await anchorer.tick({ flush: true });
    t.equal(report.chain, 'ok');
    const journal = await batches('journal');
    t.equal(journal.length, 1);
    t.match(journal[0], { first_seq: 1, last_seq: 3, count: 3, prev_root: '0'.repeat(64) });
    t.ok((await batches('milestones')).length >= 1, 'milestones keep their own stream');
    t.equal(report.submitted, report.cut, 'every cut batch submitted');
    txs = await list();
    t.ok(txs.every((x: { anchor: { status: string; batch_id: number } }) => x.anchor.status === 'submitted' && x.anchor.batch_id === journal[0]!.id));
    await chain.mine(2);
    await anchorer.tick();
    txs = await list();
    t.ok(txs.every((x: { anchor: { status: string; tx_hash: string } }) => x.anchor.status === 'final' && /^0x[0-9a-f]{64}$/.test(x.anchor.tx_hash)), 'final');
    const contract = (await db.selectFrom('anchor_contracts').select('address').executeTakeFirstOrThrow()).address;
    const all = await db.selectFrom('anchor_batches').select(['root']).orderBy('id').execute();
    t.same((await anchoredRoots(chain.provider, contract)).sort(), all.map((b) => b.root).sort(), 'every root, of both streams, anchored exactly once');
  });

  t.test('the proof verifies on chain and with `pledge verify`', async (t) => {
    const res = await proofOf(txs[1].id);
    t.equal(res.statusCode, 200, res.body);
    const proof: JournalProof = res.json();
    t.match(proof, { format: 'pledge.journal-proof.v1', status: 'anchored', anchor: { status: 'final', chain_id: 31337 }, merkle: { leaf_count: 3 } });
    t.equal(proof.transaction.id, txs[1].id);
    t.same(proof.transaction.postings, txs[1].postings);
    const verdict = await verifyProof(proof, chain.provider);
    t.ok(verdict.isValid, verdict.problems.join('; '));

    const dir = mkdtempSync(join(tmpdir(), 'journal-proof-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'proof.json');
    writeFileSync(file, JSON.stringify(proof));
    let out = '';
    t.equal(await verifyProofCommand(file, chain.node.url, { write: (s) => void (out += s) }), 0, out);
    t.match(out, /VALID: this journal transaction is in a batch whose root is anchored on chain/);

    const forged = structuredClone(proof);
    forged.transaction.postings[0]!.amount_minor += 1;
    writeFileSync(file, JSON.stringify(forged));
    out = '';
    t.equal(await verifyProofCommand(file, chain.node.url, { write: (s) => void (out += s) }), 1, 'an edited amount fails');
    t.match(out, /do not match the canonical JSON/);
  });

  t.test('the next batch links to the previous journal root; milestone proofs and the ledger walk are unchanged', async (t) => {
    t.equal((await ctx.placeOrder(orderBody())).statusCode, 201);
    await anchorer.tick({ flush: true });
    const journal = await batches('journal');
    t.equal(journal.length, 2);
    t.match(journal[1], { first_seq: 4, last_seq: 4, prev_root: journal[0]!.root });
    const leaves = await db.selectFrom('journal_anchor_leaves').select(['position']).orderBy('position').execute();
    t.same(leaves.map((l) => Number(l.position)), [1, 2, 3, 4], 'gapless positions');
    await t.rejects(sql`update journal_anchor_leaves set leaf_hash = 'x'`.execute(db), /insert-only/);
    await t.rejects(sql`update anchor_batches set stream = 'milestones' where stream = 'journal'`.execute(db), /immutable/);
    const report = await verifyLedger(db);
    t.ok(report.isIntact, JSON.stringify(report.firstDivergence));
  });

  t.test('proofs are the seller\'s own', async (t) => {
    t.equal((await proofOf('jtx_unknown')).statusCode, 404);
    const other = await ctx.request({ method: 'POST', url: '/v1/sellers', key: 'test-admin-token-0123456789', payload: { name: 'Other' } });
    t.equal(other.statusCode, 201, other.body);
    t.equal((await proofOf(txs[0].id, other.json().api_key.key)).statusCode, 404);
  });
});
