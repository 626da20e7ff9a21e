import t from 'tap';
import { createPledgeV1SupplierAdapter } from '../../../src/suppliers/pledge-v1/index.js';
import { fixture } from '../../fixtures/load.js';
import { createMockedUpstream, failureOf, partnerConnection, type Teardown } from '../../fixtures/mock-upstream.js';
import { instruction, quoteRequest } from '../../fixtures/suppliers/requests.js';

const partner = partnerConnection({ id: 'sup_acme', kind: 'supplier', baseUrl: 'https://supplier.example/pledge/v1/', credentials: { api_key: 'sk_live_acme' } });
const ctx = { signal: new AbortController().signal };
const bearer = 'Bearer sk_live_acme';

function setup(t: Teardown) {
  const mock = createMockedUpstream(t);
  return { mock, adapter: createPledgeV1SupplierAdapter({ upstream: mock.upstream }) };
}

t.test('quote: POST {base}/quotes with bearer auth, hedgeable', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'POST', '/quotes', { status: 200, body: fixture('suppliers/pledge-v1/quote.json') });
  const quote = await adapter.quote(partner, quoteRequest, ctx);
  t.equal(quote.items[0]!.unitCostMinor, 650);
  t.strictSame(mock.calls(), [{
    origin: 'https://supplier.example', method: 'POST', path: '/pledge/v1/quotes',
    headers: { accept: 'application/json', authorization: bearer, 'content-type': 'application/json' },
    body: fixture('suppliers/pledge-v1/quote-request.json'), idempotent: true, operation: 'quote',
  }]);
});

t.test('quote: a 4xx is kept as the supplier\'s rejection, a malformed 200 is invalid', async (t) => {
  const { mock, adapter } = setup(t);
  const problem = { title: 'Unknown SKU', status: 422, detail: 'MUG-BLK-12 is discontinued.' };
  mock.on(partner, 'POST', '/quotes',
    { status: 422, body: problem, headers: { 'content-type': 'application/problem+json' } },
    { status: 200, body: { ...fixture<object>('suppliers/pledge-v1/quote.json'), handover_eta: 'tomorrow' } });
  t.match(await failureOf(adapter.quote(partner, quoteRequest, ctx)), { failure: 'rejected', status: 422, responseBody: problem });
  t.match(await failureOf(adapter.quote(partner, quoteRequest, ctx)), { failure: 'invalid_response', partnerId: 'sup_acme' });
});

t.test('instruct: Idempotency-Key header, never hedged; 201 first, 200 + Idempotent-Replayed is a replay of the same bytes', async (t) => {
  const { mock, adapter } = setup(t);
  const receipt = fixture('suppliers/pledge-v1/instruction-receipt.json');
  mock.on(partner, 'POST', '/instructions',
    { status: 201, body: receipt },
    { status: 200, body: receipt, headers: { 'Idempotent-Replayed': 'true' } });
  const key = { ...ctx, idempotencyKey: 'shp_0192ab7c3d' };
  const first = await adapter.instruct(partner, instruction, key);
  const second = await adapter.instruct(partner, instruction, key);
  t.strictSame(first, { supplierOrderRef: 'SO-88412', status: 'received', isReplay: false });
  t.strictSame(second, { supplierOrderRef: 'SO-88412', status: 'received', isReplay: true });
  const calls = mock.calls();
  t.match(calls, [
    { method: 'POST', path: '/pledge/v1/instructions', headers: { authorization: bearer, 'idempotency-key': 'shp_0192ab7c3d' }, idempotent: false, operation: 'instruction' },
    { method: 'POST', path: '/pledge/v1/instructions', headers: { 'idempotency-key': 'shp_0192ab7c3d' } },
  ]);
  t.strictSame(calls[0]!.body, fixture('suppliers/pledge-v1/instruction.json'));
  const [a, b] = mock.rawBodies();
  t.equal(a, b, 'byte-for-byte the same body under the same key');
});

t.test('instruct: the same key with another body is refused with IDEMPOTENCY_KEY_REUSED', async (t) => {
  const { mock, adapter } = setup(t);
  const problem = fixture('suppliers/pledge-v1/problem-idempotency-key-reused.json');
  mock.on(partner, 'POST', '/instructions', { status: 422, body: problem, headers: { 'content-type': 'application/problem+json' } });
  const err = await failureOf(adapter.instruct(partner, instruction, { ...ctx, idempotencyKey: 'shp_0192ab7c3d' }));
  t.match(err, { failure: 'rejected', status: 422, responseBody: { code: 'IDEMPOTENCY_KEY_REUSED' } });
});

t.test('instruct: an unknown status is not a receipt', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'POST', '/instructions', { status: 201, body: { supplier_order_ref: 'SO-88412', status: 'shipped' } });
  t.match(await failureOf(adapter.instruct(partner, instruction, { ...ctx, idempotencyKey: 'k' })), { failure: 'invalid_response' });
});

t.test('cancel: POST .../cancel with the ref escaped; too_late and 404 surface as such', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'POST', '/instructions/SO-88412/cancel', { status: 200, body: fixture('suppliers/pledge-v1/cancel-too-late.json') });
  mock.on(partner, 'POST', '/instructions/SO%2F1/cancel', { status: 404, body: fixture('suppliers/pledge-v1/problem-not-found.json') });
  t.strictSame(await adapter.cancel(partner, 'SO-88412', ctx), { status: 'too_late' });
  t.match(await failureOf(adapter.cancel(partner, 'SO/1', ctx)), { failure: 'rejected', status: 404 });
  t.match(mock.calls(), [
    { method: 'POST', path: '/pledge/v1/instructions/SO-88412/cancel', headers: { authorization: bearer }, body: undefined, idempotent: false, operation: 'cancel' },
    { path: '/pledge/v1/instructions/SO%2F1/cancel' },
  ]);
});

t.test('no api_key: nothing is sent', async (t) => {
  const { mock, adapter } = setup(t);
  t.match(await failureOf(adapter.quote({ ...partner, credentials: {} }, quoteRequest, ctx)), { failure: 'rejected', message: /api_key/ });
  t.strictSame(mock.calls(), []);
});
