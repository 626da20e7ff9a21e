import t from 'tap';
import { bearer, instructionBody, partnerKey, quoteBody, startSandbox } from './helpers.js';

t.test('a quote has the pledge-supplier-v1 shape', async (t) => {
  const { sandbox, call } = await startSandbox(t);
  const res = await call('/suppliers/sup_acme/quotes', { method: 'POST', headers: bearer(partnerKey(sandbox, 'sup_acme')), json: quoteBody() });
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^application\/json/);
  const body = await res.json();
  t.same(body.items, [{ supplier_sku: 'ACME-MUG-BLK-12', available_quantity: 140, unit_cost: { amount_minor: 650, currency: 'USD' } }]);
  const eta = Date.parse(body.handover_eta) - Date.parse('2026-11-25T14:00:00Z');
  t.ok(eta >= 2 * 3_600_000 && eta <= 4 * 3_600_000, `handover within Acme's 2-4 h of handling (got ${eta / 60_000} min)`);
  t.equal(body.valid_until, '2026-11-25T14:15:00Z');
  t.match(body.handover_eta, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

t.test('quotes refuse what the supplier does not sell, and malformed requests', async (t) => {
  const { sandbox, call } = await startSandbox(t);
  const auth = bearer(partnerKey(sandbox, 'sup_acme'));
  const unknown = await call('/suppliers/sup_acme/quotes', { method: 'POST', headers: auth, json: quoteBody({ items: [{ supplier_sku: 'BOLT-HP-ANC-01', quantity: 1 }] }) });
  t.equal(unknown.status, 422);
  t.match(unknown.headers.get('content-type'), /^application\/problem\+json/);
  t.match(await unknown.json(), { status: 422, code: 'UNKNOWN_SKU', detail: /BOLT-HP-ANC-01/ });

  const invalid = await call('/suppliers/sup_acme/quotes', { method: 'POST', headers: auth, json: quoteBody({ items: [{ supplier_sku: 'ACME-MUG-BLK-12', quantity: 0 }] }) });
  t.equal(invalid.status, 400);
  t.match(await invalid.json(), { code: 'VALIDATION_FAILED', errors: [{ field: 'items.0.quantity' }] });
});

t.test('instructions are idempotent on Idempotency-Key', async (t) => {
  const { sandbox, call } = await startSandbox(t);
  const headers = { ...bearer(partnerKey(sandbox, 'sup_acme')), 'idempotency-key': 'shp_test_1' };
  const first = await call('/suppliers/sup_acme/instructions', { method: 'POST', headers, json: instructionBody() });
  t.equal(first.status, 201);
  t.equal(first.headers.get('idempotent-replayed'), null);
  const firstBody = await first.json();
  t.same(firstBody, { supplier_order_ref: 'SO-10001', status: 'received' });

  // Same body with its keys in another order: still the same instruction.
  const reordered = Object.fromEntries(Object.entries(instructionBody()).reverse());
  const replay = await call('/suppliers/sup_acme/instructions', { method: 'POST', headers, json: reordered });
  t.equal(replay.status, 200);
  t.equal(replay.headers.get('idempotent-replayed'), 'true');
  t.same(await replay.json(), firstBody);

  const reused = await call('/suppliers/sup_acme/instructions', { method: 'POST', headers, json: instructionBody({ service: 'Express' }) });
  t.equal(reused.status, 422);
  t.match(reused.headers.get('content-type'), /^application\/problem\+json/);
  t.match(await reused.json(), { status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });

  const records = sandbox.instructions({ orderId: 'ord_test_1' });
  t.equal(records.length, 1);
  t.match(records[0], {
    supplier_id: 'sup_acme', idempotency_key: 'shp_test_1', supplier_order_ref: 'SO-10001', order_ref: 'ord_test_1',
    shipment_ref: 'shp_test_1', deliveries: 2, status: 'received', first_received_at: '2026-11-25T14:00:00Z',
  });
  t.same(records[0]!.body, instructionBody());
  t.same(sandbox.instructions({ orderId: 'ord_other' }), []);

  const viaHttp = await (await call('/_sandbox/instructions?order_id=ord_test_1')).json();
  t.equal(viaHttp.data[0].deliveries, 2);

  const second = await call('/suppliers/sup_acme/instructions', { method: 'POST', headers: { ...headers, 'idempotency-key': 'shp_test_2' }, json: instructionBody({ shipment_ref: 'shp_test_2' }) });
  t.same(await second.json(), { supplier_order_ref: 'SO-10002', status: 'received' });
});

t.test('an instruction needs an Idempotency-Key and a valid body', async (t) => {
  const { sandbox, call } = await startSandbox(t);
  const auth = bearer(partnerKey(sandbox, 'sup_acme'));
  const missing = await call('/suppliers/sup_acme/instructions', { method: 'POST', headers: auth, json: instructionBody() });
  t.equal(missing.status, 400);
  t.match(await missing.json(), { code: 'IDEMPOTENCY_KEY_MISSING' });
  const invalid = await call('/suppliers/sup_acme/instructions', { method: 'POST', headers: { ...auth, 'idempotency-key': 'k' }, json: instructionBody({ handover_by: 'tomorrow' }) });
  t.equal(invalid.status, 400);
  t.match(await invalid.json(), { code: 'VALIDATION_FAILED', errors: [{ field: 'handover_by' }] });
  t.same(sandbox.instructions(), []);
});

t.test('stock decrements on instruction, comes back on cancel, and the stock knob overrides it', async (t) => {
  const { sandbox, call } = await startSandbox(t);
  const auth = bearer(partnerKey(sandbox, 'sup_acme'));
  const available = async () =>
    (await (await call('/suppliers/sup_acme/quotes', { method: 'POST', headers: auth, json: quoteBody() })).json()).items[0].available_quantity;
  t.equal(await available(), 140);
  await call('/suppliers/sup_acme/instructions', { method: 'POST', headers: { ...auth, 'idempotency-key': 'a' }, json: instructionBody({ items: [{ supplier_sku: 'ACME-MUG-BLK-12', quantity: 5 }] }) });
  t.equal(await available(), 135);

  sandbox.patchPartner('sup_acme', { stock: 0 });
  t.equal(await available(), 0, 'stock 0 empties every SKU');
  sandbox.patchPartner('sup_acme', { stock: null });
  t.equal(await available(), 135, 'null gives the world stock back');

  const cancel = await call('/suppliers/sup_acme/instructions/SO-10001/cancel', { method: 'POST', headers: auth });
  t.equal(cancel.status, 200);
  t.same(await cancel.json(), { supplier_order_ref: 'SO-10001', status: 'cancelled' });
  t.equal(await available(), 140);
  t.equal(sandbox.instructions()[0]!.status, 'cancelled');
  const again = await call('/suppliers/sup_acme/instructions/SO-10001/cancel', { method: 'POST', headers: auth });
  t.same(await again.json(), { supplier_order_ref: 'SO-10001', status: 'cancelled' });
  t.equal(await available(), 140, 'a repeated cancel does not restock twice');
});

t.test('cancel after the handover is too late; an unknown ref is 404', async (t) => {
  const { sandbox, call, clock } = await startSandbox(t);
  const auth = bearer(partnerKey(sandbox, 'sup_acme'));
  await call('/suppliers/sup_acme/instructions', { method: 'POST', headers: { ...auth, 'idempotency-key': 'a' }, json: instructionBody() });
  clock.set('2026-11-25T20:00:00Z');
  const late = await call('/suppliers/sup_acme/instructions/SO-10001/cancel', { method: 'POST', headers: auth });
  t.same(await late.json(), { supplier_order_ref: 'SO-10001', status: 'too_late' });
  t.equal(sandbox.instructions()[0]!.status, 'received');
  const unknown = await call('/suppliers/sup_acme/instructions/SO-99999/cancel', { method: 'POST', headers: auth });
  t.equal(unknown.status, 404);
  t.match(await unknown.json(), { code: 'NOT_FOUND' });
});

t.test('wrong or missing credentials answer 401 problem+json', async (t) => {
  const { sandbox, call } = await startSandbox(t);
  for (const headers of [{}, bearer('nope'), bearer(partnerKey(sandbox, 'sup_bolt'))]) {
    const res = await call('/suppliers/sup_acme/quotes', { method: 'POST', headers, json: quoteBody() });
    t.equal(res.status, 401);
    t.match(res.headers.get('content-type'), /^application\/problem\+json/);
    t.match(await res.json(), { status: 401, code: 'UNAUTHORIZED', title: 'Unauthorized' });
  }
  const unknownSupplier = await call('/suppliers/sup_nope/quotes', { method: 'POST', headers: bearer('x'), json: quoteBody() });
  t.equal(unknownSupplier.status, 404);
  t.match(await unknownSupplier.json(), { code: 'NOT_FOUND' });
});
