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
