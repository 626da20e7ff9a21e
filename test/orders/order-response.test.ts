import { sql } from 'kysely';
import t from 'tap';
import { asStoredJson } from '../../src/orders/order-view.js';
import { build, orderBody } from '../helper.js';

// The POST answer is rendered from what the commit wrote (no read-back of the order and voucher):
// it must be byte-identical to what a read of the stored rows gives (GET, and the replay).

t.test('asStoredJson orders keys as jsonb returns them', async (t) => {
  const ctx = await build(t);
  const cases: unknown[] = [
    { name: 'Ada', line1: '1 Main St', city: 'NYC', region: null, postal_code: '10001', country: 'US', email: 'a@b.c', phone: null, line2: 'x' },
    [{ sku: 'MUG-001', quantity: 2, unit_price_minor: 1800 }, { b: 1, a: { zz: 1, y: [{ bb: 2, c: 1 }] }, é: 1, ab: 2, e: 3 }],
    ['reason one', 'reason two'],
    { kept: 1, dropped: undefined },
  ];
  for (const value of cases) {
    const { rows } = await sql<{ v: unknown }>`select ${JSON.stringify(value)}::jsonb as v`.execute(ctx.deps.db);
    t.equal(JSON.stringify(asStoredJson(value)), JSON.stringify(rows[0]!.v), JSON.stringify(value));
  }
});

t.test('the POST answer is byte-identical to GET and to the replay', async (t) => {
  const ctx = await build(t);
  const bodies = [
    orderBody({ lines: [{ sku: 'MUG-001', quantity: 2, unit_price_minor: 1800 }], deliver_by: new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10) }),
    orderBody({
      ship_to: { country: 'US', postal_code: '94107', name: 'Grace Hopper', city: 'San Francisco', line1: '2 Market St', line2: 'Apt 4', region: 'CA', phone: '+14155550100' },
      lines: [{ unit_price_minor: 2500, quantity: 1, sku: 'HEADPHONES-01' }],
    }),
    // Declined: a deadline no route can meet.
    orderBody({ deliver_by: new Date(Date.now() + 3_600_000).toISOString() }),
  ];
  const statuses: string[] = [];
  for (const body of bodies) {
    const key = `resp-${statuses.length}`;
    const posted = await ctx.placeOrder(body, { idempotencyKey: key });
    t.equal(posted.statusCode, 201, posted.body);
    const order = posted.json();
    statuses.push(order.status);
    const got = await ctx.request({ method: 'GET', url: `/v1/orders/${order.id}` });
    t.equal(got.statusCode, 200);
    t.equal(got.body, posted.body, `${order.status}: POST and GET bytes`);
    const replay = await ctx.placeOrder(body, { idempotencyKey: key });
    t.equal(replay.body, posted.body, `${order.status}: replay bytes`);
  }
  t.same(statuses, ['promised', 'promised', 'declined']);
});
