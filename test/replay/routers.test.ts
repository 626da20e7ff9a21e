import t from 'tap';
import { cheapestRouter, fastestRouter, oracleRouter, pledgeRouter } from '../../bench/decision-quality/routers.js';
import { simulate } from '../../bench/decision-quality/simulate.js';
import { defaultWorld, routeOptions, type WorldOrder, type WorldSpec } from '../../bench/decision-quality/world.js';
import { laneKey } from '../../src/learning/success-model.js';

// A hand-made world: one SKU from two suppliers, two lanes. "cheap" is cheaper and much less reliable.
function tinyWorld(): WorldSpec {
  const base = defaultWorld(1, 10);
  const flat = (p: number) => ({ from: p, to: p, startDay: 0, endDay: 0 });
  return {
    ...base,
    suppliers: [
      { id: 'sup_cheap', warehouseId: 'wh_cheap', costFactor: 1, reliability: flat(0.6), prepHours: 4 },
      { id: 'sup_good', warehouseId: 'wh_good', costFactor: 1.05, reliability: flat(0.999), prepHours: 4 },
    ],
    lanes: [
      { id: 'ca_slow_cheap', accountId: 'ca_slow_cheap', carrier: 'Slow', service: 'Ground', transitDays: 4, priceMinor: 500, onTime: flat(0.6), lostRate: 0 },
      { id: 'ca_fast', accountId: 'ca_fast', carrier: 'Fast', service: 'Express', transitDays: 1, priceMinor: 1500, onTime: flat(0.99), lostRate: 0 },
    ],
    skus: [{ sku: 'SKU-X', baseCostMinor: 2000, supplierIds: ['sup_cheap', 'sup_good'] }],
  };
}

const policy = (w: WorldSpec, minConfidence: number) => ({ version: 1, minConfidence, compensationMinor: w.compensationMinor, brokenPromiseCostMinor: 0, staleQuotePenalty: 0.05 });
// A Monday 08:00 order: first pickup today 17:00, quoted ground arrival Friday 18:00.
const order = (deliverBy: string): WorldOrder => ({ index: 0, now: new Date('2026-09-07T08:00:00Z'), day: 0, sku: 'SKU-X', quantity: 1, deliverBy: new Date(deliverBy) });

t.test('cheapest takes the lowest landed cost quoted in time; fastest the earliest arrival', async (t) => {
  const w = tinyWorld();
  const o = order('2026-09-14T23:59:59Z');
  const cheap = cheapestRouter().choose(o, routeOptions(w, o))!;
  t.equal(cheap.route.supplier.id, 'sup_cheap');
  t.equal(cheap.route.lane.accountId, 'ca_slow_cheap');
  const fast = fastestRouter().choose(o, routeOptions(w, o))!;
  t.equal(fast.route.lane.accountId, 'ca_fast');
  t.equal(fast.route.supplier.id, 'sup_cheap', 'same arrival: the cheaper supplier');
});

t.test('every router declines when no quote arrives by the date', async (t) => {
  const w = tinyWorld();
  const o = order('2026-09-07T20:00:00Z');
  for (const router of [cheapestRouter(), fastestRouter(), oracleRouter(w, policy(w, 0.5)), pledgeRouter(w, { policy: policy(w, 0.5), halfLifeDays: 14, riskAversion: 0, warmUp: { days: 0, minConfidence: 0.5 } })]) {
    t.equal(router.choose(o, routeOptions(w, o)), null, router.name);
  }
});

t.test('the oracle pays for reliability when breaches cost more than the premium', async (t) => {
  const w = tinyWorld();
  const o = order('2026-09-14T23:59:59Z');
  const pick = oracleRouter(w, policy(w, 0.5)).choose(o, routeOptions(w, o))!;
  t.equal(pick.route.supplier.id, 'sup_good');
  const cheapBreaches = { ...w, compensationMinor: { late: 1, lost: 1, refused: 1, cancelled: 1 } };
  const careless = oracleRouter(cheapBreaches, policy(cheapBreaches, 0)).choose(o, routeOptions(cheapBreaches, o))!;
  t.equal(careless.route.supplier.id, 'sup_cheap', 'with breaches nearly free the cheapest route wins');
});

t.test('pledge learns each lane from settled outcomes and keeps more promises than the cheapest router', async (t) => {
  const w = { ...tinyWorld(), orders: 600, days: 30 };
  const router = pledgeRouter(w, { policy: policy(w, 0.5), halfLifeDays: 30, riskAversion: 0.5, warmUp: { days: 0, minConfidence: 0.5 } });
  const run = simulate(w, router, 7);
  const learned = router.posteriors();
  const slow = learned[laneKey('ca_slow_cheap', 'Ground', null, null)];
  const fast = learned[laneKey('ca_fast', 'Express', null, null)];
  t.ok(Math.abs(slow! - 0.6) < 0.1, `ca_slow_cheap learned ${slow} (true 0.6)`);
  t.ok(fast! > 0.95, `ca_fast learned ${fast} (true 0.99)`);
  const cheap = simulate(w, cheapestRouter(), 7);
  t.ok(run.total.kept / run.total.promised > cheap.total.kept / cheap.total.promised, 'more promises kept than the cheapest router');
});
