import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createUpstream, UpstreamError, type UpstreamCallEvent, type UpstreamOptions } from '../../src/upstream/index.js';
import { eventually, get, json, partner, sleep, startServer, type Tap } from './helper.js';

const failureOf = async (p: Promise<unknown>): Promise<UpstreamError> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof UpstreamError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
};

const upstreamFor = (t: Tap, opts: Partial<UpstreamOptions> = {}) => {
  const upstream = createUpstream({ allowPrivateUrls: true, ...opts });
  t.teardown(() => upstream.close());
  return upstream;
};

t.test('2xx: joins the base path prefix, sends JSON, parses JSON', async (t) => {
  const server = await startServer(t, (_req, res) => json(res, 201, { id: 'q_1', amount_minor: 1250 }));
  const upstream = upstreamFor(t);
  const res = await upstream.request(partner(`${server.origin}/suppliers/sup_a/`), {
    method: 'POST',
    path: '/quotes?currency=USD',
    body: { sku: 'SKU-1', qty: 2 },
    headers: { Authorization: 'Bearer k', 'X-Trace': 't1' },
    signal: new AbortController().signal,
    operation: 'quote',
  });
  t.same(res.body, { id: 'q_1', amount_minor: 1250 });
  t.equal(res.status, 201);
  t.equal(res.headers['content-type'], 'application/json');
  const seen = server.stats.seen[0]!;
  t.equal(seen.method, 'POST');
  t.equal(seen.url, '/suppliers/sup_a/quotes?currency=USD');
  t.equal(seen.headers['content-type'], 'application/json');
  t.equal(seen.headers.accept, 'application/json');
  t.equal(seen.headers.authorization, 'Bearer k');
  t.same(JSON.parse(seen.body), { sku: 'SKU-1', qty: 2 });
});

t.test('form bodies are url-encoded', async (t) => {
  const server = await startServer(t, (_req, res) => json(res, 200, {}));
  const upstream = upstreamFor(t);
  await upstream.request(partner(server.origin), {
    method: 'POST',
    path: '/shipments',
    form: { 'to[zip]': '94107', note: 'a&b' },
    signal: new AbortController().signal,
    operation: 'rates',
  });
  t.equal(server.stats.seen[0]!.headers['content-type'], 'application/x-www-form-urlencoded');
  t.equal(server.stats.seen[0]!.body, 'to%5Bzip%5D=94107&note=a%26b');
});

t.test('an empty 2xx body is null', async (t) => {
  const server = await startServer(t, (req, res) => {
    res.writeHead(req.url === '/no-content' ? 204 : 200);
    res.end();
  });
  const upstream = upstreamFor(t);
  t.equal((await upstream.request(partner(server.origin), get('/no-content'))).body, null);
  t.equal((await upstream.request(partner(server.origin), get('/empty'))).body, null);
});

t.test('4xx is rejected with its body, never retried, never trips the breaker', async (t) => {
  const server = await startServer(t, (req, res) =>
    req.url === '/text' ? (res.writeHead(422), res.end('sku discontinued')) : json(res, 404, { error: 'unknown_sku' }),
  );
  const upstream = upstreamFor(t, { breaker: { volumeThreshold: 3, resetTimeoutMs: 60_000 } });
  for (let i = 0; i < 20; i++) {
    const err = await failureOf(upstream.request(partner(server.origin), get('/skus/x')));
    t.equal(err.failure, 'rejected');
    t.equal(err.status, 404);
    t.same(err.responseBody, { error: 'unknown_sku' });
  }
  const text = await failureOf(upstream.request(partner(server.origin), get('/text')));
  t.equal(text.responseBody, 'sku discontinued');
  t.equal(server.stats.requests, 21, 'one request per call');
  const health = upstream.healthOf('sup_a')!;
  t.equal(health.breaker, 'closed');
  t.equal(health.errorRate, 0);
  t.equal(health.isDegraded, false);
});

