import t from 'tap';
import { build, orderBody } from '../helper.js';

t.test('bad input is refused with problem+json naming the field, and changes nothing', async (t) => {
  const ctx = await build(t);
  const count = async () => (await ctx.deps.db.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
  const before = await count();

  const cases: { name: string; body: unknown; status: number; code: string; field?: string }[] = [
    { name: 'unknown top-level field', body: { ...orderBody(), colour: 'red' }, status: 400, code: 'VALIDATION_FAILED', field: 'colour' },
    { name: 'unknown nested field', body: orderBody({ ship_to: { ...orderBody().ship_to, floor: 3 } }), status: 400, code: 'VALIDATION_FAILED', field: 'ship_to.floor' },
    { name: 'zero quantity', body: orderBody({ lines: [{ sku: 'MUG-001', quantity: 0, unit_price_minor: 100 }] }), status: 400, code: 'VALIDATION_FAILED', field: 'lines[0].quantity' },
    { name: 'negative quantity', body: orderBody({ lines: [{ sku: 'MUG-001', quantity: -2, unit_price_minor: 100 }] }), status: 400, code: 'VALIDATION_FAILED', field: 'lines[0].quantity' },
    { name: 'fractional money', body: orderBody({ lines: [{ sku: 'MUG-001', quantity: 1, unit_price_minor: 12.5 }] }), status: 400, code: 'VALIDATION_FAILED', field: 'lines[0].unit_price_minor' },
    { name: 'money as a string', body: orderBody({ lines: [{ sku: 'MUG-001', quantity: 1, unit_price_minor: '1250' }] }), status: 400, code: 'VALIDATION_FAILED', field: 'lines[0].unit_price_minor' },
    { name: 'bad country code', body: orderBody({ ship_to: { ...orderBody().ship_to, country: 'XX' } }), status: 400, code: 'VALIDATION_FAILED', field: 'ship_to.country' },
    { name: 'lower-case country', body: orderBody({ ship_to: { ...orderBody().ship_to, country: 'us' } }), status: 400, code: 'VALIDATION_FAILED', field: 'ship_to.country' },
    { name: 'bad currency', body: orderBody({ currency: 'dollars' }), status: 400, code: 'VALIDATION_FAILED', field: 'currency' },
    { name: 'no lines', body: orderBody({ lines: [] }), status: 400, code: 'VALIDATION_FAILED', field: 'lines' },
    { name: 'missing ship_to', body: { external_id: 'x', currency: 'USD', lines: orderBody().lines }, status: 400, code: 'VALIDATION_FAILED', field: 'ship_to' },
    { name: 'past deliver_by', body: orderBody({ deliver_by: '2020-01-01T00:00:00Z' }), status: 400, code: 'VALIDATION_FAILED', field: 'deliver_by' },
    { name: 'garbage deliver_by', body: orderBody({ deliver_by: 'next tuesday' }), status: 400, code: 'VALIDATION_FAILED', field: 'deliver_by' },
    { name: 'unknown SKU', body: orderBody({ lines: [{ sku: 'NO-SUCH-SKU', quantity: 1, unit_price_minor: 100 }] }), status: 422, code: 'UNKNOWN_SKU', field: 'lines[0].sku' },
    { name: 'wrong currency for the seller', body: orderBody({ currency: 'EUR' }), status: 422, code: 'CURRENCY_MISMATCH', field: 'currency' },
  ];
  for (const c of cases) {
    const res = await ctx.placeOrder(c.body);
    t.equal(res.statusCode, c.status, `${c.name}: ${res.body}`);
    t.equal(res.headers['content-type'], 'application/problem+json', c.name);
    const problem = res.json();
    t.equal(problem.code, c.code, c.name);
    t.equal(problem.status, c.status, c.name);
    t.ok(problem.title && problem.detail && problem.type, `${c.name}: RFC 9457 members`);
    if (c.field) t.ok(problem.errors?.some((e: any) => e.field === c.field), `${c.name}: names ${c.field} in ${JSON.stringify(problem.errors)}`);
  }
  t.match((await ctx.placeOrder(orderBody({ lines: [{ sku: 'NO-SUCH-SKU', quantity: 1, unit_price_minor: 1 }] }))).json().detail, /NO-SUCH-SKU/);

  const big = await ctx.placeOrder({ ...orderBody(), external_id: 'x'.repeat(2 * 1024 * 1024) });
  t.equal(big.statusCode, 413);
  t.equal(big.json().code, 'PAYLOAD_TOO_LARGE');

  const notJson = await ctx.request({ method: 'POST', url: '/v1/orders', payload: '{"external_id":', headers: { 'content-type': 'application/json', 'idempotency-key': 'nj' } });
  t.equal(notJson.statusCode, 400);
  t.equal(notJson.headers['content-type'], 'application/problem+json');

  const noKey = await ctx.request({ method: 'POST', url: '/v1/orders', key: null, payload: orderBody(), headers: { 'idempotency-key': 'a' } });
  t.equal(noKey.statusCode, 401);
  t.equal(noKey.json().code, 'UNAUTHORIZED');
  const wrongKey = await ctx.request({ method: 'POST', url: '/v1/orders', key: 'pk_notarealkey000000000000000000', payload: { nonsense: true }, headers: { 'idempotency-key': 'a' } });
  t.equal(wrongKey.statusCode, 401, 'auth is checked before the body');

  t.equal(await count(), before, 'nothing was stored for any rejected request');
  const keys = await ctx.deps.db.selectFrom('idempotency_keys').selectAll().execute();
  t.same(keys, [], 'no idempotency key was consumed');

  const unknownRoute = await ctx.request({ method: 'GET', url: '/v1/nothing-here' });
  t.equal(unknownRoute.statusCode, 404);
  t.equal(unknownRoute.headers['content-type'], 'application/problem+json');
  const badQuery = await ctx.request({ method: 'GET', url: '/v1/orders?limit=0' });
  t.equal(badQuery.statusCode, 400);
  t.ok(badQuery.json().errors.some((e: any) => e.field === 'query.limit'));
});
