import t from 'tap';
import {
  CARRIER_PRIOR,
  SUPPLIER_PRIOR,
  carrierOnTime,
  clampProbability,
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
  t.equal(routeProbability({ ...base, pSupplierOnTime: 1, pCarrierOnTime: 1 }), 0.999, 'capped below certainty');
  t.equal(clampProbability(-0.2), 0);
  t.equal(clampProbability(Number.NaN), 0);
});
