import t from 'tap';
import { postJournal, verifyJournalChain } from '../../src/compensation/journal.js';
import { exposureReleased, exposureReserved } from '../../src/compensation/postings.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { freshDatabase } from '../helper.js';
import { afterLock, JOURNAL_LOCK, statementLog } from '../ledger/statement-log.js';

t.test("a seller's journal lock is held for one read and one insert", async (t) => {
  const { database, drop } = await freshDatabase();
  t.teardown(drop);
  const db = database.db;
  await migrateToLatest(db, database.schema);
  await db.insertInto('sellers').values({ id: 'sel_j', name: 'J' }).execute();
  const reserve = (key: string, amount: number, target = db) =>
    target.transaction().execute((trx) => postJournal(trx, { sellerId: 'sel_j', idempotencyKey: key, kind: 'exposure_reserved', postings: exposureReserved('USD', amount), now: new Date() }));

  t.test('first use creates the accounts; later postings find them before the lock', async (t) => {
    const first = await reserve('exposure:o1', 100);
    t.equal(first.transaction.seq, 1);
    const log = statementLog(db);
    const second = await reserve('exposure:o2', 250, log.db);
    t.equal(second.isReplay, false);
    t.equal(second.transaction.seq, 2);
    t.equal(second.transaction.prev_hash, first.transaction.hash);
    const held = afterLock(log.statements, JOURNAL_LOCK)!;
    t.equal(held.length, 2, `held for:\n${held.join('\n')}`);
    t.match(held[0], /^select .* from "journal_transactions" where "seller_id" = \$\d+ and \("idempotency_key" = \$\d+ or "seq" = \(select max/);
    t.match(held[1], /^with "new_transaction" as \(insert into "journal_transactions" .*\) insert into "journal_postings"/);
    t.same(
      second.transaction.postings,
      [
        { account: 'exposure_offset', currency: 'USD', amount_minor: 250 },
        { account: 'promise_exposure', currency: 'USD', amount_minor: -250 },
      ],
    );
  });

  t.test('a replay is found under the lock and writes nothing', async (t) => {
    const log = statementLog(db);
    const replay = await reserve('exposure:o2', 250, log.db);
    t.equal(replay.isReplay, true);
    t.equal(replay.transaction.seq, 2);
    t.same(log.statements.filter((s) => !s.startsWith('select')), [], 'nothing written');
    await t.rejects(reserve('exposure:o2', 999), { code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  t.test('computed postings, new accounts and concurrent writers keep one gapless, verifiable chain', async (t) => {
    await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => reserve(`exposure:c${i}`, 10 + i)),
      db.transaction().execute((trx) => postJournal(trx, { sellerId: 'sel_j', idempotencyKey: 'exposure-settle:o1', kind: 'exposure_released', postings: async () => exposureReleased('USD', 100), now: new Date() })),
      db.transaction().execute((trx) => postJournal(trx, { sellerId: 'sel_j', idempotencyKey: 'exposure:eur', kind: 'exposure_reserved', postings: exposureReserved('EUR', 40), now: new Date() })),
    ]);
    const seqs = (await db.selectFrom('journal_transactions').select('seq').where('seller_id', '=', 'sel_j').orderBy('seq').execute()).map((r) => r.seq);
    t.same(seqs, Array.from({ length: 10 }, (_, i) => i + 1));
    t.equal(await verifyJournalChain(db, 'sel_j'), null);
    const eur = await db.selectFrom('ledger_accounts').select('code').where('seller_id', '=', 'sel_j').where('currency', '=', 'EUR').orderBy('code').execute();
    t.same(eur.map((a) => a.code), ['exposure_offset', 'promise_exposure']);
  });
});
