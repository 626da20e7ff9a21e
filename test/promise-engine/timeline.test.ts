import t from 'tap';
import { addBusinessDays, estimateDelivery, nextPickups, readyAt } from '../../src/promise-engine/timeline.js';
import { pickup, utc } from './fixtures.js';

t.test('business days skip Saturday and Sunday (UTC) and keep the time of day', async (t) => {
  const cases: [string, number, string][] = [
    ['2025-03-03T17:00:00.000Z', 1, '2025-03-04T17:00:00.000Z'], // Mon -> Tue
    ['2025-03-06T17:00:00.000Z', 2, '2025-03-10T17:00:00.000Z'], // Thu -> Mon
    ['2025-03-07T17:00:00.000Z', 1, '2025-03-10T17:00:00.000Z'], // Fri -> Mon
    ['2025-03-07T17:00:00.000Z', 3, '2025-03-12T17:00:00.000Z'], // Fri -> Wed
    ['2025-03-08T09:00:00.000Z', 1, '2025-03-10T09:00:00.000Z'], // Sat -> Mon
    ['2025-03-09T09:00:00.000Z', 0, '2025-03-09T09:00:00.000Z'], // zero days: unchanged
    ['2025-03-05T23:30:00.000Z', 5, '2025-03-12T23:30:00.000Z'], // Wed -> next Wed, late evening stays UTC
    ['2025-03-03T17:00:00.000Z', 1.5, '2025-03-05T17:00:00.000Z'], // fractions round up
  ];
  for (const [from, days, expected] of cases) t.equal(addBusinessDays(utc(from), days).toISOString(), expected, `${from} + ${days}`);
});

t.test('next pickups: earliest cutoffs at or after ready, with capacity, in any listed order', async (t) => {
  const ready = readyAt(utc('2025-03-04T11:00:00.000Z'), 4);
  t.equal(ready.toISOString(), '2025-03-04T15:00:00.000Z');
  const cases: [string, ReturnType<typeof pickup>[], string | null][] = [
    ['cutoff equal to ready counts', [pickup('2025-03-05'), pickup('2025-03-04')], '2025-03-04'],
    ['zero capacity is skipped', [pickup('2025-03-04', 0), pickup('2025-03-06'), pickup('2025-03-05')], '2025-03-05'],
    ['past cutoffs are skipped', [pickup('2025-03-03'), pickup('2025-03-07')], '2025-03-07'],
    ['nothing left', [pickup('2025-03-03'), pickup('2025-03-04', 0)], null],
  ];
  for (const [name, pickups, expected] of cases) {
    const chosen = nextPickups(pickups, ready, 1)[0];
    t.equal(chosen ? chosen.cutoffAt.toISOString().slice(0, 10) : null, expected, name);
  }
  const three = nextPickups([pickup('2025-03-07'), pickup('2025-03-05'), pickup('2025-03-04', 0), pickup('2025-03-06'), pickup('2025-03-10')], ready, 3);
  t.same(three.map((p) => p.cutoffAt.toISOString().slice(0, 10)), ['2025-03-05', '2025-03-06', '2025-03-07'], 'the next three with room, in cutoff order');
});

t.test('delivery estimate: transit days from departure, then the carrier date, then an assumed five', async (t) => {
  const departs = utc('2025-03-07T17:00:00.000Z');
  const cases: [string, Parameters<typeof estimateDelivery>[1], string, string][] = [
    ['transit days win over the date (it assumed another ship day)', { deliveryDate: utc('2025-03-10T20:00:00.000Z'), transitDays: 4 }, '2025-03-13T17:00:00.000Z', 'transit_days'],
    ['the date without transit days', { deliveryDate: utc('2025-03-10T20:00:00.000Z'), transitDays: null }, '2025-03-10T20:00:00.000Z', 'carrier_date'],
    ['transit days in business days', { deliveryDate: null, transitDays: 2 }, '2025-03-11T17:00:00.000Z', 'transit_days'],
    ['unknown transit', { deliveryDate: null, transitDays: null }, '2025-03-14T17:00:00.000Z', 'assumed'],
  ];
  for (const [name, rate, expected, basis] of cases) {
    const estimate = estimateDelivery(departs, rate);
    t.same([estimate.estimatedDelivery.toISOString(), estimate.basis], [expected, basis], name);
  }
});
