import t from 'tap';
import { AppError } from '../../../src/errors.js';
import { checkPartnerUrl } from '../../../src/upstream/ssrf-guard.js';
import { createEndpointService, MAX_ENDPOINTS_PER_SELLER } from '../../../src/webhooks/outbound/endpoint-service.js';
import { ADMIN_TOKEN, build, orderBody } from '../../helper.js';
import { startReceiver } from './receiver.js';

t.test('webhook endpoints: registration, validation, roles, tenant isolation', async (t) => {
  const ctx = await build(t);
  const worker = ctx.app.services.webhooks.worker;
  const receiver = await startReceiver(t);

  const created = await ctx.request({
    method: 'POST',
    url: '/v1/webhook-endpoints',
    payload: { url: receiver.url, events: ['order.promised', 'instruction.sent', 'order.promised'], description: 'ERP' },
  });
  t.equal(created.statusCode, 201, created.body);
  const endpoint = created.json();

  t.test('the secret is a Standard Webhooks whsec_, shown once and stored sealed', async (t) => {
    t.match(endpoint, { url: receiver.url, description: 'ERP', previous_secret_expires_at: null });
    t.match(endpoint.id, /^we_/);
    t.same(endpoint.events, ['order.promised', 'instruction.sent'], 'duplicates dropped');
    t.match(endpoint.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    t.equal(Buffer.from(endpoint.secret.slice(6), 'base64').length, 32);

    const list = await ctx.request({ method: 'GET', url: '/v1/webhook-endpoints' });
    t.equal(list.statusCode, 200);
    t.equal(list.json().data.length, 1);
    t.notOk(list.body.includes('whsec_'), 'listing never shows a secret');
    const one = await ctx.request({ method: 'GET', url: `/v1/webhook-endpoints/${endpoint.id}` });
    t.equal(one.statusCode, 200);
    t.notOk('secret' in one.json());

    const row = await ctx.deps.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', endpoint.id).executeTakeFirstOrThrow();
    t.notOk(row.secret_sealed.includes(endpoint.secret.slice(6)), 'not stored in the clear');
    t.equal(ctx.deps.secrets.open(row.secret_sealed), endpoint.secret);
  });

  t.test('bad input is a 400 naming the field', async (t) => {
    const cases: [unknown, string][] = [
      [{ url: 'ftp://example.com/hook', events: ['order.promised'] }, 'url'],
      [{ url: 'not a url', events: ['order.promised'] }, 'url'],
      [{ url: 'https://example.com/hook', events: [] }, 'events'],
      [{ url: 'https://example.com/hook', events: ['order.shipped'] }, 'events[0]'],
      [{ url: 'https://example.com/hook', events: ['order.promised'], secret: 'mine' }, 'secret'],
    ];
    for (const [payload, field] of cases) {
      const res = await ctx.request({ method: 'POST', url: '/v1/webhook-endpoints', payload: payload as any });
      t.equal(res.statusCode, 400, JSON.stringify(payload));
      t.equal(res.json().code, 'VALIDATION_FAILED');
      t.ok(res.json().errors.some((e: any) => e.field === field), `${field} named in ${res.body}`);
    }
    const rotate = await ctx.request({ method: 'POST', url: `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, payload: { overlap_seconds: -1 } });
    t.equal(rotate.statusCode, 400);
    const cursor = await ctx.request({ method: 'GET', url: '/v1/webhook-deliveries?cursor=bm9wZQ' });
    t.equal(cursor.statusCode, 400);
    t.equal(cursor.json().errors[0].field, 'cursor');
  });

  t.test('URLs go through the SSRF guard', async (t) => {
    const [{ seller_id: sellerId }] = (await ctx.deps.db.selectFrom('api_keys').select('seller_id').limit(1).execute()) as [{ seller_id: string }];
    const strict = createEndpointService({
      db: ctx.deps.db,
      clock: ctx.deps.clock,
      secrets: ctx.deps.secrets,
      checkUrl: (url) => checkPartnerUrl(url, { allowPrivate: false, resolve: async () => ['10.0.0.7'] }),
    });
    for (const url of ['https://169.254.169.254/latest/meta-data', 'https://127.0.0.1/hook', 'http://hooks.example.com/x', 'https://internal.example.com/hook']) {
      const err = await strict.create(sellerId, { url, events: ['order.promised'] }).catch((e: unknown) => e);
      t.ok(err instanceof AppError && err.code === 'PARTNER_URL_REJECTED', `${url} refused: ${(err as Error).message}`);
      t.same((err as AppError).errors.map((e) => e.field), ['url']);
    }
  });

  t.test('only seller_admin keys change endpoints', async (t) => {
    const ops = await ctx.request({ method: 'POST', url: '/v1/api-keys', payload: { role: 'ops' } });
    t.equal(ops.statusCode, 201);
    const key = ops.json().key;
    const write = await ctx.request({ method: 'POST', url: '/v1/webhook-endpoints', payload: { url: receiver.url, events: ['order.promised'] }, key });
    t.equal(write.statusCode, 403);
    t.equal(write.json().code, 'FORBIDDEN');
    t.equal((await ctx.request({ method: 'POST', url: `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, key })).statusCode, 403);
    t.equal((await ctx.request({ method: 'DELETE', url: `/v1/webhook-endpoints/${endpoint.id}`, key })).statusCode, 403);
    t.equal((await ctx.request({ method: 'GET', url: '/v1/webhook-endpoints', key })).statusCode, 200, 'reading is fine');
    t.equal((await ctx.request({ method: 'GET', url: '/v1/webhook-endpoints', key: null })).statusCode, 401);
  });

  t.test("another seller sees none of this seller's endpoints, deliveries or events", async (t) => {
    const seller = await ctx.request({ method: 'POST', url: '/v1/sellers', payload: { name: 'Other Shop' }, key: ADMIN_TOKEN });
    t.equal(seller.statusCode, 201);
    const other = seller.json().api_key.key;
    const otherReceiver = await startReceiver(t);
    const otherEndpoint = await ctx.request({ method: 'POST', url: '/v1/webhook-endpoints', payload: { url: otherReceiver.url, events: ['order.promised'] }, key: other });
    t.equal(otherEndpoint.statusCode, 201);

    const order = (await ctx.placeOrder(orderBody())).json();
    t.equal(order.status, 'promised');
    if (order.instruction.status !== 'sent') await ctx.app.services.relay.tick();
    t.equal(await worker.tick(), 2);
    t.equal(receiver.received.length, 2, 'this seller got its events');
    t.equal(otherReceiver.received.length, 0, "the other seller's endpoint got nothing");

    const mine = (await ctx.request({ method: 'GET', url: '/v1/webhook-deliveries' })).json().data;
    t.equal(mine.length, 2);
    t.same((await ctx.request({ method: 'GET', url: '/v1/webhook-endpoints', key: other })).json().data.map((e: any) => e.id), [otherEndpoint.json().id]);
    t.same((await ctx.request({ method: 'GET', url: '/v1/webhook-deliveries', key: other })).json().data, []);
    t.same((await ctx.request({ method: 'GET', url: `/v1/webhook-deliveries?endpoint_id=${endpoint.id}`, key: other })).json().data, []);
    for (const [method, url] of [
      ['GET', `/v1/webhook-endpoints/${endpoint.id}`],
      ['DELETE', `/v1/webhook-endpoints/${endpoint.id}`],
      ['POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`],
      ['GET', `/v1/webhook-deliveries/${mine[0].id}`],
      ['POST', `/v1/webhook-deliveries/${mine[0].id}/redeliver`],
    ] as const) {
      const res = await ctx.request({ method, url, key: other });
      t.equal(res.statusCode, 404, `${method} ${url}`);
      t.equal(res.json().code, 'NOT_FOUND');
    }
    t.equal((await ctx.request({ method: 'GET', url: `/v1/webhook-endpoints/${endpoint.id}` })).statusCode, 200, 'still there for its owner');
  });

  t.test('deliveries list newest first with filters and a cursor', async (t) => {
    const first = (await ctx.request({ method: 'GET', url: '/v1/webhook-deliveries?limit=1' })).json();
    t.equal(first.data.length, 1);
    t.ok(first.next_cursor);
    const second = (await ctx.request({ method: 'GET', url: `/v1/webhook-deliveries?limit=1&cursor=${first.next_cursor}` })).json();
    t.equal(second.data.length, 1);
    t.ok(second.data[0].id < first.data[0].id, 'newest first');
    const sent = (await ctx.request({ method: 'GET', url: '/v1/webhook-deliveries?event_type=instruction.sent&status=delivered' })).json().data;
    t.ok(sent.length >= 1 && sent.every((d: any) => d.event.type === 'instruction.sent' && d.status === 'delivered'));
    t.same((await ctx.request({ method: 'GET', url: '/v1/webhook-deliveries?status=failed' })).json().data, []);
  });

  t.test(`at most ${MAX_ENDPOINTS_PER_SELLER} endpoints per seller`, async (t) => {
    const seller = (await ctx.request({ method: 'POST', url: '/v1/sellers', payload: { name: 'Busy Shop' }, key: ADMIN_TOKEN })).json();
    const key = seller.api_key.key;
    for (let i = 0; i < MAX_ENDPOINTS_PER_SELLER; i++) {
      const res = await ctx.request({ method: 'POST', url: '/v1/webhook-endpoints', payload: { url: `${receiver.url}/${i}`, events: ['order.declined'] }, key });
      t.equal(res.statusCode, 201);
    }
    const over = await ctx.request({ method: 'POST', url: '/v1/webhook-endpoints', payload: { url: receiver.url, events: ['order.declined'] }, key });
    t.equal(over.statusCode, 409);
    t.equal(over.json().code, 'CONFLICT');
  });
});
