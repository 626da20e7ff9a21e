import t from 'tap';
import { ADMIN_TOKEN, build, orderBody } from '../helper.js';

t.test('partner credentials are encrypted at rest, never returned and never logged', async (t) => {
  const logLines: string[] = [];
  const ctx = await build(t, { logLines });
  const seller = (await ctx.request({ method: 'POST', url: '/v1/sellers', key: ADMIN_TOKEN, payload: { name: 'Secretive' } })).json();
  const key = seller.api_key.key;
  const sandbox = ctx.runtime.sandboxUrl!;
  const acme = ctx.sandbox.world.suppliers[0]!;
  const wh = ctx.sandbox.world.warehouses.find((w) => w.supplierId === acme.id)!;
  const ep = ctx.sandbox.world.carrierAccounts.find((c) => c.carrier === 'easypost')!;
  const secrets = [acme.apiKey, wh.apiKey, ep.apiKey];
  const post = (url: string, payload: unknown) => ctx.request({ method: 'POST', url, key, payload: payload as any });

  const supplier = (await post('/v1/suppliers', { name: 'Acme', base_url: sandbox + acme.path, credentials: { api_key: acme.apiKey } })).json();
  const warehouse = (await post('/v1/warehouses', { name: 'NJ', base_url: sandbox + wh.path, supplier_id: supplier.id, address: { country: 'US', region: 'NJ', postal_code: '08837' }, credentials: { api_key: wh.apiKey } })).json();
  const account = await post('/v1/carrier-accounts', { carrier: 'easypost', name: 'EP', base_url: sandbox + ep.path, credentials: { api_key: ep.apiKey } });
  await post('/v1/catalog/offers', { sku: 'S-MUG', supplier_id: supplier.id, supplier_sku: 'ACME-MUG-BLK-12', warehouse_id: warehouse.id, unit_cost_minor: 650, currency: 'USD', weight_grams: 450 });
  const order = (await ctx.placeOrder(orderBody({ lines: [{ sku: 'S-MUG', quantity: 1, unit_price_minor: 1800 }] }), { key })).json();
  t.equal(order.status, 'promised', 'the sealed credentials work for real calls');

  const listings = await Promise.all(['/v1/suppliers', '/v1/warehouses', '/v1/carrier-accounts'].map((url) => ctx.request({ method: 'GET', url, key })));
  const everything = [account.body, ...listings.map((r) => r.body)].join('\n');
  const rows = await ctx.deps.db.selectFrom('suppliers').select('credentials_sealed').where('seller_id', '=', seller.id).execute();
  t.match(rows[0]!.credentials_sealed, /^v1\./, 'sealed');
  t.ok(logLines.length > 10, 'logs were captured');
  for (const secret of secrets) {
    t.notOk(everything.includes(secret), 'never returned');
    t.notOk(rows[0]!.credentials_sealed!.includes(secret), 'not stored in clear');
    t.notOk(logLines.some((l) => l.includes(secret)), 'never logged');
  }
});
