import t from 'tap';
import { monthRange, reconcile, weeklySeries, weekStart } from '../../src/finance/reconciliation.js';
import { build, orderBody } from '../helper.js';

t.test('pure: reconcile folds grouped postings into lines and totals', async (t) => {
  const r = reconcile('2026-03', [
    { bucket: 'compensation', partner_id: 'sup-a', currency: 'USD', sum_minor: -1500, count: 2, reversal_count: 0 },
    { bucket: 'chargeback', partner_id: 'sup-a', currency: 'USD', sum_minor: 1000, count: 1, reversal_count: 0 },
    { bucket: 'compensation', partner_id: null, currency: 'USD', sum_minor: -200, count: 1, reversal_count: 0 },
    { bucket: 'chargeback', partner_id: 'car-b', currency: 'EUR', sum_minor: 0, count: 1, reversal_count: 1 },
  ]);
  t.same(r.partners.map((l) => [l.partner_id, l.currency, l.compensation_posted_minor, l.chargebacks_booked_minor, l.difference_minor]), [
    ['car-b', 'EUR', 0, 0, 0],
    ['sup-a', 'USD', 1500, 1000, 500],
    [null, 'USD', 200, 0, 200],
  ]);
  t.same(r.totals, [
    { currency: 'EUR', compensation_posted_minor: 0, compensation_count: 0, chargebacks_booked_minor: 0, chargeback_count: 1, reversal_count: 1, difference_minor: 0 },
    { currency: 'USD', compensation_posted_minor: 1700, compensation_count: 3, chargebacks_booked_minor: 1000, chargeback_count: 1, reversal_count: 0, difference_minor: 700 },
  ]);
  t.same(monthRange('2026-12'), { from: new Date('2026-12-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') });
  t.equal(weekStart(new Date('2026-11-29T23:00:00Z')).toISOString(), '2026-11-23T00:00:00.000Z', 'a Sunday belongs to the week from Monday');
  const weekly = weeklySeries(new Date('2026-11-25T12:00:00Z'), 3, [
    { created_at: new Date('2026-11-24T01:00:00Z'), currency: 'USD', amount_minor: -700, is_reversal: false },
    { created_at: new Date('2026-11-10T01:00:00Z'), currency: 'USD', amount_minor: -300, is_reversal: false },
    { created_at: new Date('2026-11-11T01:00:00Z'), currency: 'USD', amount_minor: 300, is_reversal: true },
    { created_at: new Date('2026-10-01T01:00:00Z'), currency: 'USD', amount_minor: -999, is_reversal: false },
  ]);
  t.same(weekly, [
    {
      currency: 'USD',
      points: [
        { week_start: '2026-11-09T00:00:00.000Z', amount_minor: 0, count: 1 },
        { week_start: '2026-11-16T00:00:00.000Z', amount_minor: 0, count: 0 },
        { week_start: '2026-11-23T00:00:00.000Z', amount_minor: 700, count: 1 },
      ],
    },
  ]);
});

t.test('reconciliation from real postings', async (t) => {
  const ctx = await build(t);
  const ledger = ctx.app.services.compensation;
  const sellerId = (await ctx.app.services.sellers.authenticate(ctx.apiKey))!.sellerId;
  const finance = (await ctx.app.services.sellers.createApiKey(sellerId, 'finance', 'finance')).key;
  const orders: string[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await ctx.placeOrder(orderBody());
    t.equal(res.statusCode, 201);
    orders.push(res.json().id);
  }
  await ledger.postBreach(sellerId, orders[0]!, 'late', 1200, 'sup-a');
  await ledger.postBreach(sellerId, orders[1]!, 'lost', 3000, 'sup-a');
  await ledger.postBreach(sellerId, orders[2]!, 'late', 500, 'car-b');
  await ledger.postBreach(sellerId, orders[3]!, 'refused', 250, null);
  // The chargeback for order 2 is disputed and reversed: sup-a now owes only the first one.
  const cb = (await ctx.request({ method: 'GET', url: `/v1/ledger/transactions?order_id=${orders[1]}&kind=chargeback`, key: finance })).json().data[0];
  const rev = await ctx.request({ method: 'POST', url: `/v1/ledger/transactions/${cb.id}/reverse`, key: finance, headers: { 'idempotency-key': 'dispute-1' }, payload: { memo: 'disputed' } });
  t.equal(rev.statusCode, 201, rev.body);
  const month = cb.created_at.slice(0, 7);

  const res = await ctx.request({ method: 'GET', url: `/v1/ledger/reconciliation?month=${month}`, key: finance });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  const line = (p: string | null) => body.partners.find((l: { partner_id: string | null }) => l.partner_id === p);
  t.match(line('sup-a'), { currency: 'USD', compensation_posted_minor: 4200, compensation_count: 2, chargebacks_booked_minor: 1200, chargeback_count: 2, reversal_count: 1, difference_minor: 3000 });
  t.match(line('car-b'), { compensation_posted_minor: 500, chargebacks_booked_minor: 500, difference_minor: 0 });
  t.match(line(null), { compensation_posted_minor: 250, compensation_count: 1, chargebacks_booked_minor: 0, difference_minor: 250 });
  t.same(body.totals, [{ currency: 'USD', compensation_posted_minor: 4950, compensation_count: 4, chargebacks_booked_minor: 1700, chargeback_count: 3, reversal_count: 1, difference_minor: 3250 }]);

  const other = (await ctx.request({ method: 'GET', url: '/v1/ledger/reconciliation?month=2020-01', key: finance })).json();
  t.same([other.partners, other.totals], [[], []], 'another month is empty');
  t.same((await ctx.request({ method: 'GET', url: `/v1/ledger/reconciliation?month=${month}&currency=EUR`, key: finance })).json().totals, []);

  const csv = await ctx.request({ method: 'GET', url: `/v1/ledger/reconciliation.csv?month=${month}`, key: finance });
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /^text\/csv/);
  const lines = csv.body.split('\r\n');
  t.equal(lines[0], 'month,partner_id,currency,compensation_posted_minor,compensation_count,chargebacks_booked_minor,chargeback_count,reversal_count,difference_minor');
  t.ok(lines.includes(`${month},sup-a,USD,4200,2,1200,2,1,3000`), csv.body);
  t.ok(lines.includes(`${month},*,USD,4950,4,1700,3,1,3250`));

  const weekly = (await ctx.request({ method: 'GET', url: '/v1/ledger/compensation-weekly?weeks=4', key: finance })).json();
  t.equal(weekly.series[0].points.length, 4);
  t.equal(weekly.series[0].points.at(-1).amount_minor, 4950, 'this week holds every compensation posted');

  for (const bad of ['month=2026-13', 'month=26-01', '', 'month=2026-01&extra=1', 'month=2026-01&currency=usd']) {
    const r = await ctx.request({ method: 'GET', url: `/v1/ledger/reconciliation?${bad}`, key: finance });
    t.equal(r.statusCode, 400, bad);
    t.ok(r.json().errors?.length, `names the field: ${bad}`);
  }
  t.equal((await ctx.request({ method: 'GET', url: '/v1/ledger/compensation-weekly?weeks=0', key: finance })).statusCode, 400);
});
