import t from 'tap';
import { createUpstream, UpstreamError } from '../../src/upstream/index.js';

const failureOf = (p: Promise<unknown>) => p.then(() => 'ok', (err: unknown) => (err instanceof UpstreamError ? err.failure : String(err)));
import { eventually, get, json, partner, startServer } from './helper.js';

/** A server that answers at once, except request numbers listed in `hang`, which it never answers. */
async function server(t: Parameters<typeof startServer>[0], hang: Set<number>) {
  let n = 0;
  return startServer(t, (_req, res) => {
    n++;
    if (hang.has(n)) return;
    json(res, 200, { n });
  });
}

t.test('a slow idempotent read gets one duplicate after the partner p95; the first answer wins', async (t) => {
  const srv = await server(t, new Set([21]));
  const upstream = createUpstream({ allowPrivateUrls: true, hedging: { isEnabled: true, minSamples: 20, maxFraction: 0.05 } });
  t.teardown(() => upstream.close());
  const p = partner(srv.origin);
  for (let i = 0; i < 20; i++) await upstream.request(p, { ...get('/q'), idempotent: true });
  const startedAt = Date.now();
  const res = await upstream.request(p, { ...get('/q'), idempotent: true });
  t.equal((res.body as { n: number }).n, 22, 'the duplicate (request 22) answered');
  t.ok(Date.now() - startedAt < 2000, 'well before the 5 s partner timeout');
  t.equal(srv.stats.requests, 22);
  const health = upstream.healthOf('sup_a')!;
  t.same(health.hedges, { sent: 1, won: 1 });
  t.equal(health.breaker, 'closed');
  t.equal(health.errorRate, 0, 'the cancelled copy is not a partner failure');
  await eventually(() => srv.stats.inFlight === 0);
  t.equal(srv.stats.closedEarly, 1, 'the losing copy was cancelled');
});

t.test('writes are never hedged', async (t) => {
  const srv = await server(t, new Set([21]));
  const upstream = createUpstream({ allowPrivateUrls: true });
  t.teardown(() => upstream.close());
  const p = partner(srv.origin, { timeoutMs: 300 });
  for (let i = 0; i < 20; i++) await upstream.request(p, { ...get('/q'), idempotent: true });
  t.equal(await failureOf(upstream.request(p, { ...get('/instructions'), method: 'POST', idempotent: false })), 'timeout');
  t.equal(srv.stats.requests, 21, 'no duplicate instruction');
  t.same(upstream.healthOf('sup_a')!.hedges, { sent: 0, won: 0 });
});

t.test('no hedging before the partner has a track record, and at most 5% of calls', async (t) => {
  // Every call from the 21st on hangs until the per-call timeout.
  const hang = new Set(Array.from({ length: 200 }, (_, i) => i + 21));
  const srv = await server(t, hang);
  const upstream = createUpstream({ allowPrivateUrls: true });
  t.teardown(() => upstream.close());
  const p = partner(srv.origin, { timeoutMs: 200, maxConcurrency: 100 });
  for (let i = 0; i < 20; i++) await upstream.request(p, { ...get('/q'), idempotent: true });
  await Promise.allSettled(Array.from({ length: 40 }, () => upstream.request(p, { ...get('/q'), idempotent: true })));
  const { hedges } = upstream.healthOf('sup_a')!;
  t.ok(hedges!.sent <= Math.floor(0.05 * 60), `hedges sent ${hedges!.sent} of 60 eligible calls`);
  t.ok(hedges!.sent >= 1, 'some hedging happened');
});

t.test('hedging can be turned off', async (t) => {
  const srv = await server(t, new Set([21]));
  const upstream = createUpstream({ allowPrivateUrls: true, hedging: { isEnabled: false } });
  t.teardown(() => upstream.close());
  const p = partner(srv.origin, { timeoutMs: 300 });
  for (let i = 0; i < 20; i++) await upstream.request(p, { ...get('/q'), idempotent: true });
  t.equal(await failureOf(upstream.request(p, { ...get('/q'), idempotent: true })), 'timeout');
  t.equal(srv.stats.requests, 21);
});

t.test('isDegraded gives the same verdict as the full health summary, without percentiles', async (t) => {
  let n = 0;
  const srv = await startServer(t, (_req, res) => json(res, ++n % 3 === 0 ? 200 : 500, {}));
  const upstream = createUpstream({ allowPrivateUrls: true, breaker: { volumeThreshold: 1000 } });
  t.teardown(() => upstream.close());
  const p = partner(srv.origin);
  t.equal(upstream.isDegraded('sup_a'), false, 'unknown partner');
  for (let i = 0; i < 5; i++) await failureOf(upstream.request(p, get('/q')));
  t.equal(upstream.isDegraded('sup_a'), false, 'too few calls to judge');
  for (let i = 0; i < 10; i++) await failureOf(upstream.request(p, get('/q')));
  t.equal(upstream.isDegraded('sup_a'), true, 'two in three calls fail');
  t.equal(upstream.isDegraded('sup_a'), upstream.healthOf('sup_a')!.isDegraded);
});