t.test('5xx trips the breaker, which then fails fast, then recovers half-open', async (t) => {
  let status = 503;
  const server = await startServer(t, (_req, res) => json(res, status, { ok: status < 300 }));
  const upstream = upstreamFor(t, { breaker: { volumeThreshold: 5, resetTimeoutMs: 300 } });
  const sup = partner(server.origin);
  for (let i = 0; i < 5; i++) t.equal((await failureOf(upstream.request(sup, get('/quote')))).failure, 'server_error');
  t.equal(upstream.healthOf('sup_a')!.breaker, 'open');
  t.equal(upstream.healthOf('sup_a')!.isDegraded, true);

  const before = server.stats.requests;
  const startedAt = Date.now();
  const open = await failureOf(upstream.request(sup, get('/quote')));
  t.equal(open.failure, 'circuit_open');
  t.ok(Date.now() - startedAt < 1000, 'fails fast');
  t.equal(server.stats.requests, before, 'nothing was sent while open');

  status = 200;
  await eventually(() => upstream.healthOf('sup_a')!.breaker === 'half_open');
  t.same((await upstream.request(sup, get('/quote'))).body, { ok: true });
  t.equal(upstream.healthOf('sup_a')!.breaker, 'closed');
});

t.test('a failed half-open trial reopens the breaker', async (t) => {
  const server = await startServer(t, (_req, res) => json(res, 500, {}));
  const upstream = upstreamFor(t, { breaker: { volumeThreshold: 2, resetTimeoutMs: 200 } });
  const sup = partner(server.origin);
  for (let i = 0; i < 2; i++) await failureOf(upstream.request(sup, get('/q')));
  await eventually(() => upstream.healthOf('sup_a')!.breaker === 'half_open');
  t.equal((await failureOf(upstream.request(sup, get('/q')))).failure, 'server_error');
  t.equal(upstream.healthOf('sup_a')!.breaker, 'open');
});

t.test("the order's signal cuts a hanging call and cancels the socket; we gave up, so the breaker and health do not count it", async (t) => {
  const server = await startServer(t, () => undefined);
  const events: UpstreamCallEvent[] = [];
  const upstream = upstreamFor(t, { breaker: { volumeThreshold: 1, resetTimeoutMs: 60_000 }, onCall: (e) => events.push(e) });
  const startedAt = Date.now();
  const err = await failureOf(upstream.request(partner(server.origin, { timeoutMs: 30_000 }), get('/hang', AbortSignal.timeout(200))));
  t.equal(err.failure, 'timeout', 'the caller still sees a timeout');
  t.ok(Date.now() - startedAt < 2000, 'ended well before the partner timeout');
  await eventually(() => server.stats.closedEarly === 1);
  await sleep(50);
  const health = upstream.healthOf('sup_a')!;
  t.equal(health.breaker, 'closed', 'our own deadline never trips the breaker');
  t.equal(health.calls, 0, 'and is not a partner call in the health window');
  t.equal(health.errorRate, 0);
  t.equal(upstream.isDegraded('sup_a'), false);
  t.same(events.map((e) => e.outcome), ['abandoned'], 'metrics still see it, labelled as ours');
});

t.test('many calls abandoned by our deadline (overload) never open the breaker of a healthy partner', async (t) => {
  // The partner answers in 150 ms; the caller gives up at 30 ms, as a lagging server would.
  const server = await startServer(t, (_req, res) => setTimeout(() => json(res, 200, {}), 150));
  const upstream = upstreamFor(t, { breaker: { volumeThreshold: 3, errorThresholdPercentage: 10 } });
  const sup = partner(server.origin, { timeoutMs: 5000 });
  const results = await Promise.allSettled(Array.from({ length: 12 }, () => upstream.request(sup, get('/q', AbortSignal.timeout(30)))));
  t.ok(results.every((r) => r.status === 'rejected' && (r.reason as UpstreamError).failure === 'timeout'));
  t.equal(upstream.healthOf('sup_a')!.breaker, 'closed');
  const res = await upstream.request(sup, get('/q'));
  t.equal(res.status, 200, 'the next call with time to wait goes through');
  t.equal(upstream.healthOf('sup_a')!.errorRate, 0);
});

