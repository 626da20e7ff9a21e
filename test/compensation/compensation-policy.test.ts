import t from 'tap';
import {
  chargebackMinor,
  computeCompensation,
  daysLate,
  DEFAULT_COMPENSATION_RULES as D,
  isOnTime,
  isRepairable,
  needsApproval,
  rulesOf,
  shipmentValueMinor,
  timerDueAt,
} from '../../src/compensation/compensation-policy.js';

const deliverBy = new Date('2026-03-10T18:00:00Z');
const at = (h: number) => new Date(deliverBy.getTime() + h * 3_600_000);

t.test('days late count started days after deliver_by, at least one', async (t) => {
  for (const [hours, days] of [[0.1, 1], [24, 1], [24.01, 2], [72, 3], [-5, 1]] as const) t.equal(daysLate(deliverBy, at(hours)), days, `${hours} h`);
});

t.test('late: a share per day, capped, floored', async (t) => {
  const rules = rulesOf({ late: { bps_per_day: 1000, cap_bps: 3000, min_minor: 150 } });
  const cases = [
    { value: 10_000, hours: 5, amount: 1000, days: 1 },
    { value: 10_000, hours: 30, amount: 2000, days: 2 },
    { value: 10_000, hours: 24 * 9, amount: 3000, days: 9 }, // capped at 30 %
    { value: 1_000, hours: 5, amount: 150, days: 1 }, // floor
    { value: 1_005, hours: 5, amount: 150, days: 1 },
    { value: 2_005, hours: 5, amount: 201, days: 1 }, // 200.5 rounds half up
    { value: 9_007_199_254_740, hours: 5, amount: 900_719_925_474, days: 1 }, // no float drift
  ];
  for (const c of cases) {
    const r = computeCompensation({ kind: 'late', rules, valueMinor: c.value, deliverBy, lateAt: at(c.hours), alreadyCompensatedMinor: 0 });
    t.equal(r.amountMinor, c.amount, `${c.value} x ${c.hours} h`);
    t.equal(r.breakdown.days_late, c.days);
    t.ok(Number.isSafeInteger(r.amountMinor));
  }
});

t.test('lost and refused refund the value plus goodwill; cancelled is goodwill; what was paid is deducted', async (t) => {
  const rules = rulesOf({ lost: { goodwill_minor: 700 }, refused: { goodwill_minor: 300 }, cancelled: { goodwill_minor: 250 } });
  const base = { rules, valueMinor: 1800, deliverBy, lateAt: at(1), alreadyCompensatedMinor: 0 };
  t.equal(computeCompensation({ ...base, kind: 'lost' }).amountMinor, 2500);
  t.equal(computeCompensation({ ...base, kind: 'refused' }).amountMinor, 2100);
  t.equal(computeCompensation({ ...base, kind: 'cancelled' }).amountMinor, 250);
  t.match(computeCompensation({ ...base, kind: 'lost' }).breakdown, { rule: 'lost', refund_minor: 1800, goodwill_minor: 700, value_minor: 1800 });
  t.equal(computeCompensation({ ...base, kind: 'lost', alreadyCompensatedMinor: 900 }).amountMinor, 1600, 'late then lost: the difference');
  t.equal(computeCompensation({ ...base, kind: 'cancelled', alreadyCompensatedMinor: 900 }).amountMinor, 0, 'never negative');
});

t.test('a split order refunds only the broken shipment lines', async (t) => {
  const order = [
    { sku: 'A', quantity: 2, unit_price_minor: 1000 },
    { sku: 'B', quantity: 1, unit_price_minor: 555 },
  ];
  t.equal(shipmentValueMinor(order, [{ sku: 'A', quantity: 2 }]), 2000);
  t.equal(shipmentValueMinor(order, [{ sku: 'B', quantity: 1 }]), 555);
  t.equal(shipmentValueMinor(order, [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }]), 2555);
  t.equal(shipmentValueMinor(order, [{ sku: 'Z', quantity: 1 }]), 0);
});

t.test('chargeback share and cap; approval threshold is strict', async (t) => {
  t.equal(chargebackMinor(2500, { share_bps: 10_000, cap_minor: null }), 2500);
  t.equal(chargebackMinor(2500, { share_bps: 5000, cap_minor: null }), 1250);
  t.equal(chargebackMinor(2500, { share_bps: 5000, cap_minor: 1000 }), 1000);
  t.equal(chargebackMinor(2500, { share_bps: 0, cap_minor: null }), 0);
  t.equal(needsApproval(D.approval_threshold_minor, D), false);
  t.equal(needsApproval(D.approval_threshold_minor + 1, D), true);
});

t.test('timers, on-time and repairability', async (t) => {
  const rules = rulesOf({ acceptance_hours: 6, grace_hours: 12, handover_slack_hours: 2, silence_days: 4 });
  const sentAt = new Date('2026-03-05T10:00:00Z');
  const handoverBy = new Date('2026-03-06T16:00:00Z');
  t.same(timerDueAt('acceptance', rules, { sentAt, handoverBy, deliverBy }), new Date('2026-03-05T16:00:00Z'));
  t.same(timerDueAt('handover', rules, { sentAt, handoverBy, deliverBy }), new Date('2026-03-06T18:00:00Z'));
  t.equal(timerDueAt('handover', rules, { sentAt, handoverBy: null, deliverBy }), null);
  t.same(timerDueAt('delivery', rules, { sentAt, handoverBy, deliverBy }), at(12));
  t.same(timerDueAt('silence', rules, { sentAt, handoverBy, deliverBy, lastScanAt: sentAt }), new Date('2026-03-09T10:00:00Z'));
  t.ok(isOnTime(at(12), deliverBy, rules));
  t.notOk(isOnTime(at(12.01), deliverBy, rules));
  t.ok(isRepairable({ kind: 'refused', trigger: 'supplier_refused' }, at(-1), deliverBy));
  t.notOk(isRepairable({ kind: 'refused', trigger: 'supplier_refused' }, at(1), deliverBy), 'no time left');
  t.ok(isRepairable({ kind: 'late', trigger: 'handover_timer' }, at(-1), deliverBy));
  t.notOk(isRepairable({ kind: 'late', trigger: 'delivery_timer' }, at(-1), deliverBy));
  t.notOk(isRepairable({ kind: 'lost', trigger: 'silence_timer' }, at(-1), deliverBy));
});

t.test('stored rules merge over the defaults', async (t) => {
  t.same(rulesOf(null), D);
  const r = rulesOf({ late: { cap_bps: 100 }, grace_hours: undefined, silence_days: 9 });
  t.equal(r.late.cap_bps, 100);
  t.equal(r.late.bps_per_day, D.late.bps_per_day);
  t.equal(r.grace_hours, D.grace_hours);
  t.equal(r.silence_days, 9);
});
