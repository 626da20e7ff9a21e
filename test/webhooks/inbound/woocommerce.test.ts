import t from 'tap';
import { build } from '../../helper.js';
import { signBodyHmac } from '../../../src/webhooks/inbound/signatures.js';
import { fixture, ordersFor, outcomes, platformEvents, sendWoo, WOO_SECRET } from './helpers.js';

/** The fixture as WooCommerce would send it for another order id or status: edited as text, slashes stay escaped. */
function wooBody(opts: { id?: number; status?: string; modified?: string } = {}) {
  let text = fixture('woocommerce/order-created-pending.json').toString('utf8');
  if (opts.id) text = text.replace('"id":727,"parent_id"', `"id":${opts.id},"parent_id"`);
  if (opts.status) {
    text = text.replace('"status":"pending"', `"status":"${opts.status}"`);
    if (opts.status === 'processing' || opts.status === 'completed') text = text.replace('"date_paid":null', '"date_paid":"2024-03-22T16:30:00"');
  }
  if (opts.modified) text = text.replace('"date_modified":"2024-03-22T16:28:02"', `"date_modified":"${opts.modified}"`);
  return Buffer.from(text);
}

t.test('WooCommerce webhooks', async (t) => {
  const ctx = await build(t);
  const seller = 'sel_demo';

  t.test('connect: unpaid orders wait for payment by default', async (t) => {
    const res = await ctx.request({ method: 'PUT', url: '/v1/integrations/woocommerce', payload: { secret: WOO_SECRET } });
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json(), { platform: 'woocommerce', promise_on: 'paid', webhook_path: `/webhooks/woocommerce/${seller}`, secret_count: 1 });
    t.notMatch(res.body, WOO_SECRET);
  });

  t.test('the ping sent when the webhook is saved is answered 200 and not stored', async (t) => {
    for (const headers of [{ 'content-type': 'application/x-www-form-urlencoded' }, {}]) {
      const res = await ctx.app.inject({ method: 'POST', url: `/webhooks/woocommerce/${seller}`, payload: 'webhook_id=3', headers: { 'user-agent': 'WooCommerce/8.9.1 Hookshot (WordPress/6.5.2)', ...headers } });
      t.equal(res.statusCode, 200, res.body);
      t.match(res.json(), { received: true, outcome: 'ping' });
    }
    t.equal(outcomes(ctx, 'woocommerce', 'ping'), 2);
    const unknown = await ctx.app.inject({ method: 'POST', url: '/webhooks/woocommerce/sel_nobody', payload: 'webhook_id=3', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    t.equal(unknown.statusCode, 404, 'a ping to a URL no seller owns fails, so the store owner notices');
    t.equal((await platformEvents(ctx)).length, 0);
  });

  t.test('refusals: 401 for a missing or wrong signature, 404 for an unknown seller, 400 for a malformed body; nothing stored', async (t) => {
    const body = wooBody();
    const unescaped = Buffer.from(body.toString('utf8').replace(/\\\//g, '/'));
    const cases = [
      { name: 'missing signature', res: () => sendWoo(ctx, seller, body, { signature: null }), status: 401, outcome: 'missing_signature' },
      { name: 'wrong secret', res: () => sendWoo(ctx, seller, body, { secret: 'not-it' }), status: 401, outcome: 'bad_signature' },
      { name: 'signature of the re-serialized body (slashes unescaped)', res: () => sendWoo(ctx, seller, body, { signature: signBodyHmac(unescaped, WOO_SECRET) }), status: 401, outcome: 'bad_signature' },
      { name: 'garbage signature', res: () => sendWoo(ctx, seller, body, { signature: 'abc' }), status: 401, outcome: 'bad_signature' },
      { name: 'unknown seller', res: () => sendWoo(ctx, 'sel_nobody', body), status: 404, outcome: 'unknown_seller' },
      { name: 'not JSON', res: () => sendWoo(ctx, seller, Buffer.from('{"id":727')), status: 400, outcome: 'malformed' },
      { name: 'not an order', res: () => sendWoo(ctx, seller, Buffer.from('{"id":727,"status":"pending"}')), status: 400, outcome: 'malformed' },
    ];
    for (const c of cases) {
      const before = outcomes(ctx, 'woocommerce', c.outcome);
      const res = await c.res();
      t.equal(res.statusCode, c.status, `${c.name}: ${res.body}`);
      t.match(res.headers['content-type'], /application\/problem\+json/);
      t.equal(outcomes(ctx, 'woocommerce', c.outcome), before + 1, `${c.name} counted`);
    }
    t.equal((await platformEvents(ctx)).length, 0);
  });

  t.test('order.created unpaid is held; order.updated paid promises it, once', async (t) => {
    const created = await sendWoo(ctx, seller, wooBody(), { topic: 'order.created' });
    t.equal(created.statusCode, 200, created.body);
    t.match(created.json(), { outcome: 'accepted', status: 'processed', order_id: null, reason: 'held until paid (WooCommerce status pending)' });
    t.equal((await ordersFor(ctx, '727')).length, 0, 'no promise for an unpaid order');
    const link = await ctx.deps.db.selectFrom('platform_orders').selectAll().where('external_ref', '=', '727').executeTakeFirstOrThrow();
    t.equal(link.status, 'held');

    const retried = await sendWoo(ctx, seller, wooBody(), { topic: 'order.created' });
    t.match(retried.json(), { outcome: 'duplicate' }, 'the same bytes again are a duplicate');
    const edited = await sendWoo(ctx, seller, wooBody({ modified: '2024-03-22T16:29:00' }), { topic: 'order.updated' });
    t.match(edited.json(), { outcome: 'accepted', status: 'processed', order_id: null }, 'same delivery id, other body: a new delivery (still unpaid, still held)');

    const paid = await sendWoo(ctx, seller, wooBody({ status: 'processing' }), { topic: 'order.updated' });
    t.equal(paid.statusCode, 200, paid.body);
    t.match(paid.json(), { outcome: 'accepted', status: 'processed', order_id: /^ord_/ });
    const order = (await ctx.request({ method: 'GET', url: `/v1/orders/${paid.json().order_id}` })).json();
    t.equal(order.status, 'promised');
    t.equal(order.external_id, '727');
    t.match(order.ship_to, { name: 'João Silva', line1: '350 5th Ave', postal_code: '10118', country: 'US' });
    t.same(order.lines, [{ sku: 'MUG-001', quantity: 2, unit_price_minor: 1800 }]);

    const completed = await sendWoo(ctx, seller, wooBody({ status: 'completed' }), { topic: 'order.updated' });
    t.match(completed.json(), { status: 'processed', order_id: order.id, reason: 'already placed' });
    t.equal((await ordersFor(ctx, '727')).length, 1, 'one order however many updates');
  });

  t.test('the same paid delivery 5 times at once: one order, every delivery 200', async (t) => {
    const body = wooBody({ id: 9001, status: 'processing' });
    const results = await Promise.all(Array.from({ length: 5 }, () => sendWoo(ctx, seller, body, { topic: 'order.updated' })));
    t.same(results.map((r) => r.statusCode), [200, 200, 200, 200, 200]);
    t.equal((await ordersFor(ctx, '9001')).length, 1);
  });

  t.test('order.updated to cancelled cancels the placed order', async (t) => {
    const [order] = await ordersFor(ctx, '9001');
    const res = await sendWoo(ctx, seller, wooBody({ id: 9001, status: 'cancelled' }), { topic: 'order.updated' });
    t.match(res.json(), { status: 'processed', order_id: order!.id });
    t.equal((await ctx.request({ method: 'GET', url: `/v1/orders/${order!.id}` })).json().status, 'cancelled');
  });

  t.test('a held order deleted in WooCommerce is never promised, even if later marked paid', async (t) => {
    await sendWoo(ctx, seller, wooBody({ id: 9002 }), { topic: 'order.created' });
    const deleted = await sendWoo(ctx, seller, Buffer.from('{"id":9002}'), { topic: 'order.deleted' });
    t.match(deleted.json(), { status: 'processed', reason: 'cancelled before Pledge placed it' });
    const paid = await sendWoo(ctx, seller, wooBody({ id: 9002, status: 'processing' }), { topic: 'order.updated' });
    t.match(paid.json(), { status: 'ignored' });
    t.equal((await ordersFor(ctx, '9002')).length, 0);
  });

  t.test('promise_on: created promises at once; other resources are acknowledged and ignored', async (t) => {
    const put = await ctx.request({ method: 'PUT', url: '/v1/integrations/woocommerce', payload: { secret: WOO_SECRET, promise_on: 'created' } });
    t.equal(put.json().promise_on, 'created');
    const res = await sendWoo(ctx, seller, wooBody({ id: 9003 }), { topic: 'order.created' });
    t.match(res.json(), { status: 'processed', order_id: /^ord_/ });
    const product = await sendWoo(ctx, seller, Buffer.from('{"id":93,"name":"Mug"}'), { topic: 'product.updated' });
    t.match(product.json(), { outcome: 'ignored' });
  });
});
