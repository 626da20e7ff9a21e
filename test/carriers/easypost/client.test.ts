import t from 'tap';
import { createEasypostAdapter } from '../../../src/carriers/easypost/index.js';
import { easypostManifest } from '../../../src/carriers/easypost/manifest.js';
import { toEasypostShipment } from '../../../src/carriers/easypost/mapping.js';
import { UpstreamError } from '../../../src/upstream/contract.js';
import { rateRequest } from '../../fixtures/carriers/rate-request.js';
import { fixture } from '../../fixtures/load.js';
import { createMockedUpstream, failureOf, partnerConnection, type Teardown } from '../../fixtures/mock-upstream.js';

const partner = partnerConnection({ id: 'ca_easypost', baseUrl: easypostManifest.defaultBaseUrl });
const ctx = { signal: new AbortController().signal };
const shp = 'shp_8a2f4c1e9b7d4e3f8c6a5b4d3e2f1a0b';
const rateRef = { shipment_id: shp, rate_id: 'rate_0c1d2e3f4a5b4c6d8e9f0a1b2c3d4e5f' };
const basicAuth = `Basic ${Buffer.from('key_test_123:').toString('base64')}`;

function setup(t: Teardown) {
  const mock = createMockedUpstream(t);
  return { mock, adapter: createEasypostAdapter({ upstream: mock.upstream }) };
}

t.test('rates creates a shipment with Basic auth (key as user, empty password)', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'POST', '/v2/shipments', { status: 201, body: fixture('carriers/easypost/shipment-rates.json') });
  const rates = await adapter.rates(partner, rateRequest, ctx);
  t.equal(rates.length, 4);
  t.strictSame(mock.calls(), [{
    origin: 'https://api.easypost.com', method: 'POST', path: '/v2/shipments',
    headers: { accept: 'application/json', authorization: basicAuth, 'content-type': 'application/json' },
    body: toEasypostShipment(rateRequest), idempotent: true, operation: 'rates',
  }]);
  t.equal((mock.calls()[0]!.body as any).shipment.parcel.weight, 35.3, 'weight goes out in ounces');
});

t.test('rates passes a 4xx through as a rejection carrying EasyPost\'s error body', async (t) => {
  const { mock, adapter } = setup(t);
  const body = fixture('carriers/easypost/error-address-invalid.json');
  mock.on(partner, 'POST', '/v2/shipments', { status: 422, body });
  const err = await adapter.rates(partner, rateRequest, ctx).catch((e: unknown) => e);
  t.type(err, UpstreamError);
  t.match(err, { failure: 'rejected', status: 422, responseBody: body });
});

t.test('rates refuses a body that does not match the wire format', async (t) => {
  const { mock, adapter } = setup(t);
  const body = fixture<any>('carriers/easypost/shipment-rates.json');
  body.rates[0].rate = 8.24;
  mock.on(partner, 'POST', '/v2/shipments', { status: 201, body });
  t.match(await failureOf(adapter.rates(partner, rateRequest, ctx)), { failure: 'invalid_response', partnerId: 'ca_easypost' });
});

t.test('no api_key: refused before anything is sent', async (t) => {
  const { mock, adapter } = setup(t);
  t.match(await failureOf(adapter.rates({ ...partner, credentials: {} }, rateRequest, ctx)), { failure: 'rejected', message: /api_key/ });
  t.strictSame(mock.calls(), []);
});

t.test('buy purchases exactly the quoted rate and is never hedged', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'POST', `/v2/shipments/${shp}/buy`, { status: 200, body: fixture('carriers/easypost/shipment-purchased.json') });
  const label = await adapter.buy(partner, rateRef, { ...ctx, idempotencyKey: 'shp_0192ab7c3d' });
  t.strictSame(label, {
    trackingNumber: '9405500208303109884199',
    labelUrl: 'https://easypost-files.s3.us-west-2.amazonaws.com/files/postage_label/20261125/e8befd4ff12e134ac6a31282975b6e7251.png',
    carrierRef: shp,
  });
  t.match(mock.calls(), [{
    method: 'POST', headers: { authorization: basicAuth }, body: { rate: { id: rateRef.rate_id } }, idempotent: false, operation: 'buy_label',
  }]);
});

t.test('buy twice returns the same label: the second buy is refused and the existing label fetched', async (t) => {
  const { mock, adapter } = setup(t);
  const purchased = fixture('carriers/easypost/shipment-purchased.json');
  mock.on(partner, 'POST', `/v2/shipments/${shp}/buy`,
    { status: 200, body: purchased },
    { status: 422, body: fixture('carriers/easypost/error-postage-exists.json') });
  mock.on(partner, 'GET', `/v2/shipments/${shp}`, { status: 200, body: purchased });
  const key = { ...ctx, idempotencyKey: 'shp_0192ab7c3d' };
  const first = await adapter.buy(partner, rateRef, key);
  const second = await adapter.buy(partner, rateRef, key);
  t.strictSame(second, first);
  t.strictSame(mock.calls().map((c) => `${c.method} ${c.path}`), [
    `POST /v2/shipments/${shp}/buy`, `POST /v2/shipments/${shp}/buy`, `GET /v2/shipments/${shp}`,
  ]);
  t.match(mock.calls()[2], { headers: { authorization: basicAuth }, body: undefined, idempotent: true });
  t.strictSame(mock.pending(), []);
});

t.test('buy: any other rejection is not mistaken for an earlier purchase', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'POST', `/v2/shipments/${shp}/buy`, {
    status: 402, body: { error: { code: 'PAYMENT.INSUFFICIENT_FUNDS', message: 'Insufficient funds.', errors: [] } },
  });
  t.match(await failureOf(adapter.buy(partner, rateRef, { ...ctx, idempotencyKey: 'k' })), { failure: 'rejected', status: 402 });
  t.equal(mock.calls().length, 1, 'no lookup');
});

t.test('buy: a 2xx without postage is an invalid response, not a label', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'POST', `/v2/shipments/${shp}/buy`, { status: 200, body: fixture('carriers/easypost/shipment-rates.json') });
  t.match(await failureOf(adapter.buy(partner, rateRef, { ...ctx, idempotencyKey: 'k' })), { failure: 'invalid_response' });
});

t.test('buy: a rateRef from elsewhere never reaches EasyPost', async (t) => {
  const { mock, adapter } = setup(t);
  await t.rejects(adapter.buy(partner, { rate_id: 'se-1' }, { ...ctx, idempotencyKey: 'k' }), TypeError);
  t.strictSame(mock.calls(), []);
});

t.test('void refunds the shipment', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'POST', `/v2/shipments/${shp}/refund`, { status: 200, body: fixture('carriers/easypost/shipment-refund-submitted.json') });
  t.strictSame(await adapter.void(partner, shp, ctx), { status: 'voided' });
  t.match(mock.calls(), [{ method: 'POST', path: `/v2/shipments/${shp}/refund`, headers: { authorization: basicAuth }, body: undefined, idempotent: false, operation: 'void_label' }]);
});
