import t from 'tap';
import { addWeeks, lastCompletedWeek } from '../../src/learning/supplier-rating.js';
import { ADMIN_TOKEN, build } from '../helper.js';
import { mix, outcomeFactory } from './outcome-fixtures.js';

t.test('weekly supplier rating that acts', async (t) => {
  const ctx = await build(t);
  const { db } = ctx.deps;
  const outcomes = outcomeFactory(ctx, db);
  const W = lastCompletedWeek(ctx.deps.clock.now());
  const [W2, W1] = [addWeeks(W, -2), addWeeks(W, -1)];
  const midweek = (week: string) => new Date(Date.parse(`${week}T12:00:00Z`) + 2 * 86_400_000);
  const run = (week: string) => ctx.request({ method: 'POST', url: `/v1/ratings/run?week=${week}`, key: ADMIN_TOKEN });
  const eventsOf = async (type: string) =>
    (await db.selectFrom('webhook_events').select('payload').where('type', '=', type as any).execute()).map((e) => JSON.parse(e.payload as unknown as string).data);
  const supplier = async (id: string) => (await ctx.request({ method: 'GET', url: `/v1/suppliers/${id}` })).json();

  const endpoint = await ctx.request({
    method: 'POST',
    url: '/v1/webhook-endpoints',
    payload: { url: 'https://example.com/hooks', events: ['supplier.demoted', 'supplier.recovered', 'backup_inquiry.opened'] },
  });
  t.equal(endpoint.statusCode, 201, endpoint.body);

  // sup_acme (MUG-001): 33% then 50% on time over 6 outcomes each: two bad weeks.
  const acmeIds = [...(await outcomes.add('MUG-001', mix(2, 4, midweek(W2)))), ...(await outcomes.add('MUG-001', mix(3, 3, midweek(W1))))];
  // sup_coral (HOODIE-GRY-M): just as bad, but only 4 outcomes a week: below the minimum of 5.
  await outcomes.add('HOODIE-GRY-M', mix(1, 3, midweek(W2)));
  await outcomes.add('HOODIE-GRY-M', mix(1, 3, midweek(W1)));
  // sup_bolt (HEADPHONES-01): one bad week, then a good one: no streak.
  await outcomes.add('HEADPHONES-01', mix(0, 6, midweek(W2)));
  await outcomes.add('HEADPHONES-01', mix(6, 0, midweek(W1)));

  t.test('two bad weeks demote, open a backup inquiry and ask the alternatives for quotes', async (t) => {
    const res = await run(W1);
    t.equal(res.statusCode, 200, res.body);
    const bySupplier = Object.fromEntries(res.json().suppliers.map((s: any) => [s.supplier_id, s]));
    t.same([bySupplier.sup_acme.action, bySupplier.sup_acme.fired], ['demote', true]);
    t.same([bySupplier.sup_coral.action, bySupplier.sup_bolt.action], [null, null], 'too few outcomes; no streak');
    t.match(bySupplier.sup_coral.reason, /too_few/);

    const acme = await supplier('sup_acme');
    t.same([acme.rating_status, acme.routing_weight], ['demoted', 0.8], 'visible in GET suppliers');
    t.same([(await supplier('sup_coral')).rating_status, (await supplier('sup_bolt')).rating_status], ['active', 'active']);

    const [demoted] = await eventsOf('supplier.demoted');
    t.equal(demoted?.supplier_id, 'sup_acme');
    t.same(
      demoted?.weeks.map((w: any) => [w.week_start, w.judged, w.on_time]),
      [
        [W2, 6, 2],
        [W1, 6, 3],
      ],
      'the event carries the evidence',
    );
    const [opened] = await eventsOf('backup_inquiry.opened');
    t.same(opened?.skus, ['LAMP-01', 'MUG-001', 'TEE-RED-M', 'THROW-01']);
    t.same(
      opened?.alternatives.map((a: any) => [a.supplier_id, a.skus]),
      [
        ['sup_bolt', ['LAMP-01']],
        ['sup_coral', ['TEE-RED-M', 'THROW-01']],
      ],
      "the catalog's alternative suppliers for sup_acme's SKUs",
    );

    const ratings = (await ctx.request({ method: 'GET', url: '/v1/suppliers/sup_acme/ratings' })).json();
    t.equal(ratings.firings.length, 1);
    const firing = ratings.firings[0];
    t.same([firing.action, firing.rule, firing.week_start], ['demote', 'on_time_below_threshold', W1]);
    t.same([...firing.evidence.outcome_ids].sort(), [...acmeIds].sort(), 'every outcome id behind the firing is recorded');
    t.same(
      ratings.weeks.filter((w: any) => w.week_start === W1).map((w: any) => [w.outcomes, w.on_time, w.on_time_rate, w.compensation_minor]),
      [[6, 3, 0.5, 1500]],
    );
    const [inquiry] = ratings.inquiries;
    t.equal(inquiry.status, 'quoted', 'the quote requests were answered and recorded');
    for (const alt of inquiry.alternatives) {
      t.equal(alt.answer.status, 'quoted', `${alt.supplier_id} answered through its adapter`);
      t.ok(alt.answer.items.length > 0);
    }
  });

  t.test('running the same week again fires nothing twice', async (t) => {
    const res = await run(W1);
    t.equal(res.statusCode, 200);
    t.notOk(res.json().suppliers.some((s: any) => s.fired));
    t.equal((await eventsOf('supplier.demoted')).length, 1);
    t.equal((await db.selectFrom('backup_inquiries').select('id').execute()).length, 1);
  });

  t.test('a good week recovers the supplier', async (t) => {
    await outcomes.add('MUG-001', mix(6, 0, midweek(W)));
    const res = await run(W);
    t.equal(res.statusCode, 200, res.body);
    t.same(res.json().suppliers.find((s: any) => s.supplier_id === 'sup_acme'), { supplier_id: 'sup_acme', action: 'recover', reason: res.json().suppliers.find((s: any) => s.supplier_id === 'sup_acme').reason, fired: true });
    const acme = await supplier('sup_acme');
    t.same([acme.rating_status, acme.routing_weight], ['active', 1]);
    const [recovered] = await eventsOf('supplier.recovered');
    t.same([recovered?.supplier_id, recovered?.week_start], ['sup_acme', W]);
    const ratings = (await ctx.request({ method: 'GET', url: '/v1/suppliers/sup_acme/ratings' })).json();
    t.same(ratings.firings.map((f: any) => f.action), ['recover', 'demote']);
    t.equal(ratings.inquiries[0].status, 'closed', 'recovery closes the inquiry');
  });

  t.test('bad input and roles', async (t) => {
    t.equal((await ctx.request({ method: 'POST', url: `/v1/ratings/run?week=${W}` })).statusCode, 401, 'a seller key is not the admin token');
    const notMonday = await run(addWeeks(W, 0).replace(/\d\d$/, (d) => String(Number(d) + 1).padStart(2, '0')));
    t.equal(notMonday.statusCode, 400);
    t.equal(notMonday.json().errors[0].field, 'week');
    const future = await run(addWeeks(W, 1));
    t.equal(future.statusCode, 400, 'the current week has not ended');
    t.equal((await ctx.request({ method: 'POST', url: '/v1/ratings/run?week=2026-01-05&extra=1', key: ADMIN_TOKEN })).statusCode, 400);
    t.equal((await ctx.request({ method: 'GET', url: '/v1/suppliers/sup_nobody/ratings' })).statusCode, 404);
  });

  t.test('GET/PUT /v1/rating-rules', async (t) => {
    const defaults = await ctx.request({ method: 'GET', url: '/v1/rating-rules' });
    t.same(defaults.json(), { on_time_threshold: 0.85, consecutive_weeks: 2, min_outcomes: 5, demotion_weight: 0.8, open_backup_inquiry: true });
    const bad = await ctx.request({ method: 'PUT', url: '/v1/rating-rules', payload: { on_time_threshold: 2 } });
    t.equal(bad.statusCode, 400);
    t.match(bad.body, /on_time_threshold/);
    t.equal((await ctx.request({ method: 'PUT', url: '/v1/rating-rules', payload: { surprise: true } })).statusCode, 400, 'unknown fields refused');
    const ops = (await ctx.app.services.sellers.createApiKey('sel_demo', 'ops', 'ops key')).key;
    t.equal((await ctx.request({ method: 'PUT', url: '/v1/rating-rules', key: ops, payload: { min_outcomes: 3 } })).statusCode, 403);
    t.equal((await ctx.request({ method: 'GET', url: '/v1/rating-rules', key: ops })).statusCode, 200, 'every role may read');
    const put = await ctx.request({ method: 'PUT', url: '/v1/rating-rules', payload: { min_outcomes: 3, on_time_threshold: 0.9 } });
    t.equal(put.statusCode, 200, put.body);
    t.same([put.json().min_outcomes, put.json().on_time_threshold, put.json().consecutive_weeks], [3, 0.9, 2]);
    t.same((await ctx.request({ method: 'GET', url: '/v1/rating-rules' })).json(), put.json());
  });
});
