import t from 'tap';
import { AppError } from '../../src/errors.js';
import { SandboxKnobsPatch, SandboxNotFoundError } from '../../src/sandbox/index.js';
import { createRng, lognormalMs } from '../../src/sandbox/random.js';
import { basic, bearer, NJ_ADDRESS, NY_ADDRESS, partnerKey, quoteBody, startSandbox } from './helpers.js';

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

t.test('error_rate 1 answers 5xx in each partner\'s own format', async (t) => {
  const s = await startSandbox(t);
  for (const id of ['sup_acme', 'car_easypost', 'car_shippo', 'car_shipengine']) s.sandbox.patchPartner(id, { error_rate: 1 });
  const key = (id: string) => partnerKey(s.sandbox, id);

  for (let i = 0; i < 4; i++) {
    const supplier = await s.call('/suppliers/sup_acme/quotes', { method: 'POST', headers: bearer(key('sup_acme')), json: quoteBody() });
    t.ok([500, 503].includes(supplier.status), `supplier answered ${supplier.status}`);
    t.match(supplier.headers.get('content-type'), /^application\/problem\+json/);
    t.match(await supplier.json(), { status: supplier.status, code: supplier.status === 503 ? 'NOT_READY' : 'INTERNAL' });
  }
  const easypost = await s.call('/easypost/car_easypost/v2/shipments', { method: 'POST', headers: basic(key('car_easypost')), json: {} });
  t.ok(easypost.status >= 500);
  t.match(await easypost.json(), { error: { code: /^(INTERNAL_SERVER_ERROR|SERVICE\.UNAVAILABLE)$/, message: String, errors: [] } });
  const shippo = await s.call('/shippo/car_shippo/shipments/', { method: 'POST', headers: { authorization: `ShippoToken ${key('car_shippo')}` }, json: {} });
  t.ok(shippo.status >= 500);
  t.match(await shippo.json(), { detail: String });
  const shipengine = await s.call('/shipengine/car_shipengine/v1/rates', { method: 'POST', headers: { 'api-key': key('car_shipengine') }, json: {} });
  t.ok(shipengine.status >= 500);
  t.match(await shipengine.json(), { request_id: String, errors: [{ error_source: 'shipengine', error_type: 'system' }] });

  // Outages hit everyone, but other partners stay up.
  const bolt = await s.call('/suppliers/sup_bolt/quotes', { method: 'POST', headers: bearer(key('sup_bolt')), json: quoteBody({ items: [{ supplier_sku: 'BOLT-CHG-65W', quantity: 1 }] }) });
  t.equal(bolt.status, 200);
});

t.test('error_rate 0.5 fails about half the calls', async (t) => {
  const s = await startSandbox(t);
  s.sandbox.patchPartner('wh_acme_nj', { error_rate: 0.5 });
  let failures = 0;
  for (let i = 0; i < 60; i++) {
    const res = await s.call('/warehouses/wh_acme_nj/schedule', { method: 'POST', headers: bearer(partnerKey(s.sandbox, 'wh_acme_nj')), json: { from: '2026-11-25T14:00:00Z' } });
    if (res.status >= 500) failures++;
    await res.arrayBuffer();
  }
  t.ok(failures >= 15 && failures <= 45, `${failures}/60 failed`);
});

t.test('hang_rate 1 never answers; close() still returns promptly', async (t) => {
  const s = await startSandbox(t);
  s.sandbox.patchPartner('sup_acme', { hang_rate: 1 });
  const started = Date.now();
  const aborted = await s
    .call('/suppliers/sup_acme/quotes', { method: 'POST', headers: bearer(partnerKey(s.sandbox, 'sup_acme')), json: quoteBody(), signal: AbortSignal.timeout(200) })
    .then(() => 'answered', (err: Error) => err.name);
  t.equal(aborted, 'TimeoutError', 'the client gave up');
  t.ok(Date.now() - started >= 190, 'after its deadline');

  // One more hung request still in flight when the sandbox closes.
  const inFlight = s.call('/suppliers/sup_acme/quotes', { method: 'POST', headers: bearer(partnerKey(s.sandbox, 'sup_acme')), json: quoteBody() }).then(() => 'answered', () => 'failed');
  await new Promise((r) => setTimeout(r, 50));
  const closing = Date.now();
  await s.sandbox.close();
  t.ok(Date.now() - closing < 1000, `close took ${Date.now() - closing} ms`);
  t.equal(await inFlight, 'failed', 'the hung request ended with the connection');
});

t.test('close() cuts a long latency wait short', async (t) => {
  const s = await startSandbox(t);
  s.sandbox.patchPartner('wh_acme_nj', { latency_ms_median: 60_000, latency_ms_p99: 60_000 });
  const pending = s.call('/warehouses/wh_acme_nj/schedule', { method: 'POST', headers: bearer(partnerKey(s.sandbox, 'wh_acme_nj')), json: { from: '2026-11-25T14:00:00Z' } }).then(() => 'answered', () => 'failed');
  await new Promise((r) => setTimeout(r, 50));
  const closing = Date.now();
  await s.sandbox.close();
  t.ok(Date.now() - closing < 1000, `close took ${Date.now() - closing} ms`);
  t.equal(await pending, 'failed');
});

