import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { sql } from 'kysely';
import { verifyLedgerCommand, verifyProofCommand } from '../../src/chain/cli-commands.js';
import { checkAnchorOnChain } from '../../src/chain/verify-anchor.js';
import { verifyJournal } from '../../src/compensation/journal-verify.js';
import { loadConfig } from '../../src/config.js';
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

  t.test('`pledge ledger verify` walks the journal too: intact, then the first divergence after tampering as the owner', async (t) => {
    const intact = await verifyJournal(db, { checkAnchor: (claim) => checkAnchorOnChain(chain.provider, claim) });
    t.match(intact, { isIntact: true, sellersChecked: 1, transactionsChecked: 4, batchesChecked: 2 });
    t.ok(intact.anchorsChecked >= 1, 'anchored batches checked on chain');
    let out = '';
    const config = loadConfig({ DATA_DIR: tmpdir(), LOG_LEVEL: 'silent' });
    t.equal(await verifyLedgerCommand(db, config, { rpcUrl: chain.node.url }, { write: (s) => void (out += s) }), 0, out);
    t.match(out, /checked 4 journal transaction\(s\) of 1 seller\(s\), 2 journal batch\(es\)/);

    const asOwner = (statement: ReturnType<typeof sql>) =>
      db.transaction().execute(async (trx) => {
        await sql`set local session_replication_role = replica`.execute(trx); // bypasses every trigger, as an owner could
        await statement.execute(trx);
      });
    const victim = await db.selectFrom('journal_postings').select(['id', 'amount_minor', 'transaction_id']).orderBy('id').limit(1).executeTakeFirstOrThrow();
    // Both sides moved, so the transaction still balances: only the hash chain can tell.
    await asOwner(sql`update journal_postings set amount_minor = amount_minor * 2 where transaction_id = ${victim.transaction_id}`);
    const report = await verifyJournal(db);
    t.match(report, { isIntact: false, firstDivergence: { kind: 'chain_broken', seq: 1 } });
    out = '';
    t.equal(await verifyLedgerCommand(db, config, { rpcUrl: chain.node.url }, { write: (s) => void (out += s) }), 1);
    t.match(out, /JOURNAL DIVERGED \(chain_broken\)/);
    await asOwner(sql`update journal_postings set amount_minor = amount_minor / 2 where transaction_id = ${victim.transaction_id}`);
    t.equal((await verifyJournal(db)).isIntact, true, 'restored');

    // A forger who also rewrites the hash chain is caught by the anchored leaf.
    const tx = await db.selectFrom('journal_transactions').select(['id', 'hash']).where('seq', '=', 4).executeTakeFirstOrThrow();
    await asOwner(sql`update journal_transactions set hash = ${'ab'.repeat(32)} where id = ${tx.id}`);
    t.match((await verifyJournal(db)).firstDivergence, { kind: 'chain_broken' }, 'its own hash no longer matches its contents');
    await asOwner(sql`update journal_transactions set hash = ${tx.hash} where id = ${tx.id}`);
    await asOwner(sql`update journal_anchor_leaves set leaf_hash = ${'cd'.repeat(32)} where transaction_id = ${tx.id}`);
    t.match((await verifyJournal(db)).firstDivergence, { kind: 'leaf_mismatch', transactionId: tx.id });
    await asOwner(sql`update journal_anchor_leaves set leaf_hash = ${tx.hash} where transaction_id = ${tx.id}`);
    t.equal((await verifyJournal(db)).isIntact, true, 'restored');
  });

  t.test('proofs are the seller\'s own', async (t) => {
    t.equal((await proofOf('jtx_unknown')).statusCode, 404);
    const other = await ctx.request({ method: 'POST', url: '/v1/sellers', key: 'test-admin-token-0123456789', payload: { name: 'Other' } });
    t.equal(other.statusCode, 201, other.body);
    t.equal((await proofOf(txs[0].id, other.json().api_key.key)).statusCode, 404);
  });
});
