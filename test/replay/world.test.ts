import t from 'tap';
import { mulberry32 } from '../../src/sandbox/random.js';
import {
  carrierDelayCdf,
  defaultWorld,
  driftAt,
  fate,
  generateOrders,
  handoverDelayCdf,
  lognormalCdf,
  pickupsAfter,
  routeOptions,
  sampleCarrierDelayDays,
  sampleHandoverDelayHours,
  sampleLognormal,
  trueOnTime,
} from '../../bench/decision-quality/world.js';

const world = defaultWorld(7, 400);

t.test('lognormal draws: median and tail match the closed form (seeded)', async (t) => {
  const rng = mulberry32(1);
  const xs = Array.from({ length: 20_000 }, () => sampleLognormal(rng, 20, 0.6)).sort((a, b) => a - b);
  t.ok(Math.abs(xs[10_000]! - 20) < 1, `median ${xs[10_000]}`);
  const over50 = xs.filter((x) => x > 50).length / xs.length;
  t.ok(Math.abs(over50 - (1 - lognormalCdf(50, 20, 0.6))) < 0.01, `P(>50) ${over50}`);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  t.ok(Math.abs(mean - 20 * Math.exp(0.18)) < 1, `mean ${mean} vs ${20 * Math.exp(0.18)}: long right tail`);
});

t.test('handover and carrier delays follow their CDFs', async (t) => {
  const rng = mulberry32(2);
  for (const reliability of [0.86, 0.99]) {
    const xs = Array.from({ length: 20_000 }, () => sampleHandoverDelayHours(rng, reliability, world));
    for (const h of [0, 6, 24]) {
      const empirical = xs.filter((x) => x <= h).length / xs.length;
      t.ok(Math.abs(empirical - handoverDelayCdf(h, reliability, world)) < 0.015, `r=${reliability} h=${h}: ${empirical}`);
    }
    t.ok(xs.some((x) => x > 48), 'breakdowns have a tail past two days');
  }
  const days = Array.from({ length: 20_000 }, () => sampleCarrierDelayDays(rng, 0.8, world));
  t.ok(Math.abs(days.filter((d) => d === 0).length / days.length - 0.8) < 0.015, 'P(on the quoted date) = onTime');
  t.ok(Math.abs(days.filter((d) => d <= 2).length / days.length - carrierDelayCdf(2, 0.8, world)) < 0.015);
});

t.test('drift is linear between its days and flat outside', async (t) => {
  const d = { from: 0.98, to: 0.88, startDay: 10, endDay: 20 };
  t.equal(driftAt(d, 0), 0.98);
  t.ok(Math.abs(driftAt(d, 15) - 0.93) < 1e-12);
  t.equal(driftAt(d, 30), 0.88);
});

t.test('orders and fates are deterministic for a seed; the cheapest partners are the least reliable', async (t) => {
  const a = generateOrders(world);
  const b = generateOrders(defaultWorld(7, 400));
  t.same(a.map((o) => [o.now.toISOString(), o.sku, o.deliverBy.toISOString()]), b.map((o) => [o.now.toISOString(), o.sku, o.deliverBy.toISOString()]));
  t.ok(a.every((o, i) => i === 0 || o.now >= a[i - 1]!.now), 'orders arrive in time order');
  const route = routeOptions(world, a[0]!)[0]!;
  t.same(fate(world, a[0]!, route, 0), fate(world, a[0]!, route, 0), 'same order and route, same fate');
  const bySupplierCost = [...world.suppliers].sort((x, y) => x.costFactor - y.costFactor);
  t.equal(bySupplierCost[0]!.id, 'sup_bargain');
  t.ok(world.suppliers.every((s) => s.reliability.from >= bySupplierCost[0]!.reliability.from));
  const byLanePrice = [...world.lanes].sort((x, y) => x.priceMinor - y.priceMinor);
  t.ok(world.lanes.every((l) => driftAt(l.onTime, 0) >= driftAt(byLanePrice[0]!.onTime, 0)));
});

t.test('pickups skip weekends; the analytic P(on time) agrees with simulated fates', async (t) => {
  const pickups = pickupsAfter(new Date('2026-09-11T18:00:00Z'), 3); // a Friday after the cutoff
  t.same(pickups.map((p) => p.cutoffAt.toISOString()), ['2026-09-14T17:00:00.000Z', '2026-09-15T17:00:00.000Z', '2026-09-16T17:00:00.000Z']);

  // Many orders on one route, booked on the first pickup: mean fate vs mean analytic probability.
  const orders = generateOrders(defaultWorld(11, 3000));
  let simulated = 0;
  let analytic = 0;
  let n = 0;
  for (const order of orders) {
    const route = routeOptions(world, order)[0]!;
    const i = route.pickups.findIndex((p) => p.cutoffAt.getTime() >= route.ready.getTime());
    simulated += fate(world, order, route, i).isOnTime ? 1 : 0;
    analytic += trueOnTime(world, order, route, i);
    n += 1;
  }
  t.ok(Math.abs(simulated / n - analytic / n) < 0.03, `simulated ${simulated / n} vs analytic ${analytic / n}`);
});