t.test("the partner's own timeoutMs still counts against it (breaker and health)", async (t) => {
  const server = await startServer(t, () => undefined);
  const upstream = upstreamFor(t, { breaker: { volumeThreshold: 1, resetTimeoutMs: 60_000 } });
  // The caller would wait 10 s; the partner's limit (150 ms) fires first: the partner was too slow.
  const err = await failureOf(upstream.request(partner(server.origin, { timeoutMs: 150 }), get('/hang', AbortSignal.timeout(10_000))));
  t.equal(err.failure, 'timeout');
  await eventually(() => upstream.healthOf('sup_a')!.breaker === 'open');
  t.equal(upstream.healthOf('sup_a')!.errorRate, 1);
});

t.test('an abandoned half-open trial proves nothing: the breaker stays open', async (t) => {
  let mode: 'fail' | 'hang' = 'fail';
  const server = await startServer(t, (_req, res) => (mode === 'fail' ? json(res, 500, {}) : undefined));
  const upstream = upstreamFor(t, { breaker: { volumeThreshold: 1, resetTimeoutMs: 200 } });
  const sup = partner(server.origin, { timeoutMs: 30_000 });
  t.equal((await failureOf(upstream.request(sup, get('/q')))).failure, 'server_error');
  t.equal(upstream.healthOf('sup_a')!.breaker, 'open');
  await eventually(() => upstream.healthOf('sup_a')!.breaker === 'half_open');
  mode = 'hang';
  t.equal((await failureOf(upstream.request(sup, get('/q', AbortSignal.timeout(100))))).failure, 'timeout');
  t.not(upstream.healthOf('sup_a')!.breaker, 'closed', 'not closed by a trial we abandoned');
});

t.test("the partner's timeoutMs cuts a body that never finishes", async (t) => {
  const server = await startServer(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"partial":');
  });
  const upstream = upstreamFor(t);
  const startedAt = Date.now();
  const err = await failureOf(upstream.request(partner(server.origin, { timeoutMs: 200 }), get('/slow-body')));
  t.equal(err.failure, 'timeout');
  t.ok(Date.now() - startedAt < 2000);
  await eventually(() => server.stats.closedEarly === 1);
});

t.test('maxConcurrency bounds requests in flight, and a limits change is picked up', async (t) => {
  const server = await startServer(t, (_req, res) => setTimeout(() => json(res, 200, {}), 60));
  const upstream = upstreamFor(t);
  await Promise.all(Array.from({ length: 8 }, () => upstream.request(partner(server.origin, { maxConcurrency: 2 }), get('/q'))));
  t.equal(server.stats.maxInFlight, 2);
  server.stats.maxInFlight = 0;
  await Promise.all(Array.from({ length: 8 }, () => upstream.request(partner(server.origin, { maxConcurrency: 4 }), get('/q'))));
  t.equal(server.stats.maxInFlight, 4);
});

t.test('queue time counts against the deadline: calls over the rate are dropped unsent', async (t) => {
  const server = await startServer(t, (_req, res) => json(res, 200, {}));
  const upstream = upstreamFor(t, { breaker: { volumeThreshold: 1 } });
  const sup = partner(server.origin, { ratePerSecond: 2, timeoutMs: 300 });
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => upstream.request(sup, get('/q'))));
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as UpstreamError).failure] : []));
  t.same(failures, ['timeout', 'timeout', 'timeout']);
  await sleep(1100);
  t.equal(server.stats.requests, 2, 'dropped tasks never ran');
  t.equal(upstream.healthOf('sup_a')!.breaker, 'closed', 'the breaker never saw the dropped tasks');
});