t.test('latency draws follow the log-normal the knobs describe', async (t) => {
  const rng = createRng(12345);
  const draws = Array.from({ length: 20_000 }, () => lognormalMs(rng.next(), rng.next(), 5, 20, 600_000)).sort((a, b) => a - b);
  t.ok(Math.abs(quantile(draws, 0.5) - 5) < 0.25, `median ${quantile(draws, 0.5)}`);
  t.ok(Math.abs(quantile(draws, 0.99) - 20) < 2, `p99 ${quantile(draws, 0.99)}`);
  t.equal(lognormalMs(0.3, 0.7, 0, 0, 600_000), 0, 'a zero median means no delay');
  t.equal(lognormalMs(0.3, 0.7, 8, 8, 600_000), 8, 'p99 equal to the median means a constant delay');
  t.equal(lognormalMs(0.999999, 0, 100, 100_000, 250), 250, 'capped');
});

t.test('patchPartner validates and returns the new state', async (t) => {
  const s = await startSandbox(t);
  const patched = s.sandbox.patchPartner('sup_coral', { error_rate: 0.25, stock: 3 });
  t.match(patched, { id: 'sup_coral', kind: 'supplier', name: 'Coral Apparel', base_url: `${s.baseUrl}/suppliers/sup_coral` });
  t.match(patched.knobs, { error_rate: 0.25, stock: 3, handover_reliability: 0.82, hang_rate: 0 });
  t.same(s.sandbox.partners().find((p) => p.id === 'sup_coral')!.knobs, patched.knobs);

  const rejects: [string, string, Record<string, unknown>][] = [
    ['sup_coral', 'error_rate', { error_rate: 1.5 }],
    ['sup_coral', 'hang_rate', { hang_rate: -0.1 }],
    ['sup_coral', 'latency_ms_p99', { latency_ms_median: 50, latency_ms_p99: 10 }],
    ['sup_coral', 'latency_ms_p99', { latency_ms_median: 10_000 }],
    ['sup_coral', 'stock', { stock: 1.5 }],
    ['sup_coral', 'stock', { stock: -1 }],
    ['sup_coral', 'bogus', { bogus: 1 }],
    ['car_easypost', 'stock', { stock: 5 }],
    ['wh_acme_nj', 'handover_reliability', { handover_reliability: 0.5 }],
    ['sup_acme', 'pickup_capacity', { pickup_capacity: 10 }],
    ['wh_acme_nj', 'pickup_capacity', { pickup_capacity: -1 }],
  ];
  for (const [id, field, patch] of rejects) {
    let caught: unknown;
    try {
      s.sandbox.patchPartner(id, patch);
    } catch (err) {
      caught = err;
    }
    t.ok(caught instanceof AppError && caught.code === 'VALIDATION_FAILED' && caught.errors.some((e) => e.field === field), `${id} ${JSON.stringify(patch)} rejected on ${field}`);
  }
  t.match(s.sandbox.partners().find((p) => p.id === 'sup_coral')!.knobs, { error_rate: 0.25, latency_ms_median: 0 }, 'a rejected patch changes nothing');
  t.throws(() => s.sandbox.patchPartner('sup_nope', {}), SandboxNotFoundError);

  t.ok(SandboxKnobsPatch.safeParse({ latency_ms_median: 10, latency_ms_p99: 10, stock: null }).success);
  t.notOk(SandboxKnobsPatch.safeParse({ latency_ms_median: 10, latency_ms_p99: 9 }).success);
  t.notOk(SandboxKnobsPatch.safeParse({ extra: true }).success);
});

t.test('the control routes list and patch partners over HTTP', async (t) => {
  const s = await startSandbox(t);
  const list = await (await s.call('/_sandbox/partners')).json();
  t.same(list.data.map((p: { id: string }) => p.id), [
    'sup_acme', 'sup_bolt', 'sup_coral', 'wh_acme_nj', 'wh_bolt_tx', 'wh_bolt_ga', 'wh_coral_ca', 'car_easypost', 'car_shippo', 'car_shipengine',
  ]);
  const ok = await s.call('/_sandbox/partners/car_shippo', { method: 'PATCH', json: { error_rate: 0.1 } });
  t.equal(ok.status, 200);
  t.match(await ok.json(), { id: 'car_shippo', kind: 'carrier', knobs: { error_rate: 0.1 } });
  const bad = await s.call('/_sandbox/partners/car_shippo', { method: 'PATCH', json: { error_rate: 2 } });
  t.equal(bad.status, 400);
  t.match(await bad.json(), { code: 'VALIDATION_FAILED', errors: [{ field: 'error_rate' }] });
  const missing = await s.call('/_sandbox/partners/nope', { method: 'PATCH', json: {} });
  t.equal(missing.status, 404);
  const world = await (await s.call('/_sandbox/world')).json();
  t.same(world, s.sandbox.world);
});

t.test('knobs apply to carriers too: a patched latency shows up on rates', async (t) => {
  const s = await startSandbox(t);
  s.sandbox.patchPartner('car_easypost', { latency_ms_median: 80, latency_ms_p99: 80 });
  const started = Date.now();
  const res = await s.call('/easypost/car_easypost/v2/shipments', {
    method: 'POST', headers: basic(partnerKey(s.sandbox, 'car_easypost')), json: { shipment: { to_address: NY_ADDRESS, from_address: NJ_ADDRESS, parcel: { weight: 8 } } },
  });
  t.equal(res.status, 201);
  t.ok(Date.now() - started >= 75, `took ${Date.now() - started} ms`);
});
