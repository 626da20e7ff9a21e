import t from 'tap';
import { build, orderBody } from '../helper.js';

t.test('idempotency keys', async (t) => {
  const ctx = await build(t);
  const count = async () => (await ctx.deps.db.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

  t.test('missing key: 400, nothing stored', async (t) => {
    const before = await count();
    const res = await ctx.request({ method: 'POST', url: '/v1/orders', payload: orderBody() });
    t.equal(res.statusCode, 400);
    t.equal(res.headers['content-type'], 'application/problem+json');
    t.equal(res.json().code, 'IDEMPOTENCY_KEY_MISSING');
    t.equal(await count(), before);
  });

  t.test('same key, same body: the stored answer is replayed', async (t) => {
    const body = orderBody();
    const first = await ctx.placeOrder(body, { idempotencyKey: 'k-replay' });
    t.equal(first.statusCode, 201);
    const again = await ctx.placeOrder(body, { idempotencyKey: 'k-replay' });
    t.equal(again.statusCode, 201);
    t.equal(again.headers['idempotent-replayed'], 'true');
    t.same(again.json(), first.json());
    t.equal(ctx.sandbox.instructions({ orderId: first.json().id })[0]!.deliveries, 1, 'no second instruction');
  });

  t.test('same key, different body: 422', async (t) => {
    await ctx.placeOrder(orderBody({ external_id: 'a' }), { idempotencyKey: 'k-diff' });
    const before = await count();
    const res = await ctx.placeOrder(orderBody({ external_id: 'b' }), { idempotencyKey: 'k-diff' });
    t.equal(res.statusCode, 422);
    t.equal(res.json().code, 'IDEMPOTENCY_KEY_REUSED');
    t.equal(await count(), before);
  });

  t.test('same key while the first is in flight: 409; concurrent duplicates make one order', async (t) => {
    // Slow the supplier so the first request is still deciding when the duplicates arrive.
    ctx.sandbox.patchPartner('sup_acme', { latency_ms_median: 300, latency_ms_p99: 400 });
    t.teardown(() => void ctx.sandbox.patchPartner('sup_acme', { latency_ms_median: 40, latency_ms_p99: 250 }));
    const before = await count();
    const body = orderBody();
    const results = await Promise.all([0, 1, 2, 3].map(() => ctx.placeOrder(body, { idempotencyKey: 'k-race' })));
    const codes = results.map((r) => r.statusCode).sort();
    t.equal(codes.filter((c) => c === 201).length, 1, `one winner: ${codes}`);
    t.equal(codes.filter((c) => c === 409).length, 3);
    for (const r of results.filter((r) => r.statusCode === 409)) t.equal(r.json().code, 'IDEMPOTENCY_KEY_IN_FLIGHT');
    t.equal(await count(), before + 1, 'exactly one order');
    const after = await ctx.placeOrder(body, { idempotencyKey: 'k-race' });
    t.equal(after.statusCode, 201);
    t.equal(after.json().id, results.find((r) => r.statusCode === 201)!.json().id);
  });

  t.test('keys are scoped per seller', async (t) => {
    const admin = await ctx.request({ method: 'POST', url: '/v1/sellers', key: 'test-admin-token-0123456789', payload: { name: 'Other' } });
    t.equal(admin.statusCode, 201);
    const otherKey = admin.json().api_key.key;
    const mine = await ctx.placeOrder(orderBody(), { idempotencyKey: 'k-shared' });
    t.equal(mine.statusCode, 201);
    // The other seller has no catalog: its request with the same key is judged on its own (unknown SKU).
    const theirs = await ctx.placeOrder(orderBody({ external_id: 'other' }), { idempotencyKey: 'k-shared', key: otherKey });
    t.equal(theirs.statusCode, 422);
    t.equal(theirs.json().code, 'UNKNOWN_SKU');
  });

  t.test('a rejected request does not burn its key', async (t) => {
    const bad = await ctx.placeOrder(orderBody({ lines: [{ sku: 'NOPE', quantity: 1, unit_price_minor: 1 }] }), { idempotencyKey: 'k-retry' });
    t.equal(bad.statusCode, 422);
    const good = await ctx.placeOrder(orderBody(), { idempotencyKey: 'k-retry' });
    t.equal(good.statusCode, 201);
  });
});
