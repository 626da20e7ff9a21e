import t from 'tap';
import {
  CARRIER_PRIOR,
  SUPPLIER_PRIOR,
  carrierOnTime,
  clampProbability,
  lateHandoverBy,
  onTimeOverPickups,
  posteriorMean,
  routeProbability,
  supplierOnTime,
} from '../../src/promise-engine/probability.js';
import { near } from './fixtures.js';


t.test('Beta posterior: little data stays near the prior, lots of data speaks for itself', async (t) => {
  const cases: [string, typeof SUPPLIER_PRIOR, { kept: number; broken: number } | undefined, number][] = [
    ['supplier, no record', SUPPLIER_PRIOR, undefined, 0.9],
    ['carrier, no record', CARRIER_PRIOR, undefined, 0.92],
    ['supplier, 2 kept 2 broken (50% observed)', SUPPLIER_PRIOR, { kept: 2, broken: 2 }, 20 / 24],
    ['supplier, 50 kept 50 broken (50% observed)', SUPPLIER_PRIOR, { kept: 50, broken: 50 }, 68 / 120],
    ['supplier, 500 kept 500 broken', SUPPLIER_PRIOR, { kept: 500, broken: 500 }, 518 / 1020],
    ['carrier, 3 kept 0 broken', CARRIER_PRIOR, { kept: 3, broken: 0 }, 26 / 28],
    ['carrier, 1000 kept 0 broken', CARRIER_PRIOR, { kept: 1000, broken: 0 }, 1023 / 1025],
  ];
  for (const [name, prior, record, expected] of cases) t.ok(near(posteriorMean(prior, record), expected), name);
  t.ok(posteriorMean(SUPPLIER_PRIOR, { kept: 2, broken: 2 }) > 0.8, 'four promises do not drag a supplier to 50%');
  t.ok(posteriorMean(SUPPLIER_PRIOR, { kept: 500, broken: 500 }) < 0.52, 'a thousand do');
});

t.test('supplier on-time falls as slack before the cutoff shrinks', async (t) => {
  const cases: [number, number][] = [
    [0, 0.45],
    [-3, 0.45],
    [6, 0.9 * (1 - 0.5 / Math.E)],
    [24, 0.9 * (1 - 0.5 * Math.exp(-4))],
    [27, 0.895000951557791],
    [1000, 0.9],
  ];
  for (const [slackHours, expected] of cases) t.ok(near(supplierOnTime(0.9, slackHours), expected), `${slackHours}h slack`);
});

