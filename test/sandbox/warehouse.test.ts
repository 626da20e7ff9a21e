import t from 'tap';
import { pickupsBetween } from '../../src/sandbox/schedule.js';
import { bearer, instructionBody, partnerKey, startSandbox } from './helpers.js';

const site = (utcOffsetMinutes: number) => ({ utcOffsetMinutes, cutoffLocalMinutes: 15 * 60, departAfterMinutes: 120 });
const iso = (d: Date) => d.toISOString().replace('.000', '');

t.test('pickups: 15:00 local on weekdays, departing two hours later', async (t) => {
  const cases: { name: string; offset: number; from: string; days: number; cutoffs: string[] }[] = [
    { name: 'NJ, Wednesday morning', offset: -300, from: '2026-11-25T14:00:00Z', days: 3, cutoffs: ['2026-11-25T20:00:00Z', '2026-11-26T20:00:00Z', '2026-11-27T20:00:00Z'] },
    { name: 'TX is an hour later in UTC', offset: -360, from: '2026-11-25T14:00:00Z', days: 1, cutoffs: ['2026-11-25T21:00:00Z'] },
    { name: 'CA, Friday after cut-off skips the weekend', offset: -480, from: '2026-11-27T23:30:00Z', days: 4, cutoffs: ['2026-11-30T23:00:00Z', '2026-12-01T23:00:00Z'] },
    { name: 'a Saturday window is empty', offset: -300, from: '2026-11-28T00:00:00Z', days: 1, cutoffs: [] },
    { name: 'exactly at cut-off still makes it', offset: -300, from: '2026-11-25T20:00:00Z', days: 1, cutoffs: ['2026-11-25T20:00:00Z'] },
  ];
  for (const c of cases) {
    const pickups = pickupsBetween(site(c.offset), new Date(c.from), c.days);
    t.same(pickups.map((p) => iso(p.cutoffAt)), c.cutoffs, c.name);
    for (const p of pickups) t.equal(p.departsAt.getTime() - p.cutoffAt.getTime(), 2 * 3_600_000, `${c.name}: departs 2 h after cut-off`);
  }
});

t.test('the schedule endpoint speaks pledge-warehouse-v1 and books capacity from instructions', async (t) => {
  const { sandbox, call } = await startSandbox(t);
  const schedule = async () => {
    const res = await call('/warehouses/wh_acme_nj/schedule', {
      method: 'POST', headers: bearer(partnerKey(sandbox, 'wh_acme_nj')), json: { from: '2026-11-25T14:00:00Z', days: 5, parcels: 1 },
    });
    t.equal(res.status, 200);
    return res.json();
  };
  const before = await schedule();
  t.equal(before.warehouse_ref, 'EWR-2');
  t.equal(before.handling_hours, 2);
  t.same(before.pickups.map((p: { cutoff_at: string }) => p.cutoff_at), ['2026-11-25T20:00:00Z', '2026-11-26T20:00:00Z', '2026-11-27T20:00:00Z']);
  t.same(before.pickups[0], { cutoff_at: '2026-11-25T20:00:00Z', departs_at: '2026-11-25T22:00:00Z', capacity_remaining: 120 });

  await call('/suppliers/sup_acme/instructions', {
    method: 'POST', headers: { ...bearer(partnerKey(sandbox, 'sup_acme')), 'idempotency-key': 'shp_a' }, json: instructionBody({ handover_by: '2026-11-25T18:00:00Z' }),
  });
  const after = await schedule();
  t.equal(after.pickups[0].capacity_remaining, 119, 'the instruction took a place on the first pickup after its handover');
  t.equal(after.pickups[1].capacity_remaining, 120);
});

