import t, { type Test } from 'tap';
import { createDeliveryWorker } from '../../../src/webhooks/outbound/delivery-worker.js';
import { createEndpointService } from '../../../src/webhooks/outbound/endpoint-service.js';
import { build, orderBody, type TestContext } from '../../helper.js';
import { startReceiver, verifies } from './receiver.js';

type Endpoint = { id: string; secret: string; url: string };

async function createEndpoint(t: Test, ctx: TestContext, url: string, events: string[]): Promise<Endpoint> {
  const res = await ctx.request({ method: 'POST', url: '/v1/webhook-endpoints', payload: { url, events } });
  t.equal(res.statusCode, 201, res.body);
  const endpoint = res.json() as Endpoint;
  // Each subtest's endpoint goes away after it, so it never receives the next subtest's events.
  t.teardown(async () => void (await ctx.request({ method: 'DELETE', url: `/v1/webhook-endpoints/${endpoint.id}` })));
  return endpoint;
}

async function placePromisedOrder(t: Test, ctx: TestContext) {
  const res = await ctx.placeOrder(orderBody());
  t.equal(res.statusCode, 201, res.body);
  const order = res.json();
  t.equal(order.status, 'promised');
  if (order.instruction.status !== 'sent') await ctx.app.services.relay.tick();
  return order;
}

const deliveriesOf = async (ctx: TestContext, endpointId: string) =>
  (await ctx.request({ method: 'GET', url: `/v1/webhook-deliveries?endpoint_id=${endpointId}` })).json().data as any[];

/** Makes every waiting retry due now, as the relay tests do for the outbox. */
const makeRetriesDue = (ctx: TestContext) =>
  ctx.deps.db.updateTable('webhook_deliveries').set({ next_attempt_at: new Date(Date.now() - 1000) }).where('status', '=', 'pending').execute();

