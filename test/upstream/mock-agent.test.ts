import t from 'tap';
import { MockAgent } from 'undici';
import { createUpstream, UpstreamError } from '../../src/upstream/index.js';
import { get, partner, type Tap } from './helper.js';

const ORIGIN = 'https://api.supplier.example';

const setup = (t: Tap, opts: { maxResponseBytes?: number } = {}) => {
  const mock = new MockAgent();
  mock.disableNetConnect();
  const upstream = createUpstream({ allowPrivateUrls: false, dispatcher: mock, ...opts });
  t.teardown(async () => {
    await upstream.close();
    mock.assertNoPendingInterceptors();
    await mock.close();
  });
  return { pool: mock.get(ORIGIN), upstream, sup: partner(`${ORIGIN}/v2`) };
};

const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => Promise.reject(new Error('expected the call to fail')),
    (err: unknown) => (err instanceof UpstreamError ? err : Promise.reject(err)),
  );

t.test('a public https partner behind a path prefix, JSON both ways', async (t) => {
  const { pool, upstream, sup } = setup(t);
  pool
    .intercept({
      path: '/v2/inventory/SKU-9/reserve',
      method: 'PUT',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: (b) => JSON.parse(b).qty === 3,
    })
    .reply(200, { reservation_id: 'r_1' }, { headers: { 'content-type': 'application/json' } });
  const res = await upstream.request(sup, {
    method: 'PUT',
    path: '/inventory/SKU-9/reserve',
    body: { qty: 3 },
    signal: new AbortController().signal,
    operation: 'reserve',
  });
  t.same(res, { status: 200, headers: { 'content-type': 'application/json' }, body: { reservation_id: 'r_1' } });
});

t.test('empty 200 is null; 4xx text and 3xx are mapped', async (t) => {
  const { pool, upstream, sup } = setup(t);
  pool.intercept({ path: '/v2/ping' }).reply(200, '');
  pool.intercept({ path: '/v2/orders/o_1' }).reply(409, 'already shipped');
  pool.intercept({ path: '/v2/moved' }).reply(301, '', { headers: { location: 'http://169.254.169.254/' } });
  t.equal((await upstream.request(sup, get('/ping'))).body, null);
  t.match(await failureOf(upstream.request(sup, get('/orders/o_1'))), { failure: 'rejected', status: 409, responseBody: 'already shipped' });
  t.match(await failureOf(upstream.request(sup, get('/moved'))), { failure: 'invalid_response', status: 301 });
});

t.test('a 5xx body over the size limit is still a server_error, a 2xx over it is invalid', async (t) => {
  const { pool, upstream, sup } = setup(t, { maxResponseBytes: 64 });
  pool.intercept({ path: '/v2/a' }).reply(503, 'x'.repeat(1000));
  pool.intercept({ path: '/v2/b' }).reply(200, { list: 'y'.repeat(100) });
  t.match(await failureOf(upstream.request(sup, get('/a'))), { failure: 'server_error', status: 503 });
  t.match(await failureOf(upstream.request(sup, get('/b'))), { failure: 'invalid_response', status: 200 });
});

t.test('an unmatched request with net connect disabled is a network failure', async (t) => {
  const { upstream, sup } = setup(t);
  t.match(await failureOf(upstream.request(sup, get('/nothing-here'))), { failure: 'network', partnerId: 'sup_a' });
});

t.test('http is refused before dispatch even with an injected dispatcher', async (t) => {
  const mock = new MockAgent();
  mock.disableNetConnect();
  mock.get('http://api.supplier.example').intercept({ path: '/v2/q' }).reply(200, {});
  const upstream = createUpstream({ allowPrivateUrls: false, dispatcher: mock });
  t.teardown(() => Promise.all([upstream.close(), mock.close()]));
  t.match(await failureOf(upstream.request(partner('http://api.supplier.example/v2'), get('/q'))), { failure: 'url_rejected' });
  t.equal(mock.pendingInterceptors().length, 1, 'the interceptor was never used');
});
