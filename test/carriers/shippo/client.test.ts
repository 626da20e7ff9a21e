import t from 'tap';
import { createShippoAdapter } from '../../../src/carriers/shippo/index.js';
import { shippoManifest } from '../../../src/carriers/shippo/manifest.js';
import { toShippoShipment } from '../../../src/carriers/shippo/mapping.js';
import { rateRequest } from '../../fixtures/carriers/rate-request.js';
import { fixture } from '../../fixtures/load.js';
import { createMockedUpstream, failureOf, partnerConnection, type Teardown } from '../../fixtures/mock-upstream.js';

const partner = partnerConnection({ id: 'ca_shippo', baseUrl: shippoManifest.defaultBaseUrl });
const ctx = { signal: new AbortController().signal };
const buyCtx = { ...ctx, idempotencyKey: 'shp_0192ab7c3d' };
const rateId = 'adcfdddf8ec64b84ad22772bce3ea37a';
const auth = { authorization: 'ShippoToken key_test_123', 'shippo-api-version': '2018-02-08' };
const listPath = `/transactions/?rate=${rateId}`;

function setup(t: Teardown) {
  const mock = createMockedUpstream(t);
  return { mock, adapter: createShippoAdapter({ upstream: mock.upstream }) };
}

t.test('rates creates a synchronous shipment with the ShippoToken header', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'POST', '/shipments/', { status: 201, body: fixture('carriers/shippo/shipment-rates.json') });
  const rates = await adapter.rates(partner, rateRequest, ctx);
  t.equal(rates.length, 4);
  t.strictSame(mock.calls(), [{
    origin: 'https://api.goshippo.com', method: 'POST', path: '/shipments/',
    headers: { accept: 'application/json', ...auth, 'content-type': 'application/json' },
    body: toShippoShipment(rateRequest), idempotent: true, operation: 'rates',
  }]);
});

t.test('rates: a 400 is a rejection with Shippo\'s field errors', async (t) => {
  const { mock, adapter } = setup(t);
  const body = fixture('carriers/shippo/error-invalid-address.json');
  mock.on(partner, 'POST', '/shipments/', { status: 400, body });
  t.match(await failureOf(adapter.rates(partner, rateRequest, ctx)), { failure: 'rejected', status: 400, responseBody: body });
});

t.test('rates: an answer without rates[] is invalid', async (t) => {
  const { mock, adapter } = setup(t);
  const { rates: _, ...body } = fixture<Record<string, unknown>>('carriers/shippo/shipment-rates.json');
  mock.on(partner, 'POST', '/shipments/', { status: 201, body });
  t.match(await failureOf(adapter.rates(partner, rateRequest, ctx)), { failure: 'invalid_response' });
});

t.test('buy looks for an earlier purchase, then buys with the key as metadata', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'GET', listPath, { status: 200, body: fixture('carriers/shippo/transactions-empty.json') });
  mock.on(partner, 'POST', '/transactions/', { status: 201, body: fixture('carriers/shippo/transaction-success.json') });
  const label = await adapter.buy(partner, { rate_id: rateId }, buyCtx);
  t.strictSame(label, {
    trackingNumber: '9400111899223434769485',
    labelUrl: 'https://shippo-delivery-east.s3.amazonaws.com/70ae8117ee1749e393f249d5b77c45e0.pdf?Signature=vDw1ltcyGveVR1OQoUDdzC43BY8%3D&Expires=1437093830',
    carrierRef: '70ae8117ee1749e393f249d5b77c45e0',
  });
  t.match(mock.calls(), [
    { method: 'GET', path: listPath, headers: auth, body: undefined, idempotent: true, operation: 'find_label' },
    { method: 'POST', path: '/transactions/', headers: auth, idempotent: false, operation: 'buy_label' },
  ]);
  t.strictSame(mock.calls()[1]!.body, { rate: rateId, label_file_type: 'PDF', async: false, metadata: 'shp_0192ab7c3d' });
});

t.test('buy twice returns the same label and buys once', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'GET', listPath,
    { status: 200, body: fixture('carriers/shippo/transactions-empty.json') },
    { status: 200, body: fixture('carriers/shippo/transactions-for-rate.json') });
  mock.on(partner, 'POST', '/transactions/', { status: 201, body: fixture('carriers/shippo/transaction-success.json') });
  const first = await adapter.buy(partner, { rate_id: rateId }, buyCtx);
  const second = await adapter.buy(partner, { rate_id: rateId }, buyCtx);
  t.strictSame(second, first);
  t.strictSame(mock.calls().map((c) => `${c.method} ${c.path}`), [`GET ${listPath}`, 'POST /transactions/', `GET ${listPath}`]);
  t.strictSame(mock.pending(), []);
});

t.test('buy: status ERROR is a rejection that keeps Shippo\'s message', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'GET', listPath, { status: 200, body: fixture('carriers/shippo/transactions-empty.json') });
  mock.on(partner, 'POST', '/transactions/', { status: 201, body: fixture('carriers/shippo/transaction-error.json') });
  const err = await failureOf(adapter.buy(partner, { rate_id: rateId }, buyCtx));
  t.match(err, { failure: 'rejected', message: /Insufficient funds/ });
});

t.test('buy: a purchase still pending from an earlier attempt is not bought again', async (t) => {
  const { mock, adapter } = setup(t);
  const list = fixture<any>('carriers/shippo/transactions-for-rate.json');
  list.results = [{ ...list.results[1], status: 'QUEUED', tracking_number: '', label_url: '' }];
  mock.on(partner, 'GET', listPath, { status: 200, body: list });
  t.match(await failureOf(adapter.buy(partner, { rate_id: rateId }, buyCtx)), { failure: 'server_error' });
  t.equal(mock.calls().length, 1, 'no purchase attempted');
});

t.test('buy: a transaction in an unknown shape is invalid', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'GET', listPath, { status: 200, body: fixture('carriers/shippo/transactions-empty.json') });
  mock.on(partner, 'POST', '/transactions/', { status: 201, body: { ...fixture<object>('carriers/shippo/transaction-success.json'), status: 'DONE' } });
  t.match(await failureOf(adapter.buy(partner, { rate_id: rateId }, buyCtx)), { failure: 'invalid_response' });
});

t.test('void asks for a refund of the transaction', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'POST', '/refunds/', { status: 201, body: fixture('carriers/shippo/refund-queued.json') });
  t.strictSame(await adapter.void(partner, '70ae8117ee1749e393f249d5b77c45e0', ctx), { status: 'voided' });
  t.match(mock.calls(), [{ method: 'POST', path: '/refunds/', headers: auth, idempotent: false, operation: 'void_label' }]);
  t.strictSame(mock.calls()[0]!.body, { transaction: '70ae8117ee1749e393f249d5b77c45e0', async: false });
});
