import t from 'tap';
import { sql } from 'kysely';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createAnchorer } from '../../src/ledger/anchorer.js';
import { GENESIS_HASH } from '../../src/ledger/encoding.js';
import { LedgerError } from '../../src/ledger/errors.js';
import { verifyLedger } from '../../src/ledger/ledger-verify.js';
import { appendMilestone, listMilestones, recordMilestone, type MilestoneInput } from '../../src/ledger/milestones.js';
import { systemClock } from '../../src/lib/clock.js';
import { freshDatabase } from '../helper.js';
import { milestoneInputs } from './fixtures.js';

const silent = { info() {}, warn() {}, error() {} };

t.test('the milestone log', async (t) => {
  const { database, drop } = await freshDatabase();
  t.teardown(drop);
  const db = database.db;
  await migrateToLatest(db, database.schema);
  await db.insertInto('sellers').values([{ id: 'sel_a', name: 'A' }, { id: 'sel_b', name: 'B' }]).execute();

  const input = milestoneInputs({ occurredAt: new Date('2025-05-01T10:00:00.123Z'), details: { message: 'Arrived at facility', city: 'Newark' } });
  // Tampering as the table owner: the triggers only stop everyone else.
  const asOwner = (statement: ReturnType<typeof sql>) =>
    db.transaction().execute(async (trx) => {
      await sql`alter table milestones disable trigger user`.execute(trx);
      await statement.execute(trx);
      await sql`alter table milestones enable trigger user`.execute(trx);
    });

  t.test('each record is chained to the one before it, gaplessly', async (t) => {
    const first = await recordMilestone(db, input({ type: 'instruction_sent', source: 'pledge' }));
    const second = await recordMilestone(db, input());
    t.equal(first.isDuplicate, false);
    const rows = await listMilestones(db, 'sel_a', 'ord_1');
    t.same(rows.map((r) => r.seq), [1, 2]);
    t.equal(rows[0]!.prev_hash, GENESIS_HASH);
    t.equal(rows[1]!.prev_hash, first.hash);
    t.equal(rows[1]!.hash, second.hash);
    t.match(rows[0]!.salt, /^[0-9a-f]{64}$/);
    t.not(rows[0]!.salt, rows[1]!.salt, 'a fresh salt per milestone');
    t.same(rows[1]!.details, { message: 'Arrived at facility', city: 'Newark' });
  });

  t.test('idempotent on (shipment, source, source event id), inside any transaction', async (t) => {
    const once = await recordMilestone(db, input({ sourceEventId: 'evt_dup' }));
    const again = await db.transaction().execute((trx) => appendMilestone(trx, input({ sourceEventId: 'evt_dup', details: { other: true } })));
    t.same(again, { id: once.id, isDuplicate: true, hash: once.hash });
    const sameIdOtherSource = await recordMilestone(db, input({ sourceEventId: 'evt_dup', source: 'shippo' }));
    t.equal(sameIdOtherSource.isDuplicate, false, 'another source may reuse the id');
  });

  t.test('a rolled-back caller leaves no record and no gap', async (t) => {
    const before = await db.selectFrom('milestones').select((eb) => eb.fn.max('seq').as('max')).executeTakeFirstOrThrow();
    await t.rejects(
      db.transaction().execute(async (trx) => {
        await appendMilestone(trx, input());
        throw new Error('caller failed');
      }),
      /caller failed/,
    );
    const next = await recordMilestone(db, input());
    const row = await db.selectFrom('milestones').select('seq').where('id', '=', next.id).executeTakeFirstOrThrow();
    t.equal(row.seq, Number(before.max) + 1);
  });

  t.test('concurrent writers still form one chain', async (t) => {
    await Promise.all(Array.from({ length: 25 }, (_, i) => recordMilestone(db, input({ orderId: 'ord_conc', shipmentId: `shp_c${i % 3}` }))));
    const report = await verifyLedger(db);
    t.equal(report.isIntact, true, JSON.stringify(report.firstDivergence));
  });

  t.test('malformed input is refused before touching the database', async (t) => {
    const cases: [string, Partial<MilestoneInput>, RegExp][] = [
      ['unknown type', { type: 'teleported' as never }, /not a milestone type/],
      ['unknown source', { source: 'fax' as never }, /not a milestone source/],
      ['invalid date', { occurredAt: new Date('nope') }, /occurredAt/],
      ['empty order', { orderId: '' }, /orderId/],
      ['array details', { details: [] as never }, /details/],
    ];
    for (const [name, change, message] of cases) {
      const err = await recordMilestone(db, input(change)).then(() => null, (e: unknown) => e);
      t.ok(err instanceof LedgerError && err.code === 'MILESTONE_INVALID' && message.test(err.message), `${name}: ${String(err)}`);
    }
    await t.rejects(recordMilestone(db, input(), Buffer.alloc(5)), /salt must be 32 bytes/);
  });

  t.test('the database refuses UPDATE, DELETE and TRUNCATE', async (t) => {
    for (const statement of [sql`update milestones set type = 'delivered'`, sql`delete from milestones`, sql`truncate milestones`]) {
      await t.rejects(statement.execute(db), /insert-only/);
    }
    t.ok((await db.selectFrom('milestones').select('seq').execute()).length > 0, 'nothing was changed');
  });

  t.test('a batch is immutable once cut; only its anchoring state moves', async (t) => {
    const anchorer = createAnchorer({ db, chain: async () => null, clock: systemClock, log: silent, batchSize: 10, batchMaxAgeMs: 60_000, confirmations: 1 });
    const report = await anchorer.tick({ flush: true });
    t.ok(report.cut >= 1);
    t.equal(report.chain, 'unavailable', 'no chain: batches are cut and queue');
    await t.rejects(sql`update anchor_batches set root = ${'00'.repeat(32)} where id = 1`.execute(db), /immutable/);
    await t.rejects(sql`delete from anchor_batches`.execute(db), /never removed/);
    await sql`update anchor_batches set last_error = 'note' where id = 1`.execute(db);
    const batches = await db.selectFrom('anchor_batches').selectAll().orderBy('id').execute();
    t.ok(batches.every((b) => b.status === 'pending'));
    t.equal(batches[0]!.prev_root, GENESIS_HASH);
    t.equal(batches.reduce((sum, b) => sum + b.count, 0), (await db.selectFrom('milestones').select('seq').execute()).length, 'every milestone is in exactly one batch');
    for (let i = 1; i < batches.length; i++) {
      t.equal(batches[i]!.prev_root, batches[i - 1]!.root);
      t.equal(batches[i]!.first_seq, batches[i - 1]!.last_seq + 1);
    }
    await recordMilestone(db, input());
    t.equal((await anchorer.tick()).cut, 0, 'one new milestone: neither full nor old yet');
    await anchorer.stop();
  });

  t.test('ledger verify walks the chain and reports the first divergence', async (t) => {
    t.same((await verifyLedger(db)).firstDivergence, null);

    await asOwner(sql`update milestones set details = ${JSON.stringify({ message: 'Delivered', city: 'Newark' })}::jsonb where seq = 3`);
    let report = await verifyLedger(db);
    t.equal(report.isIntact, false);
    t.match(report.firstDivergence, { kind: 'hash_mismatch', seq: 3 });
    t.equal(report.milestonesChecked, 2, 'stopped at the first divergence');
    await asOwner(sql`update milestones set details = ${JSON.stringify({ message: 'Arrived at facility', city: 'Newark' })}::jsonb where seq = 3`);
    t.equal((await verifyLedger(db)).isIntact, true, 'restored');

    // A careful forger recomputes the record's own hash: its successor no longer points at it.
    const row = await db.selectFrom('milestones').selectAll().where('seq', '=', 4).executeTakeFirstOrThrow();
    await asOwner(sql`update milestones set hash = ${'ee'.repeat(32)} where seq = 4`);
    report = await verifyLedger(db);
    t.match(report.firstDivergence, { kind: 'hash_mismatch', seq: 4 });
    await asOwner(sql`update milestones set hash = ${row.hash} where seq = 4`);

    await asOwner(sql`delete from milestones where seq = 5`);
    report = await verifyLedger(db);
    t.match(report.firstDivergence, { kind: 'seq_gap', seq: 6 });
  });
});
