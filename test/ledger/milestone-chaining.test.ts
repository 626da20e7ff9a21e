import { sql } from 'kysely';
import t from 'tap';
import { migrateToLatest } from '../../src/db/migrate.js';
import { verifyLedger } from '../../src/ledger/ledger-verify.js';
import { appendMilestone, chainMilestones, prepareMilestone, recordMilestone } from '../../src/ledger/milestones.js';
import { freshDatabase } from '../helper.js';
import { milestoneInputs } from './fixtures.js';
import { afterLock, CHAIN_LOCK, statementLog } from './statement-log.js';

t.test('chaining milestones under a short lock', async (t) => {
  const { database, drop } = await freshDatabase();
  t.teardown(drop);
  const db = database.db;
  await migrateToLatest(db, database.schema);
  await db.insertInto('sellers').values({ id: 'sel_a', name: 'A' }).execute();

  const input = milestoneInputs();
  const maxSeq = async () => Number((await db.selectFrom('milestones').select((eb) => eb.fn.max('seq').as('max')).executeTakeFirstOrThrow()).max ?? 0);

  t.test('several milestones: one lock, one head read, one insert, chained in the order given', async (t) => {
    await recordMilestone(db, input());
    const before = await maxSeq();
    const log = statementLog(db);
    const prepared = [input({ type: 'instruction_sent', source: 'pledge' }), input({ type: 'supplier_accepted', source: 'pledge' }), input({ type: 'handed_over', source: 'supplier' })].map((i) =>
      prepareMilestone(i),
    );
    const chained = await log.db.transaction().execute((trx) => chainMilestones(trx, prepared));
    t.same(log.statements.filter((s) => CHAIN_LOCK.test(s)).length, 1, 'the lock is taken once');
    const held = afterLock(log.statements, CHAIN_LOCK)!;
    t.equal(held.length, 2, held.join('\n'));
    t.match(held[0], /^select "seq", "hash" from "milestones"/);
    t.match(held[1], /^insert into "milestones"/);

    t.same(chained.map((c) => c.id), prepared.map((p) => p.id));
    t.same(chained.map((c) => c.seq), [before + 1, before + 2, before + 3]);
    const rows = await db.selectFrom('milestones').select(['id', 'type', 'prev_hash', 'hash']).where('seq', '>', before).orderBy('seq').execute();
    t.same(rows.map((r) => r.type), ['instruction_sent', 'supplier_accepted', 'handed_over']);
    t.equal(rows[1]!.prev_hash, rows[0]!.hash);
    t.equal(rows[2]!.prev_hash, rows[1]!.hash);
    const report = await verifyLedger(db);
    t.equal(report.isIntact, true, JSON.stringify(report.firstDivergence));
  });

  t.test('a key recorded meanwhile aborts the chained insert; nothing is chained and no seq is lost', async (t) => {
    const first = await recordMilestone(db, input({ sourceEventId: 'evt_taken' }));
    const before = await maxSeq();
    await t.rejects(
      db.transaction().execute((trx) => chainMilestones(trx, [prepareMilestone(input({ sourceEventId: 'evt_fresh' })), prepareMilestone(input({ sourceEventId: 'evt_taken' }))])),
      { code: '23505' },
    );
    t.equal(await maxSeq(), before);
    t.equal((await db.selectFrom('milestones').select('id').where('source_event_id', '=', 'evt_fresh').execute()).length, 0, 'the whole insert rolled back');
    const next = await recordMilestone(db, input());
    t.equal(next.isDuplicate, false);
    t.equal(await maxSeq(), before + 1);
    t.not(next.id, first.id);
  });

  t.test('a duplicate append takes no chain lock', async (t) => {
    const once = await recordMilestone(db, input({ sourceEventId: 'evt_again' }));
    const log = statementLog(db);
    const again = await log.db.transaction().execute((trx) => appendMilestone(trx, input({ sourceEventId: 'evt_again' })));
    t.same(again, { id: once.id, hash: once.hash, isDuplicate: true });
    t.same(log.statements.filter((s) => CHAIN_LOCK.test(s)), []);
    t.equal(log.statements.length, 1, 'one read');
  });

  t.test('racing appends of one key: one record, every caller gets it', async (t) => {
    const before = await maxSeq();
    const results = await Promise.all(Array.from({ length: 6 }, () => recordMilestone(db, input({ sourceEventId: 'evt_race', shipmentId: 'shp_race' }))));
    t.equal(results.filter((r) => !r.isDuplicate).length, 1);
    t.equal(new Set(results.map((r) => r.id)).size, 1);
    t.equal(await maxSeq(), before + 1);
    const report = await verifyLedger(db);
    t.equal(report.isIntact, true, JSON.stringify(report.firstDivergence));
  });

  // Forces the interleaving: the second append misses the first's uncommitted row and queues on the lock.
  t.test('an append that waited on the lock for the same key yields to the first', { skip: !process.env.DATABASE_URL && 'needs concurrent sessions (DATABASE_URL)' }, async (t) => {
    const key = input({ sourceEventId: 'evt_interleaved', shipmentId: 'shp_interleaved' });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let isFirstAppended = false;
    const first = db.transaction().execute(async (trx) => {
      const r = await appendMilestone(trx, key);
      isFirstAppended = true;
      await released;
      return r;
    });
    const until = async (check: () => Promise<boolean> | boolean) => {
      for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
    };
    await until(() => isFirstAppended);
    const log = statementLog(db);
    const second = log.db.transaction().execute((trx) => appendMilestone(trx, key));
    await until(async () => (await sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`.execute(db)).rows[0]!.n > 0);
    release();
    const [a, b] = await Promise.all([first, second]);
    t.equal(a.isDuplicate, false);
    t.same(b, { ...a, isDuplicate: true });
    t.ok(log.statements.some((s) => CHAIN_LOCK.test(s)), 'the second one did wait on the lock');
  });
});
