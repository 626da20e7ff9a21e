import t from 'tap';
import { build, orderBody } from '../../helper.js';
import { signStandardWebhook } from '../../../src/webhooks/inbound/signatures.js';
import { fixture, ordersFor, outcomes, platformEvents, sendStandard, STANDARD_SECRET } from './helpers.js';

const vector = JSON.parse(fixture('standard/test-vector.json').toString('utf8')) as { secret: string; msg_id: string; timestamp: number; payload: string; signature: string };

t.test('Standard Webhooks', async (t) => {
  const ctx = await build(t);
  const seller = 'sel_demo';
  const now = () => Math.floor(Date.now() / 1000);

  t.test('connect: only whsec_ secrets of 24 to 64 bytes', async (t) => {
    const notWhsec = await ctx.request({ method: 'PUT', url: '/v1/integrations/standard', payload: { secret: 'plain-secret-123' } });
    t.equal(notWhsec.statusCode, 400);
    const short = await ctx.request({ method: 'PUT', url: '/v1/integrations/standard', payload: { secret: `whsec_${Buffer.alloc(8).toString('base64')}` } });
    t.equal(short.statusCode, 400);
    t.equal(short.json().errors[0].field, 'secret');
    const ok = await ctx.request({ method: 'PUT', url: '/v1/integrations/standard', payload: { secret: vector.secret } });
    t.equal(ok.statusCode, 200, ok.body);
    t.match(ok.json(), { platform: 'standard', webhook_path: `/webhooks/standard/${seller}` });
  });

  t.test("the specification's test vector: signature verified, then the replay window and the body decide", async (t) => {
    const stale = await sendStandard(ctx, seller, vector.payload, { id: vector.msg_id, timestamp: vector.timestamp, signature: vector.signature });
    t.equal(stale.statusCode, 401, 'its 2021 timestamp is far outside the 5-minute window');
    t.match(stale.json(), { code: 'UNAUTHORIZED', errors: [{ field: 'webhook-timestamp' }] });
    const fresh = await sendStandard(ctx, seller, vector.payload, { id: vector.msg_id, secret: vector.secret });
    t.equal(fresh.statusCode, 400, 'signed correctly now, but {"test": ...} is not an OrderRequest');
    t.match(fresh.json(), { code: 'VALIDATION_FAILED' });
    t.equal((await platformEvents(ctx)).length, 0);
    await ctx.request({ method: 'PUT', url: '/v1/integrations/standard', payload: { secret: STANDARD_SECRET } });
  });

  t.test('refusals: missing, wrong or malformed signatures, stale and future timestamps, unknown seller, bad body', async (t) => {
    const body = JSON.stringify(orderBody());
    const cases = [
      { name: 'no signature', res: () => sendStandard(ctx, seller, body, { signature: null }), status: 401, outcome: 'missing_signature' },
      { name: 'no webhook-id', res: () => sendStandard(ctx, seller, body, { omit: ['webhook-id'] }), status: 401, outcome: 'missing_signature' },
      { name: 'no timestamp', res: () => sendStandard(ctx, seller, body, { omit: ['webhook-timestamp'] }), status: 401, outcome: 'missing_signature' },
      { name: 'wrong secret', res: () => sendStandard(ctx, seller, body, { secret: vector.secret }), status: 401, outcome: 'bad_signature' },
      { name: 'malformed signature', res: () => sendStandard(ctx, seller, body, { signature: 'v1,dawfeoifkpqwoekfpqoekf' }), status: 401, outcome: 'bad_signature' },
      { name: 'no v1 signature', res: () => sendStandard(ctx, seller, body, { signature: 'K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=' }), status: 401, outcome: 'bad_signature' },
      { name: '6 minutes old', res: () => sendStandard(ctx, seller, body, { timestamp: now() - 360 }), status: 401, outcome: 'stale_timestamp' },
      { name: '6 minutes in the future', res: () => sendStandard(ctx, seller, body, { timestamp: now() + 360 }), status: 401, outcome: 'stale_timestamp' },
      { name: 'unknown seller', res: () => sendStandard(ctx, 'sel_nobody', body), status: 404, outcome: 'unknown_seller' },
      { name: 'not JSON', res: () => sendStandard(ctx, seller, '{"external_id":'), status: 400, outcome: 'malformed' },
      { name: 'unknown field', res: () => sendStandard(ctx, seller, JSON.stringify({ ...orderBody(), coupon: 'X' })), status: 400, outcome: 'malformed' },
    ];
    for (const c of cases) {
      const before = outcomes(ctx, 'standard', c.outcome);
      const res = await c.res();
      t.equal(res.statusCode, c.status, `${c.name}: ${res.body}`);
      t.match(res.headers['content-type'], /application\/problem\+json/);
      t.equal(outcomes(ctx, 'standard', c.outcome), before + 1, `${c.name} counted`);
    }
    const unknownField = await sendStandard(ctx, seller, JSON.stringify({ ...orderBody(), coupon: 'X' }));
    t.same(unknownField.json().errors, [{ field: 'coupon', message: 'unknown field' }], 'the failing field is named');
    const badLine = await sendStandard(ctx, seller, JSON.stringify(orderBody({ lines: [{ sku: 'MUG-001', quantity: 0, unit_price_minor: 1800 }] })));
    t.same(badLine.json().errors, [{ field: 'lines[0].quantity', message: 'must be at least 1' }]);
    t.equal((await platformEvents(ctx)).length, 0, 'nothing stored');
  });

  t.test('a signed OrderRequest becomes an order; dedupe on webhook-id, one order per external_id', async (t) => {
    const request = orderBody({ external_id: 'bc-100234' });
    const body = JSON.stringify(request);
    const first = await sendStandard(ctx, seller, body, { id: 'msg_bc_1' });
    t.equal(first.statusCode, 200, first.body);
    t.match(first.json(), { outcome: 'accepted', status: 'processed', order_id: /^ord_/ });
    const order = (await ctx.request({ method: 'GET', url: `/v1/orders/${first.json().order_id}` })).json();
    t.match(order, { status: 'promised', external_id: 'bc-100234', lines: request.lines });

    const again = await sendStandard(ctx, seller, body, { id: 'msg_bc_1' });
    t.match(again.json(), { outcome: 'duplicate', order_id: order.id }, 'the same webhook-id');
    const resent = await sendStandard(ctx, seller, body, { id: 'msg_bc_2' });
    t.match(resent.json(), { outcome: 'accepted', order_id: order.id, reason: 'already placed' }, 'a new webhook-id for the same order');
    t.equal((await ordersFor(ctx, 'bc-100234')).length, 1);
  });

  t.test('rotation: several signatures in one header, and a previous secret', async (t) => {
    const oldSecret = `whsec_${Buffer.alloc(24, 1).toString('base64')}`;
    await ctx.request({ method: 'PUT', url: '/v1/integrations/standard', payload: { secret: STANDARD_SECRET, previous_secret: oldSecret } });
    const body = JSON.stringify(orderBody());
    const ts = now();
    const both = `${signStandardWebhook(`whsec_${Buffer.alloc(32, 9).toString('base64')}`, 'msg_rot_1', ts, body)} ${signStandardWebhook(STANDARD_SECRET, 'msg_rot_1', ts, body)}`;
    t.equal((await sendStandard(ctx, seller, body, { id: 'msg_rot_1', timestamp: ts, signature: both })).statusCode, 200, 'one valid signature among several');
    t.equal((await sendStandard(ctx, seller, JSON.stringify(orderBody()), { secret: oldSecret })).statusCode, 200, 'the previous secret');
    await ctx.request({ method: 'PUT', url: '/v1/integrations/standard', payload: { secret: STANDARD_SECRET } });
    t.equal((await sendStandard(ctx, seller, JSON.stringify(orderBody()), { secret: oldSecret })).statusCode, 401, 'until it is removed');
  });

  t.test('disconnecting refuses further deliveries', async (t) => {
    t.equal((await ctx.request({ method: 'DELETE', url: '/v1/integrations/standard' })).statusCode, 204);
    t.equal((await sendStandard(ctx, seller, JSON.stringify(orderBody()))).statusCode, 404);
    t.equal((await ctx.request({ method: 'DELETE', url: '/v1/integrations/standard' })).statusCode, 404);
  });
});