t.test('seller webhooks: delivery, retries, rotation, redelivery', async (t) => {
  const ctx = await build(t);
  const worker = ctx.app.services.webhooks.worker;

  t.test('an order yields order.promised then instruction.sent, signed per Standard Webhooks', async (t) => {
    const receiver = await startReceiver(t);
    const endpoint = await createEndpoint(t, ctx, receiver.url, ['order.promised', 'order.declined', 'instruction.sent']);
    const order = await placePromisedOrder(t, ctx);
    t.equal(receiver.received.length, 0, 'nothing is sent on the order path');

    t.equal(await worker.tick(), 2);
    t.same(
      receiver.received.map((r) => JSON.parse(r.body).type),
      ['order.promised', 'instruction.sent'],
    );
    for (const r of receiver.received) {
      t.ok(verifies(endpoint.secret, r), 'the signature verifies with the endpoint secret');
      t.match(r.headers['webhook-id'], /^evt_[0-9a-f]{32}$/);
      t.equal(r.headers['content-type'], 'application/json');
      t.ok(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000) < 300, 'webhook-timestamp is unix seconds, now');
      t.notOk(verifies(endpoint.secret, { ...r, body: r.body.replace('"data"', '"data" ') }), 'a changed body does not verify');
    }
    const [promised, sent] = receiver.received.map((r) => JSON.parse(r.body));
    t.same(Object.keys(promised), ['type', 'timestamp', 'data']);
    t.match(promised.data, { order_id: order.id, external_id: order.external_id, deliver_by: order.deliver_by, currency: 'USD', landed_cost_minor: order.landed_cost_minor });
    t.equal(promised.data.shipments.length, 1);
    t.equal(promised.data.shipments[0].shipment_id, order.shipments?.[0]?.id ?? promised.data.shipments[0].shipment_id);
    t.match(sent.data, { order_id: order.id, supplier_order_ref: order.instruction.supplier_order_ref, tracking_number: order.instruction.tracking_number });
    t.ok(Date.parse(promised.timestamp) <= Date.parse(sent.timestamp), 'event timestamps in causal order');
    t.not(receiver.received[0]!.headers['webhook-id'], receiver.received[1]!.headers['webhook-id'], 'one id per event');

    const deliveries = await deliveriesOf(ctx, endpoint.id);
    t.equal(deliveries.length, 2);
    for (const d of deliveries) {
      t.equal(d.status, 'delivered');
      t.equal(d.attempts.length, 1);
      t.equal(d.attempts[0].status_code, 200);
      t.ok(Number.isInteger(d.attempts[0].latency_ms) && d.attempts[0].latency_ms >= 0);
      t.ok(d.delivered_at);
    }
    t.equal(await worker.tick(), 0, 'nothing left to send');

    const soon = new Date(Date.now() + 60 * 60_000).toISOString();
    const declined = (await ctx.placeOrder(orderBody({ deliver_by: soon }))).json();
    t.equal(declined.status, 'declined');
    t.equal(await worker.tick(), 1);
    const body = JSON.parse(receiver.received[2]!.body);
    t.equal(body.type, 'order.declined');
    t.match(body.data, { order_id: declined.id, code: declined.code });
    t.ok(Array.isArray(body.data.reasons));
  });

  t.test('an endpoint that fails twice then recovers gets the same webhook-id three times', async (t) => {
    const receiver = await startReceiver(t, [500, 503]);
    const endpoint = await createEndpoint(t, ctx, receiver.url, ['order.promised']);
    await placePromisedOrder(t, ctx);

    t.equal(await worker.tick(), 1);
    let [delivery] = await deliveriesOf(ctx, endpoint.id);
    t.equal(delivery.status, 'pending');
    t.equal(delivery.last_status_code, 500);
    t.ok(Date.parse(delivery.next_attempt_at) > Date.now(), 'the retry waits its backoff');
    t.equal(await worker.tick(), 0, 'not due yet');

    await makeRetriesDue(ctx);
    t.equal(await worker.tick(), 1);
    await makeRetriesDue(ctx);
    t.equal(await worker.tick(), 1);

    t.equal(receiver.received.length, 3);
    const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
    t.equal(ids.size, 1, 'the same webhook-id on every attempt');
    t.equal(new Set(receiver.received.map((r) => r.body)).size, 1, 'the same bytes on every attempt');
    t.ok(receiver.received.every((r) => verifies(endpoint.secret, r)));

    [delivery] = await deliveriesOf(ctx, endpoint.id);
    t.equal(delivery.status, 'delivered');
    t.equal(delivery.event.id, [...ids][0]);
    t.same(
      delivery.attempts.map((a: any) => a.status_code),
      [500, 503, 200],
    );
    t.same(
      delivery.attempts.map((a: any) => a.error),
      ['endpoint answered HTTP 500', 'endpoint answered HTTP 503', null],
    );
    t.equal(delivery.next_attempt_at, null);

    const metrics = (await ctx.request({ method: 'GET', url: '/metrics', key: null })).body;
    t.match(metrics, /pledge_webhook_attempts_total\{outcome="retry"\} \d+/);
    t.match(metrics, /pledge_webhook_attempts_total\{outcome="delivered"\} \d+/);
  });

  t.test('during a rotation deliveries carry two signatures; overlap 0 drops the old secret', async (t) => {
    const receiver = await startReceiver(t);
    const endpoint = await createEndpoint(t, ctx, receiver.url, ['order.promised']);
    const rotated = await ctx.request({ method: 'POST', url: `/v1/webhook-endpoints/${endpoint.id}/rotate-secret` });
    t.equal(rotated.statusCode, 200, rotated.body);
    const second = rotated.json();
    t.match(second.secret, /^whsec_/);
    t.not(second.secret, endpoint.secret);
    const overlapH = (Date.parse(second.previous_secret_expires_at) - Date.now()) / 3_600_000;
    t.ok(overlapH > 23.9 && overlapH <= 24, 'the old secret keeps signing for 24 h');

    await placePromisedOrder(t, ctx);
    await worker.tick();
    const during = receiver.received[0]!;
    const signatures = String(during.headers['webhook-signature']).split(' ');
    t.equal(signatures.length, 2, 'two signatures');
    t.ok(verifies(second.secret, { ...during, headers: { ...during.headers, 'webhook-signature': signatures[0] } }), 'the first is the new secret');
    t.ok(verifies(endpoint.secret, { ...during, headers: { ...during.headers, 'webhook-signature': signatures[1] } }), 'the second is the old one');

    const revoked = await ctx.request({ method: 'POST', url: `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, payload: { overlap_seconds: 0 } });
    t.equal(revoked.statusCode, 200, revoked.body);
    const third = revoked.json();
    t.equal(third.previous_secret_expires_at, null);
    await placePromisedOrder(t, ctx);
    await worker.tick();
    const after = receiver.received[1]!;
    t.equal(String(after.headers['webhook-signature']).split(' ').length, 1);
    t.ok(verifies(third.secret, after));
    t.notOk(verifies(second.secret, after));
    t.notOk(verifies(endpoint.secret, after));
  });

  t.test('redeliver sends the same event again; in flight is a conflict, unknown is 404', async (t) => {
    const receiver = await startReceiver(t);
    const endpoint = await createEndpoint(t, ctx, receiver.url, ['order.promised']);
    await placePromisedOrder(t, ctx);
    await worker.tick();
    const [delivered] = await deliveriesOf(ctx, endpoint.id);
    t.equal(delivered.status, 'delivered');

    const res = await ctx.request({ method: 'POST', url: `/v1/webhook-deliveries/${delivered.id}/redeliver` });
    t.equal(res.statusCode, 202, res.body);
    t.match(res.json(), { id: delivered.id, status: 'pending', attempt_count: 0 });
    t.equal(await worker.tick(), 1);
    t.equal(receiver.received.length, 2);
    t.equal(receiver.received[1]!.headers['webhook-id'], receiver.received[0]!.headers['webhook-id'], 'same webhook-id');
    t.equal(receiver.received[1]!.body, receiver.received[0]!.body, 'same body');
    t.ok(verifies(endpoint.secret, receiver.received[1]!));
    const again = (await ctx.request({ method: 'GET', url: `/v1/webhook-deliveries/${delivered.id}` })).json();
    t.equal(again.status, 'delivered');
    t.equal(again.attempts.length, 2, 'both attempts are in the log');

    await ctx.deps.db.updateTable('webhook_deliveries').set({ status: 'pending', locked_until: new Date(Date.now() + 60_000) }).where('id', '=', delivered.id).execute();
    const busy = await ctx.request({ method: 'POST', url: `/v1/webhook-deliveries/${delivered.id}/redeliver` });
    t.equal(busy.statusCode, 409);
    t.equal(busy.json().code, 'CONFLICT');
    await ctx.deps.db.updateTable('webhook_deliveries').set({ status: 'delivered', locked_until: null }).where('id', '=', delivered.id).execute();

    const missing = await ctx.request({ method: 'POST', url: '/v1/webhook-deliveries/whd_00000000000000000000000000000000/redeliver' });
    t.equal(missing.statusCode, 404);
    t.match(missing.headers['content-type'], /^application\/problem\+json/);
  });

  t.test('a hanging endpoint does not slow POST /v1/orders', async (t) => {
    const receiver = await startReceiver(t, ['hang', 'hang', 'hang']);
    await createEndpoint(t, ctx, receiver.url, ['order.promised', 'instruction.sent']);
    worker.start(10); // the real background loop
    t.teardown(async () => {
      await receiver.close(); // the hung request fails now instead of at its timeout
      await worker.close();
    });
    await placePromisedOrder(t, ctx);
    for (let i = 0; i < 200 && receiver.hanging.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    t.equal(receiver.hanging.length, 1, 'the worker is stuck on the hanging endpoint');

    const started = performance.now();
    const res = await ctx.placeOrder(orderBody());
    const elapsedMs = performance.now() - started;
    t.equal(res.statusCode, 201);
    t.equal(res.json().status, 'promised');
    t.equal(receiver.hanging.length, 1, 'the order was answered while the delivery still hangs');
    t.ok(receiver.hanging[0]!.writableEnded === false, 'that request is still open');
    // The order path never waits on delivery; the bound is the attempt timeout (10 s), far above an order's time.
    t.ok(elapsedMs < 5_000, `order answered in ${Math.round(elapsedMs)} ms`);
  });

  t.test('deleting an endpoint ends its pending deliveries', async (t) => {
    const receiver = await startReceiver(t, [500]);
    const created = await ctx.request({ method: 'POST', url: '/v1/webhook-endpoints', payload: { url: receiver.url, events: ['order.promised'] } });
    const endpoint = created.json();
    await placePromisedOrder(t, ctx);
    t.equal(await worker.tick(), 1);
    t.equal((await ctx.request({ method: 'DELETE', url: `/v1/webhook-endpoints/${endpoint.id}` })).statusCode, 204);
    const [delivery] = await deliveriesOf(ctx, endpoint.id);
    t.match(delivery, { status: 'failed', last_error: 'endpoint deleted', next_attempt_at: null });
    await makeRetriesDue(ctx);
    t.equal(await worker.tick(), 0);
    t.equal(receiver.received.length, 1);
    t.equal((await ctx.request({ method: 'GET', url: `/v1/webhook-endpoints/${endpoint.id}` })).statusCode, 404);
    t.equal((await ctx.request({ method: 'POST', url: `/v1/webhook-deliveries/${delivery.id}/redeliver` })).statusCode, 409);
    await placePromisedOrder(t, ctx);
    t.equal(await worker.tick(), 0, 'a deleted endpoint gets no new events');
  });

  t.test('where private URLs are not allowed, the worker refuses them at call time too', async (t) => {
    const receiver = await startReceiver(t);
    const [{ id: sellerId }] = await ctx.deps.db.selectFrom('api_keys').select('seller_id as id').limit(1).execute() as [{ id: string }];
    // Registered while private URLs were allowed: a literal loopback URL, and a name resolving to loopback.
    const lenient = createEndpointService({ db: ctx.deps.db, clock: ctx.deps.clock, secrets: ctx.deps.secrets, checkUrl: async () => ({ ok: true }) });
    const port = new URL(receiver.url).port;
    const literal = await lenient.create(sellerId, { url: receiver.url, events: ['order.promised'] });
    const named = await lenient.create(sellerId, { url: `https://localhost:${port}/hooks`, events: ['order.promised'] });
    t.teardown(async () => {
      await lenient.remove(sellerId, literal.row.id);
      await lenient.remove(sellerId, named.row.id);
    });
    await placePromisedOrder(t, ctx);

    const strict = createDeliveryWorker({
      db: ctx.deps.db,
      clock: ctx.deps.clock,
      secrets: ctx.deps.secrets,
      metrics: ctx.deps.metrics,
      log: { warn() {}, error() {} },
      allowPrivateUrls: false,
    });
    t.teardown(() => strict.close());
    t.equal(await strict.tick(), 2);
    t.equal(receiver.received.length, 0, 'nothing reached the private address');
    const [byLiteral] = await deliveriesOf(ctx, literal.row.id);
    const [byName] = await deliveriesOf(ctx, named.row.id);
    t.match(byLiteral.attempts[0].error, /url refused: only https/);
    t.match(byName.attempts[0].error, /SSRF guard.*127\.0\.0\.1|SSRF guard.*::1/, 'the pinned DNS lookup refuses a name that resolves to loopback');
    t.equal(byName.status, 'pending', 'still retried: DNS may change');
  });
});
