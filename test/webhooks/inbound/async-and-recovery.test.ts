import t from 'tap';
import { build, orderBody } from '../../helper.js';
import { createSeller, ordersFor, sendStandard, STANDARD_SECRET } from './helpers.js';

t.test('the platform gets its answer before the promise is done; the promise finishes in the background', async (t) => {
  const ctx = await build(t);
  await ctx.request({ method: 'PUT', url: '/v1/integrations/standard', payload: { secret: STANDARD_SECRET } });
  // Every supplier answers slowly: the promise takes its full deadline.
  for (const id of ['sup_acme', 'sup_bolt', 'sup_coral']) ctx.sandbox.patchPartner(id, { latency_ms_median: 300, latency_ms_p99: 300 });
  t.teardown(() => {
    for (const id of ['sup_acme', 'sup_bolt', 'sup_coral']) ctx.sandbox.patchPartner(id, { latency_ms_median: 40, latency_ms_p99: 250 });
  });
  ctx.deps.platformWebhookAckMs = 50;
  t.teardown(() => void (ctx.deps.platformWebhookAckMs = undefined));

  const started = performance.now();
  const res = await sendStandard(ctx, 'sel_demo', JSON.stringify(orderBody({ external_id: 'slow-1' })));
  const tookMs = performance.now() - started;
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { outcome: 'accepted', status: 'received', order_id: null }, 'accepted durably, not yet promised');
  t.ok(tookMs < 700, `answered in ${Math.round(tookMs)} ms`);
  const event = await ctx.deps.db.selectFrom('platform_events').selectAll().where('external_ref', '=', 'slow-1').executeTakeFirstOrThrow();
  t.equal(event.status, 'received', 'the event was written before the work');

  await ctx.app.services.inbound.drain();
  const done = await ctx.deps.db.selectFrom('platform_events').selectAll().where('external_ref', '=', 'slow-1').executeTakeFirstOrThrow();
  t.equal(done.status, 'processed');
  const [order] = await ordersFor(ctx, 'slow-1');
  t.equal(done.order_id, order!.id, 'the order exists once the background work is drained');
});

t.test('an event left `received` by a crash is finished by the worker tick', async (t) => {
  const ctx = await build(t);
  const request = orderBody({ external_id: 'crashed-1' });
  // What accept() had written when the process died: the event, no order.
  await ctx.deps.db
    .insertInto('platform_events')
    .values({
      seller_id: 'sel_demo',
      platform: 'standard',
      dedupe_key: 'msg_crash_1',
      topic: 'order.create',
      external_ref: 'crashed-1',
      payload: JSON.stringify({ kind: 'place', request, idempotencyKey: 'standard:crashed-1' }),
      status: 'received',
      next_attempt_at: new Date(0),
    })
    .execute();
  // A second one whose worker still holds the lease is left alone.
  await ctx.deps.db
    .insertInto('platform_events')
    .values({
      seller_id: 'sel_demo',
      platform: 'standard',
      dedupe_key: 'msg_leased',
      topic: 'order.create',
      external_ref: 'leased-1',
      payload: JSON.stringify({ kind: 'place', request: orderBody({ external_id: 'leased-1' }), idempotencyKey: 'standard:leased-1' }),
      status: 'received',
      next_attempt_at: new Date(0),
      locked_until: new Date(Date.now() + 60_000),
    })
    .execute();

  t.equal(await ctx.app.services.inbound.tick(), 1, 'the crashed event is claimed, the leased one is not');
  t.equal(await ctx.app.services.inbound.tick(), 0);
  const ev = await ctx.deps.db.selectFrom('platform_events').selectAll().where('dedupe_key', '=', 'msg_crash_1').executeTakeFirstOrThrow();
  t.equal(ev.status, 'processed');
  t.equal(ev.attempts, 1);
  t.equal((await ordersFor(ctx, 'crashed-1')).length, 1);
  t.equal((await ordersFor(ctx, 'leased-1')).length, 0);
});

t.test('sellers cancel orders themselves: POST /v1/orders/:id/cancel', async (t) => {
  let crash = false;
  const ctx = await build(t, {
    faults: {
      afterCommit: () => {
        if (crash) throw new Error('simulated crash after commit');
      },
    },
  });

  const order = (await ctx.placeOrder(orderBody())).json();
  t.equal(order.instruction.status, 'sent');
  const res = await ctx.request({ method: 'POST', url: `/v1/orders/${order.id}/cancel`, payload: { reason: 'customer changed their mind' } });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { id: order.id, status: 'cancelled', cancel_reason: 'customer changed their mind', cancelled_at: String, instruction: { status: 'cancelled' } });
  t.same(ctx.sandbox.instructions({ orderId: order.id }).map((i) => i.status), ['cancelled'], 'the supplier was told');
  const again = await ctx.request({ method: 'POST', url: `/v1/orders/${order.id}/cancel` });
  t.equal(again.statusCode, 200, 'idempotent');
  t.equal(again.json().cancel_reason, 'customer changed their mind', 'the first reason stays');

  // An instruction still waiting in the outbox is stopped before it is ever sent.
  crash = true;
  const crashed = await ctx.placeOrder(orderBody({ external_id: 'pending-instr' }));
  crash = false;
  t.equal(crashed.statusCode, 500);
  const [pending] = await ordersFor(ctx, 'pending-instr');
  const cancelled = await ctx.request({ method: 'POST', url: `/v1/orders/${pending!.id}/cancel` });
  t.match(cancelled.json(), { status: 'cancelled', cancel_reason: 'cancelled by the seller', instruction: { status: 'cancelled' } });
  // The relay's only work now is the label voids the two cancellations queued (nothing was bought for this one).
  await ctx.app.services.relay.tick();
  t.equal((await ctx.request({ method: 'GET', url: `/v1/orders/${pending!.id}` })).json().instruction.label_void, 'not_bought');
  t.equal(ctx.sandbox.instructions({ orderId: pending!.id }).length, 0, 'the supplier never heard of it');
  const shipment = await ctx.deps.db.selectFrom('shipments').select('cancel_outcome').where('order_id', '=', pending!.id).executeTakeFirstOrThrow();
  t.equal(shipment.cancel_outcome, 'not_sent');

  const listed = (await ctx.request({ method: 'GET', url: `/v1/orders?limit=5` })).json();
  t.ok(listed.data.some((o: any) => o.status === 'cancelled'), 'cancelled orders render in lists');

  t.equal((await ctx.request({ method: 'POST', url: '/v1/orders/ord_nope/cancel' })).statusCode, 404);
  ctx.sandbox.patchPartner('sup_coral', { stock: 0 });
  const declined = (await ctx.placeOrder(orderBody({ lines: [{ sku: 'HOODIE-GRY-M', quantity: 1, unit_price_minor: 5000 }] }))).json();
  ctx.sandbox.patchPartner('sup_coral', { stock: null });
  t.equal(declined.status, 'declined');
  const conflict = await ctx.request({ method: 'POST', url: `/v1/orders/${declined.id}/cancel` });
  t.equal(conflict.statusCode, 409);
  t.equal(conflict.json().code, 'CONFLICT');

  const other = await createSeller(ctx, 'Someone else');
  t.equal((await ctx.request({ method: 'POST', url: `/v1/orders/${order.id}/cancel`, key: other.key })).statusCode, 404, "another seller's order does not exist for them");
  const finance = (await ctx.request({ method: 'POST', url: '/v1/api-keys', payload: { role: 'finance' } })).json().key;
  t.equal((await ctx.request({ method: 'POST', url: `/v1/orders/${order.id}/cancel`, key: finance })).statusCode, 403);
});
