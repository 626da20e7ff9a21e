import t from 'tap';
import { createAnchorer } from '../../src/ledger/anchorer.js';
import { fixedClock } from '../../src/lib/clock.js';
import { silentLog } from '../chain/helpers.js';
import { build, orderBody } from '../helper.js';

// The anchorer's tick reads only the last hour of the journal; the whole journal is swept on the first
// tick and every 10 minutes, so nothing the window misses stays unanchored.
t.test('journal batches: recent window each tick, a full sweep on start and every 10 minutes', async (t) => {
  const ctx = await build(t);
  const { db } = ctx.deps;
  // The anchorer's clock runs two hours ahead of the app's: every journal transaction looks old to it.
  const clock = fixedClock(new Date(Date.now() + 2 * 3_600_000));
  const anchorer = createAnchorer({ db, chain: async () => null, clock, log: silentLog, batchSize: 100, batchMaxAgeMs: 1_000, confirmations: 1 });
  t.teardown(() => anchorer.stop());
  const enlisted = async () => (await db.selectFrom('journal_anchor_leaves').select('transaction_id').execute()).map((l) => l.transaction_id);
  const journal = async () => (await db.selectFrom('journal_transactions').select('id').execute()).map((x) => x.id);

  t.equal((await ctx.placeOrder(orderBody())).statusCode, 201);
  await anchorer.tick();
  t.same((await enlisted()).sort(), (await journal()).sort(), 'the first tick sweeps everything');

  t.equal((await ctx.placeOrder(orderBody())).statusCode, 201);
  clock.advance(60_000);
  await anchorer.tick();
  t.equal((await enlisted()).length, (await journal()).length - 1, 'outside the window and before the next sweep: waits');

  clock.advance(10 * 60_000);
  await anchorer.tick();
  t.same((await enlisted()).sort(), (await journal()).sort(), 'the sweep enlists what the window missed');
  const positions = (await db.selectFrom('journal_anchor_leaves').select('position').orderBy('position').execute()).map((p) => Number(p.position));
  t.same(positions, positions.map((_, i) => i + 1), 'gapless positions');
});
