import t from 'tap';
import { laneKey, priorFor } from '../../src/learning/success-model.js';
import { build, orderBody } from '../helper.js';
import { mix, outcomeFactory } from './outcome-fixtures.js';

t.test('learning from outcomes', async (t) => {
  const ctx = await build(t);
  const { db } = ctx.deps;
  const { learning } = ctx.app.services;
  const sellerId = (await ctx.app.services.sellers.authenticate(ctx.apiKey))!.sellerId;
  const outcomes = outcomeFactory(ctx, db);
  const now = ctx.deps.clock.now();
  const estimate = (kind: string, key: string) =>
    db.selectFrom('route_estimates').selectAll().where('seller_id', '=', sellerId).where('kind', '=', kind as any).where('key', '=', key).executeTakeFirst();

  t.test('applyOutcome twice = once; the drain skips applied outcomes', async (t) => {
    const [id] = await outcomes.add('MUG-001', mix(0, 1, now));
    const first = await db.transaction().execute((trx) => learning.applyOutcome(trx, id!));
    const second = await db.transaction().execute((trx) => learning.applyOutcome(trx, id!));
    t.equal(first, true);
    t.equal(second, false, 'the second apply changes nothing');
    const row = await estimate('supplier_handover', 'sup_acme');
    const prior = priorFor('supplier_handover');
    t.same([row?.alpha, row?.beta, row?.n], [prior.alpha, prior.beta + 1, 1], 'one broken handover, counted once');
    t.notOk(await estimate('carrier_lane', laneKey('car_easypost', 'x', 'NJ', 'NY')), 'a supplier-caused breach leaves the carrier lane alone');
    t.equal(await learning.drain(), 0, 'nothing left to drain');
  });

  t.test('the drain applies new outcomes once, oldest first', async (t) => {
    await outcomes.add('MUG-001', mix(3, 0, now));
    t.equal(await learning.drain(), 3);
    t.equal(await learning.drain(), 0);
    const row = await estimate('supplier_handover', 'sup_acme');
    t.equal(row?.n, 4);
    const lanes = await db.selectFrom('route_estimates').select(['key', 'n']).where('kind', '=', 'carrier_lane').execute();
    t.equal(lanes.length, 1, 'kept promises taught the lane');
    t.match(lanes[0]!.key, /\|NJ->NY$/);
  });

  t.test('the order path uses learned estimates: a supplier with many broken outcomes loses the route', async (t) => {
    const before = (await ctx.placeOrder(orderBody({ lines: [{ sku: 'LAMP-01', quantity: 1, unit_price_minor: 5000 }] }))).json();
    t.equal(before.status !== 'declined', true, JSON.stringify(before));
    const winner = before.shipments[0].route.supplier as string;
    const other = winner === 'sup_acme' ? 'sup_bolt' : 'sup_acme';
    const decision = await db.selectFrom('decisions').select('record').where('order_id', '=', before.id).executeTakeFirstOrThrow();
    const chosen = (decision.record as any).candidates[0];
    t.ok(chosen.factors.estimates.supplier.lower < chosen.factors.estimates.supplier.mean, 'the decision record shows the interval');

    // 40 supplier-caused late handovers for the winner on LAMP-01 routes.
    await outcomes.add('LAMP-01', mix(0, 40, now));
    await learning.drain();
    ctx.app.services.network.invalidate(sellerId);
    const after = (await ctx.placeOrder(orderBody({ lines: [{ sku: 'LAMP-01', quantity: 1, unit_price_minor: 5000 }] }))).json();
    t.equal(after.shipments?.[0]?.route?.supplier, other, `the route moved from ${winner} to ${other}`);
    const record = (await db.selectFrom('decisions').select('record').where('order_id', '=', after.id).executeTakeFirstOrThrow()).record as any;
    const loser = record.candidates.find((c: any) => c.supplierId === winner && c.factors.estimates);
    t.equal(loser.factors.estimates.supplier.source, 'learned');
    t.ok(loser.factors.estimates.supplier.mean < 0.5, `learned mean ${loser.factors.estimates.supplier.mean}`);
  });

  t.test('GET /v1/partners/:id/stats', async (t) => {
    const res = await ctx.request({ method: 'GET', url: '/v1/partners/sup_acme/stats?weeks=4' });
    t.equal(res.statusCode, 200, res.body);
    const body = res.json();
    t.equal(body.kind, 'supplier');
    t.equal(body.weeks.length, 4);
    t.match(body.weeks[3].week_start, /^\d{4}-\d{2}-\d{2}$/);
    t.equal(new Date(`${body.weeks[3].week_start}T00:00:00Z`).getUTCDay(), 1, 'weeks start on Monday');
    const total = body.weeks.reduce((s: number, w: any) => s + w.outcomes, 0);
    t.ok(total >= 4, `outcomes counted by week (${total})`);
    t.ok(body.estimate.lower <= body.estimate.mean && body.estimate.mean <= body.estimate.upper);
    t.ok(body.estimate.n > 0);

    const carrier = (await ctx.request({ method: 'GET', url: '/v1/partners/car_easypost/stats' })).json();
    t.equal(carrier.kind, 'carrier');
    t.ok(Array.isArray(carrier.lanes));

    const warehouse = (await ctx.request({ method: 'GET', url: '/v1/partners/wh_coral_ca/stats' })).json();
    t.same([warehouse.kind, warehouse.estimate.n, warehouse.estimate.mean], ['warehouse', 0, 0.9], 'no data: the prior');

    const missing = await ctx.request({ method: 'GET', url: '/v1/partners/sup_nobody/stats' });
    t.equal(missing.statusCode, 404);
    t.match(missing.headers['content-type'], /^application\/problem\+json/);
    const bad = await ctx.request({ method: 'GET', url: '/v1/partners/sup_acme/stats?weeks=0' });
    t.equal(bad.statusCode, 400);
    t.match(bad.json().errors?.[0]?.field ?? bad.body, /weeks/);
    const unknown = await ctx.request({ method: 'GET', url: '/v1/partners/sup_acme/stats?color=red' });
    t.equal(unknown.statusCode, 400, 'unknown query fields are refused');
    const anonymous = await ctx.request({ method: 'GET', url: '/v1/partners/sup_acme/stats', key: null });
    t.equal(anonymous.statusCode, 401);
  });
});
