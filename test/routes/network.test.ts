import t from 'tap';
import { ADMIN_TOKEN, build, orderBody } from '../helper.js';

t.test('sellers, their networks and tenant isolation', async (t) => {
  const ctx = await build(t);

  t.test('only the admin token creates sellers; the key is shown once and works', async (t) => {
    const denied = await ctx.request({ method: 'POST', url: '/v1/sellers', payload: { name: 'Nope' } });
    t.equal(denied.statusCode, 401, 'a seller key is not the admin token');
    const created = await ctx.request({ method: 'POST', url: '/v1/sellers', key: ADMIN_TOKEN, payload: { name: 'Second Shop' } });
    t.equal(created.statusCode, 201);
    const { id, api_key } = created.json();
    t.match(api_key.key, /^pk_[A-Za-z0-9]{32}$/);
    const rows = await ctx.deps.db.selectFrom('api_keys').select(['key_hash', 'key_prefix']).where('seller_id', '=', id).execute();
    t.equal(rows.length, 1);
    t.not(rows[0]!.key_hash, api_key.key, 'stored hashed');
    t.equal((await ctx.request({ method: 'GET', url: '/v1/catalog', key: api_key.key })).json().data.length, 0);
  });

  t.test('a seller configures a supplier, warehouse, carrier account, offer and policy, then gets a promise', async (t) => {
    const seller = (await ctx.request({ method: 'POST', url: '/v1/sellers', key: ADMIN_TOKEN, payload: { name: 'Own Network' } })).json();
    const key = seller.api_key.key;
    const sandbox = ctx.runtime.sandboxUrl!;
    const world = ctx.sandbox.world;
    const post = (url: string, payload: unknown) => ctx.request({ method: 'POST', url, key, payload: payload as any });

    const supplier = await post('/v1/suppliers', { name: 'Acme', base_url: sandbox + world.suppliers[0]!.path, credentials: { api_key: world.suppliers[0]!.apiKey }, limits: { max_concurrency: 4, timeout_ms: 1500 } });
    t.equal(supplier.statusCode, 201, supplier.body);
    t.equal(supplier.json().has_credentials, true);
    t.notMatch(supplier.body, world.suppliers[0]!.apiKey, 'credentials are never returned');
    const wh = world.warehouses.find((w) => w.id === 'wh_acme_nj')!;
    const warehouse = await post('/v1/warehouses', {
      name: 'Edison',
      base_url: sandbox + wh.path,
      supplier_id: supplier.json().id,
      address: { country: 'US', region: 'NJ', postal_code: '08837', city: 'Edison' },
      credentials: { api_key: wh.apiKey },
    });
    t.equal(warehouse.statusCode, 201, warehouse.body);
    const ep = world.carrierAccounts.find((c) => c.carrier === 'easypost')!;
    const account = await post('/v1/carrier-accounts', { carrier: 'easypost', name: 'EasyPost', base_url: sandbox + ep.path, credentials: { api_key: ep.apiKey } });
    t.equal(account.statusCode, 201, account.body);
    const missingCreds = await post('/v1/carrier-accounts', { carrier: 'easypost', name: 'x', credentials: {} });
    t.equal(missingCreds.statusCode, 400);
    t.ok(missingCreds.json().errors.some((e: any) => e.field === 'credentials.api_key'));

    const offer = await post('/v1/catalog/offers', { sku: 'MY-MUG', supplier_id: supplier.json().id, supplier_sku: 'ACME-MUG-BLK-12', warehouse_id: warehouse.json().id, unit_cost_minor: 650, currency: 'USD', weight_grams: 450 });
    t.equal(offer.statusCode, 201, offer.body);
    const foreign = await post('/v1/catalog/offers', { sku: 'X', supplier_id: 'sup_acme', supplier_sku: 'X', warehouse_id: warehouse.json().id, unit_cost_minor: 1, currency: 'USD', weight_grams: 1 });
    t.equal(foreign.statusCode, 400, "another seller's supplier cannot be referenced");

    const catalog = (await ctx.request({ method: 'GET', url: '/v1/catalog', key })).json();
    t.same(catalog.data.map((s: any) => s.sku), ['MY-MUG']);

    const policy = (await ctx.request({ method: 'GET', url: '/v1/policy', key })).json();
    t.equal(policy.version, 1);
    const updated = await ctx.request({ method: 'PUT', url: '/v1/policy', key, payload: { ...policy, version: undefined, created_at: undefined, min_confidence: 0.5 } });
    t.equal(updated.statusCode, 200, updated.body);
    t.equal(updated.json().version, 2);

    const res = await ctx.placeOrder(orderBody({ lines: [{ sku: 'MY-MUG', quantity: 1, unit_price_minor: 1800 }] }), { key });
    t.equal(res.statusCode, 201, res.body);
    const order = res.json();
    t.equal(order.status, 'promised');
    t.equal(order.route.carrier_account, account.json().id);
    t.equal(order.policy_version, 2);
    t.equal(order.instruction.status, 'sent');

    t.test("another seller sees none of it", async (t) => {
      for (const url of [`/v1/orders/${order.id}`, `/v1/orders/${order.id}/decision`, `/v1/suppliers/${supplier.json().id}`, `/v1/warehouses/${warehouse.json().id}`]) {
        const other = await ctx.request({ method: 'GET', url });
        t.equal(other.statusCode, 404, url);
        t.equal(other.json().code, 'NOT_FOUND');
      }
      const list = (await ctx.request({ method: 'GET', url: '/v1/orders?limit=200' })).json();
      t.notOk(list.data.some((o: any) => o.id === order.id));
    });
  });

  t.test('the broken-promise cost: validated, carried over, scored on the next order but never reserved', async (t) => {
    const current = (await ctx.request({ method: 'GET', url: '/v1/policy' })).json();
    t.equal(current.broken_promise_cost_minor, 0, 'a new seller starts at 0');
    const { version: _v, created_at: _c, broken_promise_cost_minor: _b, ...body } = current;

    for (const bad of [-1, 12.5, '100']) {
      const res = await ctx.request({ method: 'PUT', url: '/v1/policy', payload: { ...body, broken_promise_cost_minor: bad } });
      t.equal(res.statusCode, 400, `refused: ${JSON.stringify(bad)}`);
      t.match(res.headers['content-type'], /application\/problem\+json/);
      t.match(JSON.stringify(res.json()), /broken_promise_cost_minor/, 'the problem names the field');
    }
    t.equal((await ctx.request({ method: 'GET', url: '/v1/policy' })).json().version, current.version, 'a refused update stores nothing');

    const set = await ctx.request({ method: 'PUT', url: '/v1/policy', payload: { ...body, broken_promise_cost_minor: 25_000 } });
    t.equal(set.statusCode, 200, set.body);
    t.equal(set.json().broken_promise_cost_minor, 25_000);
    const carried = await ctx.request({ method: 'PUT', url: '/v1/policy', payload: { ...body, min_confidence: 0.6 } });
    t.equal(carried.json().broken_promise_cost_minor, 25_000, 'omitted: the previous version carries over');

    const order = await ctx.placeOrder(orderBody());
    t.equal(order.statusCode, 201, order.body);
    const placed = order.json();
    t.equal(placed.policy_version, carried.json().version);
    const decision = (await ctx.request({ method: 'GET', url: `/v1/orders/${placed.id}/decision` })).json();
    const evaluated = decision.candidates.filter((c: any) => c.factors.probability > 0 && c.factors.probability < 1);
    t.ok(evaluated.length > 0, 'some routes were priced');
    for (const c of evaluated) {
      const f = c.factors;
      t.equal(f.expectedBrokenPromiseCostMinor, Math.round((1 - f.probability) * 25_000), `${c.supplierId}/${c.carrierAccountId}: priced at the policy's cost`);
      t.equal(f.score, f.landedCostMinor + f.expectedBreachCostMinor + f.expectedBrokenPromiseCostMinor, 'in the score');
    }
    if (placed.status === 'promised') {
      t.equal(placed.expected_breach_cost_minor, Math.round((1 - placed.confidence) * current.compensation_minor.late), 'the reserved exposure stays compensation only');
    }
  });

  t.test('partner URLs: a non-http URL is refused by validation', async (t) => {
    const res = await ctx.request({ method: 'POST', url: '/v1/suppliers', payload: { name: 'x', base_url: 'ftp://example.com' } });
    t.equal(res.statusCode, 400);
    t.ok(res.json().errors.some((e: any) => e.field === 'base_url'));
  });

  t.test('readiness and liveness', async (t) => {
    t.equal((await ctx.request({ method: 'GET', url: '/healthz', key: null })).statusCode, 200);
    const ready = await ctx.request({ method: 'GET', url: '/readyz', key: null });
    t.equal(ready.statusCode, 200);
    t.same(ready.json().checks, { database: 'ok', shared_state: 'ok' });
    const spec = (await ctx.request({ method: 'GET', url: '/openapi.json', key: null })).json();
    t.equal(spec.openapi, '3.1.0');
    t.ok(spec.paths['/v1/orders'].post);
  });
});
