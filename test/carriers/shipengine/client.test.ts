import t from 'tap';
import { createShipengineAdapter } from '../../../src/carriers/shipengine/index.js';
import { shipengineManifest } from '../../../src/carriers/shipengine/manifest.js';
import { toShipengineRateRequest } from '../../../src/carriers/shipengine/mapping.js';
import { rateRequest } from '../../fixtures/carriers/rate-request.js';
import { fixture } from '../../fixtures/load.js';
import { createMockedUpstream, failureOf, partnerConnection, type Teardown } from '../../fixtures/mock-upstream.js';

const partner = partnerConnection({
  id: 'ca_shipengine',
  baseUrl: shipengineManifest.defaultBaseUrl,
  credentials: { api_key: 'key_test_123', carrier_ids: 'se-123890,se-121861' },
});
const ctx = { signal: new AbortController().signal };
const buyCtx = { ...ctx, idempotencyKey: 'shp_0192ab7c3d' };
const ref = { shipment_id: 'se-2127226', rate_id: 'se-12445218' };
const listPath = '/v1/labels?shipment_id=se-2127226';

function setup(t: Teardown) {
  const mock = createMockedUpstream(t);
  return { mock, adapter: createShipengineAdapter({ upstream: mock.upstream }) };
}

t.test('rates posts the shipment with the API-Key header and the seller\'s carrier ids', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'POST', '/v1/rates', { status: 200, body: fixture('carriers/shipengine/rates.json') });
  const rates = await adapter.rates(partner, rateRequest, ctx);
  t.equal(rates.length, 3);
  t.strictSame(mock.calls(), [{
    origin: 'https://api.shipengine.com', method: 'POST', path: '/v1/rates',
    headers: { accept: 'application/json', 'api-key': 'key_test_123', 'content-type': 'application/json' },
    body: toShipengineRateRequest(rateRequest, 'se-123890,se-121861'), idempotent: true, operation: 'rates',
  }]);
  t.strictSame((mock.calls()[0]!.body as any).rate_options, { carrier_ids: ['se-123890', 'se-121861'] });
});

t.test('rates: 401 is a rejection with ShipEngine\'s errors', async (t) => {
  const { mock, adapter } = setup(t);
  const body = fixture('carriers/shipengine/error-unauthorized.json');
  mock.on(partner, 'POST', '/v1/rates', { status: 401, body });
  t.match(await failureOf(adapter.rates(partner, rateRequest, ctx)), { failure: 'rejected', status: 401, responseBody: body });
});

t.test('rates: amounts as strings are not ShipEngine\'s format', async (t) => {
  const { mock, adapter } = setup(t);
  const body = fixture<any>('carriers/shipengine/rates.json');
  body.rate_response.rates[0].shipping_amount.amount = '65.58';
  mock.on(partner, 'POST', '/v1/rates', { status: 200, body });
  t.match(await failureOf(adapter.rates(partner, rateRequest, ctx)), { failure: 'invalid_response' });
});

t.test('buy looks for a label on the shipment, then buys from the rate', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'GET', listPath, { status: 200, body: fixture('carriers/shipengine/labels-empty.json') });
  mock.on(partner, 'POST', '/v1/labels/rates/se-12445218', { status: 200, body: fixture('carriers/shipengine/label.json') });
  const label = await adapter.buy(partner, ref, buyCtx);
  t.strictSame(label, {
    trackingNumber: '9405511899223197428490',
    labelUrl: 'https://api.shipengine.com/v1/downloads/10/F91Ih1ZxOEK9d8oLv8mVqQ/label-75492762.pdf',
    carrierRef: 'se-75492762',
  });
  t.match(mock.calls(), [
    { method: 'GET', path: listPath, headers: { 'api-key': 'key_test_123' }, body: undefined, idempotent: true, operation: 'find_label' },
    { method: 'POST', path: '/v1/labels/rates/se-12445218', headers: { 'api-key': 'key_test_123' }, idempotent: false, operation: 'buy_label' },
  ]);
  t.strictSame(mock.calls()[1]!.body, { validate_address: 'no_validation', label_layout: '4x6', label_format: 'pdf', label_download_type: 'url' });
});

t.test('buy twice returns the same label and buys once', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'GET', listPath,
    { status: 200, body: fixture('carriers/shipengine/labels-empty.json') },
    { status: 200, body: fixture('carriers/shipengine/labels-for-shipment.json') });
  mock.on(partner, 'POST', '/v1/labels/rates/se-12445218', { status: 200, body: fixture('carriers/shipengine/label.json') });
  const first = await adapter.buy(partner, ref, buyCtx);
  const second = await adapter.buy(partner, ref, buyCtx);
  t.strictSame(second, first);
  t.strictSame(mock.calls().map((c) => `${c.method} ${c.path}`), [`GET ${listPath}`, 'POST /v1/labels/rates/se-12445218', `GET ${listPath}`]);
  t.strictSame(mock.pending(), []);
});

t.test('buy: a label still processing from an earlier attempt is not bought again', async (t) => {
  const { mock, adapter } = setup(t);
  const list = fixture<any>('carriers/shipengine/labels-for-shipment.json');
  list.labels = [{ ...list.labels[0], status: 'processing', tracking_number: null, label_download: null }];
  mock.on(partner, 'GET', listPath, { status: 200, body: list });
  t.match(await failureOf(adapter.buy(partner, ref, buyCtx)), { failure: 'server_error' });
  t.equal(mock.calls().length, 1);
});

t.test('buy: a 400 from the purchase is a rejection', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'GET', listPath, { status: 200, body: fixture('carriers/shipengine/labels-empty.json') });
  mock.on(partner, 'POST', '/v1/labels/rates/se-12445218', {
    status: 400,
    body: { request_id: 'r1', errors: [{ error_source: 'shipengine', error_type: 'business_rules', error_code: 'insufficient_funds', message: 'Insufficient funds.' }] },
  });
  t.match(await failureOf(adapter.buy(partner, ref, buyCtx)), { failure: 'rejected', status: 400 });
});

t.test('void: PUT without a body; a refused void is reported, not thrown', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'PUT', '/v1/labels/se-75492762/void',
    { status: 200, body: fixture('carriers/shipengine/void-approved.json') },
    { status: 200, body: fixture('carriers/shipengine/void-rejected.json') });
  t.strictSame(await adapter.void(partner, 'se-75492762', ctx), { status: 'voided' });
  t.strictSame(await adapter.void(partner, 'se-75492762', ctx), { status: 'rejected' });
  t.match(mock.calls()[0], { method: 'PUT', headers: { 'api-key': 'key_test_123' }, body: undefined, idempotent: false, operation: 'void_label' });
});