t.test('responses that are not JSON, too large, or redirects are invalid_response', async (t) => {
  const server = await startServer(t, (req, res) => {
    if (req.url === '/html') return res.writeHead(200, { 'content-type': 'text/html' }), res.end('<html>oops</html>');
    if (req.url === '/big') return res.writeHead(200), res.end(JSON.stringify({ blob: 'x'.repeat(4096) }));
    if (req.url === '/big-chunked') {
      res.writeHead(200);
      for (let i = 0; i < 8; i++) res.write('"' + 'y'.repeat(500) + '"');
      return res.end();
    }
    if (req.url === '/redirect') return res.writeHead(302, { location: '/elsewhere' }), res.end();
    json(res, 200, { reached: req.url });
  });
  const upstream = upstreamFor(t, { maxResponseBytes: 1024 });
  const sup = partner(server.origin);
  for (const path of ['/html', '/big', '/big-chunked', '/redirect']) {
    t.equal((await failureOf(upstream.request(sup, get(path)))).failure, 'invalid_response', path);
  }
  t.notOk(server.stats.seen.some((s) => s.url === '/elsewhere'), 'redirect not followed');
  t.equal(upstream.healthOf('sup_a')!.errorRate, 1, 'invalid responses count as errors');
});

t.test('connection refused is network', async (t) => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  const upstream = upstreamFor(t);
  t.equal((await failureOf(upstream.request(partner(`http://127.0.0.1:${port}`), get('/q')))).failure, 'network');
});

t.test('health and onCall reflect real calls', async (t) => {
  const server = await startServer(t, (req, res) => {
    const status = Number(req.url?.slice(1));
    json(res, status, {});
  });
  const events: UpstreamCallEvent[] = [];
  const upstream = upstreamFor(t, { onCall: (e) => events.push(e), breaker: { volumeThreshold: 1000 } });
  const sup = partner(server.origin);
  for (const status of [200, 200, 200, 200, 200, 200, 404, 404, 500, 500, 500]) {
    await upstream.request(sup, get(`/${status}`)).catch(() => undefined);
  }
  const health = upstream.healthOf('sup_a')!;
  t.equal(health.calls, 11);
  t.equal(health.errorRate, 3 / 11);
  t.equal(health.isDegraded, true, 'over 20% errors after 10 calls');
  t.equal(health.breaker, 'closed');
  t.ok(health.latencyMs.p50 > 0 && health.latencyMs.p50 <= health.latencyMs.p95 && health.latencyMs.p95 <= health.latencyMs.p99);
  t.same(upstream.health(), [health]);
  t.equal(upstream.healthOf('nobody'), undefined);
  t.same(
    events.map((e) => e.outcome),
    ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'rejected', 'rejected', 'server_error', 'server_error', 'server_error'],
  );
  t.match(events[0], { partnerId: 'sup_a', kind: 'supplier', operation: 'quote' });
});

t.test('SSRF guard at call time', async (t) => {
  const server = await startServer(t, (_req, res) => json(res, 200, {}));
  const events: UpstreamCallEvent[] = [];
  const upstream = createUpstream({ allowPrivateUrls: false, onCall: (e) => events.push(e) });
  t.teardown(() => upstream.close());

  t.equal((await failureOf(upstream.request(partner(server.origin), get('/q')))).failure, 'url_rejected', 'http refused');
  const literal = await failureOf(upstream.request(partner(`https://127.0.0.1:${server.port}`), get('/q')));
  t.equal(literal.failure, 'url_rejected', 'loopback literal refused');
  const resolved = await failureOf(upstream.request(partner(`https://localhost:${server.port}`), get('/q')));
  t.equal(resolved.failure, 'url_rejected', 'a name resolving to loopback is refused by the connect lookup');
  t.match(resolved.message, /loopback/);
  t.equal(server.stats.requests, 0, 'nothing reached the server');
  t.same(events.map((e) => e.outcome), ['url_rejected', 'url_rejected', 'url_rejected']);
  t.equal(upstream.healthOf('sup_a')!.calls, 0, 'refused calls are not partner calls');
});

t.test('close() does not hang on an in-flight call and refuses new ones', async (t) => {
  const server = await startServer(t, () => undefined);
  const upstream = createUpstream({ allowPrivateUrls: true });
  const pending = failureOf(upstream.request(partner(server.origin), get('/hang')));
  await eventually(() => server.stats.requests === 1);
  const startedAt = Date.now();
  await upstream.close();
  t.ok(Date.now() - startedAt < 2000);
  t.type(await pending, UpstreamError);
  t.type(await failureOf(upstream.request(partner(server.origin), get('/q'))), UpstreamError);
  t.equal(server.stats.requests, 1);
});
