import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { progressReporter, replayCommand } from '../../src/replay/replay-command.js';
import { build, orderBody } from '../helper.js';

t.test('policy replay over the API, on real recorded orders', async (t) => {
  const ctx = await build(t);
  const { db } = ctx.deps;
  const placed: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await ctx.placeOrder(orderBody());
    t.equal(res.statusCode, 201, res.body);
    placed.push(res.json().id);
  }
  const decision = await db.selectFrom('decisions').select('record').where('order_id', '=', placed[0]!).executeTakeFirstOrThrow();
  t.match((decision.record as { engine_input: unknown }).engine_input, { v: 1, currency: 'USD' }, 'the decision record keeps the engine input');
  const explained = (await ctx.request({ method: 'GET', url: `/v1/orders/${placed[0]}/decision` })).json() as Record<string, unknown>;
  t.ok(Array.isArray(explained.candidates), 'the decision endpoint explains');
  t.notOk('engine_input' in explained, 'without the raw snapshot');

  // One settled outcome: the first order's shipment broke (carrier), with compensation.
  const shipment = await db.selectFrom('shipments').selectAll().where('order_id', '=', placed[0]!).executeTakeFirstOrThrow();
  await db
    .insertInto('promise_outcomes')
    .values({
      id: 'po_test_1',
      seller_id: 'sel_demo',
      order_id: placed[0]!,
      shipment_id: shipment.id,
      outcome: 'broken',
      breach_kind: 'late',
      cause: 'carrier',
      supplier_id: shipment.supplier_id,
      warehouse_id: shipment.warehouse_id,
      carrier_account_id: shipment.carrier_account_id,
      carrier: shipment.carrier,
      service: shipment.service,
      deliver_by: new Date(Date.now() + 86_400_000),
      currency: 'USD',
      compensation_minor: 500,
      settled_at: new Date(),
    })
    .execute();
  // An order from before snapshots: its record loses engine_input.
  await db.updateTable('decisions').set({ record: JSON.stringify({ outcome: 'decline', candidates: [], quotes: [] }) }).where('order_id', '=', placed[2]!).execute();

  const from = new Date(Date.now() - 3_600_000).toISOString();
  const to = new Date(Date.now() + 3_600_000).toISOString();

  t.test('bad input is refused by name and stores nothing', async (t) => {
    const cases = [
      { payload: { from, to, policy: {}, extra: 1 }, field: '' },
      { payload: { from: 'yesterday', to, policy: {} }, field: 'from' },
      { payload: { from: to, to: from, policy: {} }, field: 'to' },
      { payload: { from, to, policy: { min_confidence: 2 } }, field: 'policy.min_confidence' },
      { payload: { from, to, policy: { surprise: true } }, field: 'policy' },
    ];
    for (const c of cases) {
      const res = await ctx.request({ method: 'POST', url: '/v1/replays', payload: c.payload });
      t.equal(res.statusCode, 400, JSON.stringify(c.payload));
      t.match(res.headers['content-type'], /application\/problem\+json/);
      if (c.field) t.ok(res.json().errors.some((e: { field: string }) => e.field.includes(c.field)), `${c.field}: ${res.body}`);
    }
    const count = await db.selectFrom('replays').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    t.equal(Number(count.n), 0);
  });

  t.test('only seller admins and finance may replay', async (t) => {
    const ops = await ctx.app.services.sellers.createApiKey('sel_demo', 'ops', null);
    const res = await ctx.request({ method: 'POST', url: '/v1/replays', key: ops.key, payload: { from, to, policy: {} } });
    t.equal(res.statusCode, 403);
    const finance = await ctx.app.services.sellers.createApiKey('sel_demo', 'finance', null);
    const ok = await ctx.request({ method: 'GET', url: '/v1/replays/rpl_missing', key: finance.key });
    t.equal(ok.statusCode, 404);
  });

  t.test('queued, run by the worker, then the comparison table', async (t) => {
    const res = await ctx.request({ method: 'POST', url: '/v1/replays', payload: { from, to, policy: { min_confidence: 1 } } });
    t.equal(res.statusCode, 202, res.body);
    const { id, status } = res.json();
    t.equal(status, 'queued');
    const queued = await ctx.request({ method: 'GET', url: `/v1/replays/${id}` });
    t.match(queued.json(), { status: 'queued', result: null, progress: { done: 0, total: 0 } });

    t.equal(await ctx.app.services.replays.tick(), true);
    t.equal(await ctx.app.services.replays.tick(), false, 'nothing left to claim');
    const done = (await ctx.request({ method: 'GET', url: `/v1/replays/${id}` })).json();
    t.equal(done.status, 'done', JSON.stringify(done));
    t.same(done.progress, { done: 3, total: 3 });
    const r = done.result;
    t.equal(r.orders_considered, 3);
    t.equal(r.skipped_without_snapshot, 1);
    t.equal(r.baseline.orders, 2);
    t.equal(r.baseline.promised, 2);
    t.equal(r.alternative.promised, 0, 'nothing reaches certainty (the engine caps P at 0.999)');
    t.equal(r.changed_decisions, 2);
    t.ok(r.baseline.expected_compensation_minor >= 500, 'the broken promise is counted at its actual compensation');
    t.equal(r.diffs[0].alternative.outcome, 'decline');
    t.equal(r.currency, 'USD');
  });

  t.test('a job whose worker died is claimed again after its lease', async (t) => {
    const res = await ctx.request({ method: 'POST', url: '/v1/replays', payload: { from, to, policy: {} } });
    const { id } = res.json();
    // Another instance claimed it and crashed: running with a lease that is still valid.
    await db.updateTable('replays').set({ status: 'running', locked_until: new Date(Date.now() + 60_000), attempts: 1 }).where('id', '=', id).execute();
    t.equal(await ctx.app.services.replays.tick(), false, 'a live lease is respected');
    await db.updateTable('replays').set({ locked_until: new Date(Date.now() - 1000) }).where('id', '=', id).execute();
    t.equal(await ctx.app.services.replays.tick(), true);
    const done = (await ctx.request({ method: 'GET', url: `/v1/replays/${id}` })).json();
    t.equal(done.status, 'done');
    t.equal(done.result.changed_decisions, 0, 'the recorded policy re-decides the same way');
  });

  t.test("another seller's replay is not found", async (t) => {
    const other = await ctx.app.services.sellers.createSeller({ name: 'Other' });
    const mine = (await ctx.request({ method: 'POST', url: '/v1/replays', payload: { from, to, policy: {} } })).json();
    const res = await ctx.request({ method: 'GET', url: `/v1/replays/${mine.id}`, key: other.apiKey.key });
    t.equal(res.statusCode, 404);
  });

  t.test('pledge replay: the table on stdout, progress on stderr, bad policy files refused', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'pledge-replay-'));
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ min_confidence: 1 }));
    const sink = () => {
      const chunks: string[] = [];
      return { chunks, write: (s: string) => chunks.push(s), isTTY: false };
    };
    const stdout = sink();
    const stderr = sink();
    const code = await replayCommand(db, { from, to, policyFile: file, sellerId: 'sel_demo', json: false }, { stdout, stderr });
    t.equal(code, 0, stderr.chunks.join(''));
    t.match(stdout.chunks.join(''), /recorded\s+alternative[\s\S]*promise rate\s+100\.00%\s+0\.00%/);
    t.match(stderr.chunks.join(''), /replay: 100% \(3\/3\)/);

    const json = sink();
    t.equal(await replayCommand(db, { from, to, policyFile: file, sellerId: 'sel_demo', json: true }, { stdout: json, stderr: sink() }), 0);
    t.equal(JSON.parse(json.chunks.join('')).alternative.promised, 0);

    writeFileSync(file, JSON.stringify({ min_confidence: 'high' }));
    const err = sink();
    t.equal(await replayCommand(db, { from, to, policyFile: file, sellerId: 'sel_demo', json: false }, { stdout: sink(), stderr: err }), 64);
    t.match(err.chunks.join(''), /policy\.min_confidence/);
  });
});

t.test('the progress bar redraws on a terminal and prints tenths otherwise', async (t) => {
  const tty: string[] = [];
  const bar = progressReporter({ write: (s: string) => tty.push(s), isTTY: true });
  bar(0, 4);
  bar(2, 4);
  bar(4, 4);
  t.match(tty[1], /^\r\[#{15}\.{15}\]  50% 2\/4$/);
  t.match(tty[2], /100% 4\/4\n$/);
  const plain: string[] = [];
  const lines = progressReporter({ write: (s: string) => plain.push(s) });
  for (let i = 0; i <= 1000; i++) lines(i, 1000);
  t.equal(plain.length, 11, 'one line per tenth');
});