t.test('schedule requests are validated and authenticated', async (t) => {
  const { sandbox, call } = await startSandbox(t);
  const auth = bearer(partnerKey(sandbox, 'wh_bolt_tx'));
  const bad = await call('/warehouses/wh_bolt_tx/schedule', { method: 'POST', headers: auth, json: { from: 'soon', days: 0 } });
  t.equal(bad.status, 400);
  t.match(await bad.json(), { code: 'VALIDATION_FAILED', errors: [{ field: 'from' }, { field: 'days' }] });
  const defaults = await call('/warehouses/wh_bolt_tx/schedule', { method: 'POST', headers: auth, json: { from: '2026-11-25T14:00:00-05:00' } });
  t.equal((await defaults.json()).pickups.length, 3, 'days defaults to a 5-day window: Wed, Thu, Fri, then the weekend');
  const wrongKey = await call('/warehouses/wh_bolt_tx/schedule', { method: 'POST', headers: bearer(partnerKey(sandbox, 'wh_acme_nj')), json: { from: '2026-11-25T14:00:00Z' } });
  t.equal(wrongKey.status, 401);
  t.match(await wrongKey.json(), { code: 'UNAUTHORIZED' });
});

t.test("a seller's own warehouse ids in instructions book the right site's pickups (sellers created through the API)", async (t) => {
  const { sandbox, baseUrl, call } = await startSandbox(t);
  const capacity = async (warehouseId: string) => {
    const res = await call(`/warehouses/${warehouseId}/schedule`, {
      method: 'POST', headers: bearer(partnerKey(sandbox, warehouseId)), json: { from: '2026-11-25T14:00:00Z', days: 1 },
    });
    return (await res.json()).pickups[0].capacity_remaining as number;
  };
  const instruct = (supplierId: string, key: string, body: Record<string, unknown>) =>
    call(`/suppliers/${supplierId}/instructions`, {
      method: 'POST', headers: { ...bearer(partnerKey(sandbox, supplierId)), 'idempotency-key': key }, json: instructionBody({ handover_by: '2026-11-25T16:00:00Z', ...body }),
    });

  // Registered by base URL (what the seller configured for its warehouse), over HTTP and in-process.
  const mapped = await call('/_sandbox/warehouse-refs/wh_7f3k_seller', { method: 'PUT', json: { base_url: `${baseUrl}/warehouses/wh_bolt_ga/` } });
  t.equal(mapped.status, 200);
  t.same(await mapped.json(), { warehouse_ref: 'wh_7f3k_seller', warehouse_id: 'wh_bolt_ga' });
  sandbox.mapWarehouseRef('wh_9q2m_seller', '/warehouses/wh_bolt_tx');
  const unknownSite = await call('/_sandbox/warehouse-refs/wh_x', { method: 'PUT', json: { base_url: `${baseUrl}/warehouses/nope` } });
  t.equal(unknownSite.status, 404);

  const items = [{ supplier_sku: 'BOLT-HP-ANC-01', quantity: 1 }]; // stocked at both Bolt sites
  t.equal((await instruct('sup_bolt', 'k1', { warehouse_ref: 'wh_7f3k_seller', items, shipment_ref: 's1' })).status, 201);
  t.equal((await instruct('sup_bolt', 'k2', { warehouse_ref: 'wh_9q2m_seller', items, shipment_ref: 's2' })).status, 201);
  // Not registered: the supplier's only site carrying the items is unambiguous (Acme has one site).
  t.equal((await instruct('sup_acme', 'k3', { warehouse_ref: 'wh_unregistered', shipment_ref: 's3' })).status, 201);
  // The site's own code works too.
  t.equal((await instruct('sup_acme', 'k4', { warehouse_ref: 'EWR-2', shipment_ref: 's4' })).status, 201);
  // Unregistered and ambiguous: nothing is booked rather than the wrong site.
  t.equal((await instruct('sup_bolt', 'k5', { warehouse_ref: 'wh_unknown', items, shipment_ref: 's5' })).status, 201);

  t.equal(await capacity('wh_bolt_ga'), 79);
  t.equal(await capacity('wh_bolt_tx'), 119);
  t.equal(await capacity('wh_acme_nj'), 118);

  // Cancelling gives the place back on the site it was booked on.
  const ref = sandbox.instructions().find((i) => i.idempotency_key === 'k1')!.supplier_order_ref;
  await call(`/suppliers/sup_bolt/instructions/${ref}/cancel`, { method: 'POST', headers: bearer(partnerKey(sandbox, 'sup_bolt')) });
  t.equal(await capacity('wh_bolt_ga'), 80);

  sandbox.patchPartner('wh_bolt_ga', { pickup_capacity: 1_000 });
  t.equal(await capacity('wh_bolt_ga'), 1_000, 'the pickup_capacity knob overrides the site capacity');
});