t.test('on time over pickups: the booked one, then the ones a late parcel rolls onto', async (t) => {
  // P(by the booked cutoff) = supplierOnTime; a miss gets another try per 24 h at the supplier's base (0.9).
  const L = (first: number, hoursAfter: number) => first + (1 - first) * (1 - 0.1 ** (hoursAfter / 24));
  const at6 = 0.9 * (1 - 0.5 / Math.E);
  const cases: [string, { slackHours: number; pCarrierOnTime: number }[], number, number][] = [
    ['no pickup', [], 0, 0],
    ['booked only: supplier x carrier', [{ slackHours: 6, pCarrierOnTime: 0.95 }], at6 * 0.95, 0],
    // Hand: by Tue 0.45; by Wed 0.45 + 0.55 x 0.9 = 0.945, so 0.495 leave Wed: 0.45 x 0.95 + 0.495 x 0.9 = 0.873
    ['tight cutoff, next day in time', [{ slackHours: 0, pCarrierOnTime: 0.95 }, { slackHours: 24, pCarrierOnTime: 0.9 }], 0.873, 0.4455],
    // By Thu 0.945 + 0.055 x 0.9 = 0.9945: 0.873 + 0.0495 x 0.2 = 0.8829
    [
      'three legs, the last arriving late more often',
      [
        { slackHours: 0, pCarrierOnTime: 0.95 },
        { slackHours: 24, pCarrierOnTime: 0.9 },
        { slackHours: 48, pCarrierOnTime: 0.2 },
      ],
      0.8829,
      0.4554,
    ],
    // A weekend between pickups: Friday's miss has 72 h (three tries) before Monday's cutoff.
    ['a weekend gives a miss longer to recover', [{ slackHours: 6, pCarrierOnTime: 1 }, { slackHours: 78, pCarrierOnTime: 1 }], L(at6, 72), L(at6, 72) - at6],
    // Two pickups 6 h apart: a quarter-day retry (0.6907) is less than booking the later one outright (0.7345).
    ['never below booking the later pickup outright', [{ slackHours: 0, pCarrierOnTime: 1 }, { slackHours: 6, pCarrierOnTime: 1 }], at6, at6 - 0.45],
  ];
  for (const [name, legs, pOnTime, pLater] of cases) {
    const got = onTimeOverPickups(0.9, legs);
    t.ok(near(got.pOnTime, pOnTime, 1e-9) && near(got.pLaterPickups, pLater, 1e-9), `${name}: ${got.pOnTime} / ${got.pLaterPickups}`);
    t.equal(got.shares.length, legs.length, `${name}: one share per leg`);
  }
  t.ok(near(lateHandoverBy(0.9, 24), 0.9) && near(lateHandoverBy(0.3, 48), 0.51) && lateHandoverBy(0.9, -5) === 0, 'retries');
  // A supplier that misses most cutoffs keeps missing: base 0.3, 27 h slack, two later days.
  const poor = onTimeOverPickups(0.3, [{ slackHours: 27, pCarrierOnTime: 1 }, { slackHours: 51, pCarrierOnTime: 1 }, { slackHours: 75, pCarrierOnTime: 1 }]);
  t.ok(near(poor.pOnTime, 1 - (1 - supplierOnTime(0.3, 27)) * 0.7 * 0.7), `poor supplier ${poor.pOnTime}`);
});

t.test('carrier on-time by delivery slack in days', async (t) => {
  const cases: [string, number, number, boolean, number][] = [
    ['on the day', 0.92, 0, false, 0.92],
    ['one spare day', 0.92, 1, false, 1 - 0.08 * 0.4],
    ['two spare days', 0.92, 2, false, 1 - 0.08 * 0.16],
    ['half a day late', 0.92, -0.5, false, 0.92 * Math.sqrt(0.1)],
    ['one day late', 0.92, -1, false, 0.092],
    ['three days late', 0.92, -3, false, 0.00092],
    ['guaranteed lifts a poor base', 0.6, 0, true, 0.97],
    ['guaranteed keeps a better base', 0.99, 0, true, 0.99],
    ['guaranteed with a spare day', 0.6, 1, true, 1 - 0.03 * 0.4],
    ['guaranteed but a day late', 0.6, -1, true, 0.097],
  ];
  for (const [name, base, slack, isGuaranteed, expected] of cases) t.ok(near(carrierOnTime(base, slack, isGuaranteed), expected), name);
});

t.test('route probability multiplies haircuts and is clamped', async (t) => {
  const base = { pSupplierOnTime: 0.95, pCarrierOnTime: 0.9, cachedInputs: 0, degradedPartners: 0, staleQuotePenalty: 0.1 };
  t.ok(near(routeProbability(base), 0.855), 'no haircut');
  t.ok(near(routeProbability({ ...base, cachedInputs: 1 }), 0.855 * 0.9), 'one cached input');
  t.ok(near(routeProbability({ ...base, cachedInputs: 2, staleQuotePenalty: 0.2 }), 0.855 * 0.64), 'two cached inputs');
  t.ok(near(routeProbability({ ...base, degradedPartners: 2 }), 0.855 * 0.81), 'two degraded partners');
  t.ok(near(routeProbability({ ...base, pLaterPickups: 0.05, cachedInputs: 1 }), (0.855 + 0.05) * 0.9), 'later pickups add before the haircuts');
  t.equal(routeProbability({ ...base, pSupplierOnTime: 1, pCarrierOnTime: 1 }), 0.999, 'capped below certainty');
  t.equal(clampProbability(-0.2), 0);
  t.equal(clampProbability(Number.NaN), 0);
});
