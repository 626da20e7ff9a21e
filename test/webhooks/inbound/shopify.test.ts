import t from 'tap';
import { build } from '../../helper.js';
import { signBodyHmac } from '../../../src/webhooks/inbound/signatures.js';
import { createSeller, fixture, newBigId, ordersFor, outcomes, platformEvents, sendShopify, SHOP, SHOPIFY_SECRET, shopifyOrderBody } from './helpers.js';

t.test('Shopify webhooks', async (t) => {
  const ctx = await build(t);

  t.test('a seller connects its shop; the secret is sealed and never returned', async (t) => {
    const res = await ctx.request({ method: 'PUT', url: '/v1/integrations/shopify', payload: { shop_domain: 'JSmith.myshopify.com', client_secret: SHOPIFY_SECRET } });
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json(), { platform: 'shopify', shop_domain: SHOP, webhook_path: '/webhooks/shopify', secret_count: 1 });
    t.notMatch(res.body, SHOPIFY_SECRET);
    const row = await ctx.deps.db.selectFrom('platform_integrations').selectAll().executeTakeFirstOrThrow();
    t.notMatch(row.secrets_sealed, SHOPIFY_SECRET, 'sealed at rest');
    const list = await ctx.request({ method: 'GET', url: '/v1/integrations' });
    t.notMatch(list.body, SHOPIFY_SECRET);
    t.equal(list.json().data.length, 1);

    const other = await createSeller(ctx, 'Other shop owner');
    const taken = await ctx.request({ method: 'PUT', url: '/v1/integrations/shopify', key: other.key, payload: { shop_domain: SHOP, client_secret: 'another-secret-123' } });
    t.equal(taken.statusCode, 409, 'one shop feeds one seller');
    t.equal(taken.json().code, 'CONFLICT');
    const bad = await ctx.request({ method: 'PUT', url: '/v1/integrations/shopify', key: other.key, payload: { shop_domain: 'https://evil.example', client_secret: 'another-secret-123' } });
    t.equal(bad.statusCode, 400);
    t.equal(bad.json().errors[0].field, 'shop_domain');
  });

  t.test('refusals are problem+json, counted, and store nothing', async (t) => {
    const body = fixture('shopify/orders-create.json');
    const cases: { name: string; send: () => ReturnType<typeof sendShopify>; status: number; outcome: string }[] = [
      { name: 'unknown shop', send: () => sendShopify(ctx, body, { shop: 'nobody.myshopify.com' }), status: 404, outcome: 'unknown_shop' },
      { name: 'no shop header', send: () => sendShopify(ctx, body, { shop: null }), status: 404, outcome: 'unknown_shop' },
      { name: 'missing signature', send: () => sendShopify(ctx, body, { hmac: null }), status: 401, outcome: 'missing_signature' },
      { name: 'signed with another secret', send: () => sendShopify(ctx, body, { secret: 'not-the-secret' }), status: 401, outcome: 'bad_signature' },
      { name: 'malformed signature', send: () => sendShopify(ctx, body, { hmac: '%%% not base64 %%%' }), status: 401, outcome: 'bad_signature' },
      { name: 'truncated signature', send: () => sendShopify(ctx, body, { hmac: signBodyHmac(body, SHOPIFY_SECRET).slice(0, 24) }), status: 401, outcome: 'bad_signature' },
      { name: 'signature of another body', send: () => sendShopify(ctx, Buffer.concat([body, Buffer.from(' ')]), { hmac: signBodyHmac(body, SHOPIFY_SECRET) }), status: 401, outcome: 'bad_signature' },
      { name: 'signed, but not JSON', send: () => sendShopify(ctx, Buffer.from('{"id": 820982911946154508,')), status: 400, outcome: 'malformed' },
      { name: 'signed JSON, not an order', send: () => sendShopify(ctx, Buffer.from('{"id": 820982911946154508, "currency": "USD"}')), status: 400, outcome: 'malformed' },
    ];
    for (const c of cases) {
      const before = outcomes(ctx, 'shopify', c.outcome);
      const res = await c.send();
      t.equal(res.statusCode, c.status, `${c.name}: ${res.body}`);
      t.match(res.headers['content-type'], /application\/problem\+json/, c.name);
      t.equal(outcomes(ctx, 'shopify', c.outcome), before + 1, `${c.name} counted as ${c.outcome}`);
    }
    t.equal((await platformEvents(ctx)).length, 0, 'nothing stored');
    t.equal((await ordersFor(ctx, '820982911946154508')).length, 0);
    const metrics = (await ctx.request({ method: 'GET', url: '/metrics', key: null })).body;
    t.match(metrics, /pledge_platform_webhooks_total\{outcome="bad_signature",platform="shopify"\} 4/);
    t.match(metrics, /pledge_platform_webhooks_total\{outcome="malformed",platform="shopify"\} 2/);
  });

  let orderId = '';
  t.test("orders/create from Shopify's sample payload: one order, ids exact, only the lines that ship", async (t) => {
    const res = await sendShopify(ctx, fixture('shopify/orders-create.json'), { eventId: 'evt-sample-1' });
    t.equal(res.statusCode, 200, res.body);
    const ack = res.json();
    t.match(ack, { received: true, outcome: 'accepted', status: 'processed', order_id: /^ord_/ });
    orderId = ack.order_id;
    const order = (await ctx.request({ method: 'GET', url: `/v1/orders/${orderId}` })).json();
    t.equal(order.external_id, '820982911946154508', 'the id above 2^53 arrives exact');
    t.equal(order.status, 'promised');
    t.same(order.lines, [{ sku: 'MUG-001', quantity: 2, unit_price_minor: 1800 }], 'gift card and shipping protection skipped; the two mug lines merged');
    t.match(order.ship_to, { name: 'Steve Shipper', postal_code: '40003', region: 'KY', country: 'US' });
    t.equal(ctx.sandbox.instructions({ orderId }).length, 1, 'one drop-ship instruction');
    const [event] = await platformEvents(ctx);
    t.match(event, { platform: 'shopify', topic: 'orders/create', external_ref: '820982911946154508', status: 'processed', order_id: orderId, dedupe_key: `${SHOP}|orders/create|evt-sample-1` });
    t.notMatch(JSON.stringify(event!.payload), /gift_card|admin_graphql_api_id/, 'the raw payload is not kept, only the mapped order');
  });

  t.test('the same delivery 5 times at once: one order, every delivery 200', async (t) => {
    const id = newBigId();
    const body = shopifyOrderBody(id);
    const results = await Promise.all(Array.from({ length: 5 }, () => sendShopify(ctx, body, { eventId: `evt-${id}` })));
    t.same(results.map((r) => r.statusCode), [200, 200, 200, 200, 200]);
    t.same(results.map((r) => r.json().outcome).sort(), ['accepted', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    t.equal((await ordersFor(ctx, id)).length, 1, 'one order');
    t.equal((await platformEvents(ctx)).filter((e) => e.external_ref === id).length, 1, 'one event');
  });

  t.test('the same order under new event ids (Shopify re-sends), concurrently and later: one order', async (t) => {
    const id = newBigId();
    const body = shopifyOrderBody(id);
    const results = await Promise.all([1, 2, 3].map((n) => sendShopify(ctx, body, { eventId: `evt-${id}-${n}` })));
    t.same(results.map((r) => r.statusCode), [200, 200, 200]);
    const orders = await ordersFor(ctx, id);
    t.equal(orders.length, 1, 'one order for three events');
    t.same(new Set(results.map((r) => r.json().order_id)), new Set([orders[0]!.id]), 'every event points at it');
    const later = await sendShopify(ctx, body, { eventId: `evt-${id}-4`, headerStyle: 'plain' });
    t.match(later.json(), { outcome: 'accepted', status: 'processed', order_id: orders[0]!.id, reason: 'already placed' }, 'the newer header names work too');
    t.equal(ctx.sandbox.instructions({ orderId: orders[0]!.id }).length, 1);
  });

  t.test('orders that cannot ship are acknowledged and recorded as ignored with the reason', async (t) => {
    const noAddress = shopifyOrderBody(newBigId(), (x) => x.replace(/"shipping_address": \{[^}]*\}/, '"shipping_address": null'));
    const a = await sendShopify(ctx, noAddress);
    t.equal(a.statusCode, 200);
    t.match(a.json(), { outcome: 'declined', status: 'ignored', order_id: null, reason: /no shipping address/ });

    const unknownId = newBigId();
    const unknownSku = shopifyOrderBody(unknownId, (x) => x.replaceAll('"sku": "MUG-001"', '"sku": "NOT-IN-CATALOG"'));
    const b = await sendShopify(ctx, unknownSku);
    t.equal(b.statusCode, 200);
    t.match(b.json(), { outcome: 'accepted', status: 'ignored', order_id: null, reason: /^UNKNOWN_SKU: .*NOT-IN-CATALOG/ });
    t.equal((await ordersFor(ctx, unknownId)).length, 0);
    const again = await sendShopify(ctx, unknownSku);
    t.match(again.json(), { status: 'ignored' }, 'a re-send is ignored the same way, not retried forever');

    const listed = (await ctx.request({ method: 'GET', url: '/v1/integrations/events?status=ignored&platform=shopify' })).json().data;
    t.ok(listed.length >= 3);
    t.ok(listed.some((e: any) => e.external_ref === unknownId && /UNKNOWN_SKU/.test(e.reason)), 'the seller sees why');
  });

  t.test('topics Pledge does not handle are acknowledged and not stored', async (t) => {
    const before = (await platformEvents(ctx)).length;
    const res = await sendShopify(ctx, fixture('shopify/orders-create.json'), { topic: 'orders/updated' });
    t.equal(res.statusCode, 200);
    t.match(res.json(), { outcome: 'ignored', event_id: null });
    t.equal((await platformEvents(ctx)).length, before);
  });

  t.test('orders/cancelled cancels the order and its instruction at the supplier', async (t) => {
    const res = await sendShopify(ctx, fixture('shopify/orders-cancelled.json'), { topic: 'orders/cancelled' });
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json(), { outcome: 'accepted', status: 'processed', order_id: orderId });
    const order = (await ctx.request({ method: 'GET', url: `/v1/orders/${orderId}` })).json();
    t.equal(order.status, 'cancelled');
    t.equal(order.cancel_reason, 'cancelled in Shopify (customer)');
    t.equal(order.instruction.status, 'cancelled');
    t.same(ctx.sandbox.instructions({ orderId }).map((i) => i.status), ['cancelled'], 'the supplier cancelled it');
    const outcome = await ctx.deps.db.selectFrom('shipments').select('cancel_outcome').where('order_id', '=', orderId).execute();
    t.same(outcome, [{ cancel_outcome: 'cancelled' }]);
    const cancelled = await ctx.deps.db.selectFrom('milestones').select('details').where('order_id', '=', orderId).where('type', '=', 'cancelled').execute();
    t.match(cancelled, [{ details: { cancelled_by: 'platform' } }], 'the ledger says the platform cancelled it');

    const resend = await sendShopify(ctx, fixture('shopify/orders-create.json'), { eventId: 'evt-sample-late-resend' });
    t.match(resend.json(), { status: 'ignored', reason: 'already placed, and since cancelled on the platform' }, 'a late re-send does not revive it');
  });

  t.test('a cancellation that arrives before the order: the order is never placed', async (t) => {
    const id = newBigId();
    const cancel = await sendShopify(ctx, Buffer.from(`{"id":${id},"cancel_reason":"fraud"}`), { topic: 'orders/cancelled' });
    t.match(cancel.json(), { outcome: 'accepted', status: 'processed', order_id: null, reason: 'cancelled before Pledge placed it' });
    const create = await sendShopify(ctx, shopifyOrderBody(id));
    t.match(create.json(), { outcome: 'accepted', status: 'ignored', reason: 'cancelled on the platform before Pledge placed it' });
    t.equal((await ordersFor(ctx, id)).length, 0);
  });

  t.test('secret rotation: the previous client secret is accepted until removed', async (t) => {
    const rotated = 'shpss_new_secret_abcdefabcdefabcdef';
    const put = await ctx.request({ method: 'PUT', url: '/v1/integrations/shopify', payload: { shop_domain: SHOP, client_secret: rotated, previous_client_secret: SHOPIFY_SECRET } });
    t.equal(put.json().secret_count, 2);
    t.equal((await sendShopify(ctx, shopifyOrderBody(newBigId()), { secret: SHOPIFY_SECRET })).statusCode, 200);
    t.equal((await sendShopify(ctx, shopifyOrderBody(newBigId()), { secret: rotated })).statusCode, 200);
    await ctx.request({ method: 'PUT', url: '/v1/integrations/shopify', payload: { shop_domain: SHOP, client_secret: rotated } });
    t.equal((await sendShopify(ctx, shopifyOrderBody(newBigId()), { secret: SHOPIFY_SECRET })).statusCode, 401);
    await ctx.request({ method: 'PUT', url: '/v1/integrations/shopify', payload: { shop_domain: SHOP, client_secret: SHOPIFY_SECRET } });
  });
});
