import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { sql } from 'kysely';
import { verifyLedgerCommand, verifyProofCommand } from '../../src/chain/cli-commands.js';
import { loadConfig } from '../../src/config.js';
import { verifyProof } from '../../src/chain/verify-anchor.js';
import type { AnchorPort } from '../../src/ledger/anchor-port.js';
import { createAnchorer, type AnchorEvent, type AnchorerOptions } from '../../src/ledger/anchorer.js';
import { createLedgerService } from '../../src/ledger/proof-service.js';
import { fixedClock, systemClock } from '../../src/lib/clock.js';
import { anchoredRoots, ledgerDatabase, silentLog, testChain } from './helpers.js';

t.test('anchoring on a real Anvil', async (t) => {
  const chain = await testChain(t);
  const { db, add } = await ledgerDatabase(t);
  const events: AnchorEvent[] = [];
  // One anchorer at a time holds the lease: each subtest's anchorer takes over from the previous one.
  let current: ReturnType<typeof createAnchorer> | undefined;
  const make = async (over: Partial<AnchorerOptions> = {}) => {
    await current?.stop();
    const anchorer = createAnchorer({
      db,
      chain: async () => chain.port(),
      clock: systemClock,
      log: silentLog,
      batchSize: 4,
      batchMaxAgeMs: 60_000,
      confirmations: 3,
      onEvent: (e) => events.push(e),
      ...over,
    });
    t.teardown(() => anchorer.stop());
    current = anchorer;
    return anchorer;
  };
  const proofs = (anchorer: ReturnType<typeof createAnchorer>) =>
    createLedgerService({ db, requiredConfirmations: 3, chainView: anchorer.chainView, checkAnchor: null, voucherOrder: async () => null, now: () => new Date() });
  const batches = () => db.selectFrom('anchor_batches').selectAll().orderBy('id').execute();
  const contractOf = async () => (await db.selectFrom('anchor_contracts').select('address').executeTakeFirstOrThrow()).address;

  t.test('batches cut by count are anchored, final after the confirmations, and their proofs verify', async (t) => {
    const anchorer = await make();
    const ids = await add(10);
    let report = await anchorer.tick();
    t.match(report, { cut: 2, submitted: 2, chain: 'ok' }, 'two full batches of 4; 2 milestones wait');
    report = await anchorer.tick();
    t.equal(report.finalized, 0, 'mined but one confirmation of three');
    t.ok((await batches()).every((b) => b.status === 'submitted' && b.block_number !== null));
    await chain.mine(2);
    report = await anchorer.tick();
    t.equal(report.finalized, 2);
    const [b1, b2] = await batches();
    t.match(b1, { status: 'final', count: 4, first_seq: 1, last_seq: 4, chain_id: 31337, nonce: 1 });
    t.equal(b2!.prev_root, b1!.root);
    t.ok(b1!.block_time instanceof Date);
    const contract = await contractOf();
    t.same(await anchoredRoots(chain.provider, contract), [b1!.root, b2!.root], 'each root once, in order');

    const proof = await proofs(anchorer).proof('sel_a', ids[5]!);
    t.match(proof, { status: 'anchored', merkle: { batch_id: 2, leaf_index: 1, leaf_count: 4 }, anchor: { status: 'final', chain_id: 31337, contract, tx_hash: b2!.tx_hash, block_number: b2!.block_number } });
    t.ok(proof.anchor!.confirmations! >= 3);
    const verdict = await verifyProof(proof, chain.provider);
    t.equal(verdict.isValid, true, verdict.problems.join('; '));
    t.ok(verdict.chain!.confirmations! >= 3);

    const forged = structuredClone(proof);
    forged.milestone.type = 'delivered';
    forged.leaf.canonical = forged.leaf.canonical.replace('"type":"in_transit"', '"type":"delivered"');
    const bad = await verifyProof(forged, chain.provider);
    t.equal(bad.isValid, false);
    t.match(bad.problems.join(), /leaf hash/);
    const wrongTx = structuredClone(proof);
    wrongTx.anchor!.tx_hash = b1!.tx_hash!;
    t.match((await verifyProof(wrongTx, chain.provider)).problems.join(), /did not emit Anchored\(root\)/);

    const dir = mkdtempSync(join(tmpdir(), 'pledge-proof-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'proof.json'), JSON.stringify(proof));
    writeFileSync(join(dir, 'forged.json'), JSON.stringify(forged));
    let out = '';
    const sink = { write: (s: string) => void (out += s) };
    t.equal(await verifyProofCommand(join(dir, 'proof.json'), chain.node.url, sink), 0, out);
    t.match(out, /VALID/);
    out = '';
    t.equal(await verifyProofCommand(join(dir, 'forged.json'), chain.node.url, sink), 1);
    t.match(out, /NOT VERIFIED/);
  });

  t.test('a partial batch is cut when its oldest milestone is old enough', async (t) => {
    // Seconds, not milliseconds: a loaded machine must not age a fresh milestone between two lines.
    const anchorer = await make({ batchMaxAgeMs: 3000 });
    await new Promise((r) => setTimeout(r, 3000));
    t.equal((await anchorer.tick()).cut, 1, 'the 2 left over by the last test have waited long enough');
    t.equal((await batches()).at(-1)!.count, 2);
    await add(1);
    t.equal((await anchorer.tick()).cut, 0, 'a fresh milestone waits');
    await new Promise((r) => setTimeout(r, 3100));
    t.equal((await anchorer.tick()).cut, 1);
    t.equal((await batches()).at(-1)!.count, 1);
    await chain.mine(3);
    await anchorer.tick();
    await chain.mine(3);
    await anchorer.tick();
    t.ok((await batches()).every((b) => b.status === 'final'));
  });

  t.test('a stuck transaction is replaced with the same nonce and higher fees; exactly one lands', async (t) => {
    const clock = fixedClock(new Date());
    const anchorer = await make({ clock, stuckAfterMs: 60_000, confirmations: 1 });
    await chain.rpc('evm_setAutomine', [false]);
    t.teardown(() => chain.rpc('evm_setAutomine', [true]).catch(() => {}));
    await add(4);
    t.match(await anchorer.tick({ flush: true }), { cut: 1, submitted: 1 });
    const [batch] = (await batches()).slice(-1);
    t.equal((await anchorer.tick()).finalized, 0, 'in the mempool, not mined');
    clock.advance(61_000);
    events.length = 0;
    await anchorer.tick();
    t.ok(events.includes('replaced'));
    const subs = await db.selectFrom('anchor_submissions').selectAll().where('batch_id', '=', batch!.id).orderBy('created_at').execute();
    t.equal(subs.length, 2);
    t.equal(subs[0]!.nonce, subs[1]!.nonce, 'same nonce');
    t.ok(BigInt(subs[1]!.max_fee_per_gas) > BigInt(subs[0]!.max_fee_per_gas), 'higher fee');
    await chain.rpc('evm_mine');
    t.equal((await anchorer.tick()).finalized, 1);
    const final = (await batches()).slice(-1)[0]!;
    t.equal(final.tx_hash, subs[1]!.tx_hash, 'the replacement landed');
    const roots = await anchoredRoots(chain.provider, await contractOf());
    t.equal(roots.filter((r) => r === final.root).length, 1, 'anchored once');
    t.equal(await chain.provider.getTransactionReceipt(subs[0]!.tx_hash), null, 'the original never landed');
  });

  t.test('a reorg that drops the anchor makes the batch anchored again, same root', async (t) => {
    const anchorer = await make();
    await add(4);
    const snapshot = await chain.rpc('evm_snapshot');
    await anchorer.tick();
    await anchorer.tick();
    const before = (await batches()).slice(-1)[0]!;
    t.match(before, { status: 'submitted' });
    t.not(before.block_number, null, 'mined, 1 confirmation of 3');
    t.equal(await chain.rpc('evm_revert', [snapshot]), true);
    t.equal(await chain.provider.getTransactionReceipt(before.tx_hash!), null, 'gone from the chain');
    events.length = 0;
    await anchorer.tick();
    t.ok(events.includes('reorged'), events.join());
    t.ok(events.includes('rebroadcast') || events.includes('submitted'), events.join());
    await chain.mine(3);
    await anchorer.tick();
    const after = (await batches()).slice(-1)[0]!;
    t.match(after, { status: 'final', root: before.root });
    t.not(after.block_hash, before.block_hash, 'a different block');
    const roots = await anchoredRoots(chain.provider, await contractOf());
    t.equal(roots.filter((r) => r === before.root).length, 1, 'the same root, anchored once in the canonical chain');
  });

  t.test('a root already on chain (a crash after sending) is adopted, never anchored twice', async (t) => {
    await add(4);
    // Cut without a chain, then anchor the root "behind the anchorer's back", as a crashed predecessor would have.
    const offline = await make({ chain: async () => null });
    await offline.tick({ flush: true });
    const pending = (await batches()).slice(-1)[0]!;
    const port = chain.port();
    const call = { contract: await contractOf(), root: pending.root, count: pending.count, prevRoot: pending.prev_root };
    const est = await port.estimateAnchorGas(call);
    const signed = await port.signAnchor(call, { nonce: await port.nonce('pending'), gasLimit: ('gas' in est ? est.gas : 100_000n) * 2n, fees: await port.fees() });
    await port.broadcast(signed.raw);
    const anchorer = await make();
    events.length = 0;
    await anchorer.tick();
    t.ok(events.includes('adopted'));
    await chain.mine(3);
    await anchorer.tick();
    t.match((await batches()).slice(-1)[0], { status: 'final', tx_hash: signed.hash });
    t.equal((await anchoredRoots(chain.provider, call.contract)).filter((r) => r === pending.root).length, 1);
  });

  t.test('a transaction recorded but never broadcast is sent again with the same bytes', async (t) => {
    let failNext = true;
    const flaky = async (): Promise<AnchorPort> => {
      const port = chain.port();
      return {
        ...port,
        async broadcast(raw) {
          if (failNext) {
            failNext = false;
            throw new Error('connection reset');
          }
          return port.broadcast(raw);
        },
      };
    };
    const anchorer = await make({ chain: flaky, confirmations: 1 });
    await add(4);
    events.length = 0;
    await anchorer.tick();
    const batch = (await batches()).slice(-1)[0]!;
    t.match(batch, { status: 'submitted' });
    t.equal(await chain.provider.getTransaction(batch.tx_hash!), null, 'the node never saw it');
    await anchorer.tick();
    t.ok(events.includes('rebroadcast'));
    await anchorer.tick();
    const final = (await batches()).slice(-1)[0]!;
    t.match(final, { status: 'final', tx_hash: batch.tx_hash, nonce: batch.nonce });
  });

  t.test('pledge ledger verify: intact, then the first divergence after tampering as the table owner', async (t) => {
    await (await make()).stop();
    const config = loadConfig({ DATA_DIR: tmpdir(), LOG_LEVEL: 'silent' });
    const run = async () => {
      let out = '';
      const code = await verifyLedgerCommand(db, config, { rpcUrl: chain.node.url }, { write: (s: string) => void (out += s) });
      return { code, out };
    };
    let result = await run();
    t.equal(result.code, 0, result.out);
    t.match(result.out, /INTACT/);
    t.match(result.out, /anchor\(s\) on chain\n/);

    const asOwner = (statement: ReturnType<typeof sql>) =>
      db.transaction().execute(async (trx) => {
        await sql`set local session_replication_role = replica`.execute(trx); // bypasses every trigger, as an owner could
        await statement.execute(trx);
      });
    const victim = await db.selectFrom('milestones').selectAll().where('seq', '=', 7).executeTakeFirstOrThrow();
    await asOwner(sql`update milestones set occurred_at = occurred_at + interval '1 day' where seq = 7`);
    result = await run();
    t.equal(result.code, 1);
    t.match(result.out, /DIVERGED \(hash_mismatch\)/);
    t.match(result.out, new RegExp(`at seq 7, milestone ${victim.id}`));
    await asOwner(sql`update milestones set occurred_at = ${victim.occurred_at} where seq = 7`);
    t.equal((await run()).code, 0, 'restored');

    // A thorough forger rewrites the record, its hash and every later link: the batch root no longer matches.
    const { canonicalBytes, chainHash, leafHash } = await import('../../src/ledger/encoding.js');
    const { toCanonical } = await import('../../src/ledger/milestones.js');
    const rows = await db.selectFrom('milestones').selectAll().orderBy('seq').execute();
    let prev = rows[5]!.hash;
    for (const row of rows.slice(6)) {
      const forged = row.seq === 7 ? { ...row, type: 'delivered' as const } : row;
      const canonical = canonicalBytes(toCanonical(forged));
      const hash = chainHash(prev, row.salt, canonical);
      await asOwner(sql`update milestones set type = ${forged.type}, prev_hash = ${prev}, hash = ${hash}, leaf_hash = ${leafHash(row.salt, canonical)} where seq = ${row.seq}`);
      prev = hash;
    }
    result = await run();
    t.equal(result.code, 1);
    t.match(result.out, /DIVERGED \(batch_root_mismatch\)/);
    t.match(result.out, /in batch 2/);

    // ...and rewriting the batch roots too leaves an anchor that the chain does not know.
    const { merkleRoot } = await import('../../src/ledger/merkle.js');
    const batch2 = await db.selectFrom('anchor_batches').selectAll().where('id', '=', 2).executeTakeFirstOrThrow();
    const leaves = (await db.selectFrom('milestones').select('leaf_hash').where('seq', '>=', batch2.first_seq).where('seq', '<=', batch2.last_seq).orderBy('seq').execute()).map((r) => r.leaf_hash);
    await asOwner(sql`update anchor_batches set root = ${merkleRoot(leaves)} where id = 2`);
    await asOwner(sql`update anchor_batches set prev_root = ${merkleRoot(leaves)} where id = 3`);
    result = await run();
    t.equal(result.code, 1);
    t.match(result.out, /DIVERGED \(anchor_not_on_chain\)/);
  });
});
