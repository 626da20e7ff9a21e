// Decision quality: Pledge vs cheapest-route, fastest-route and an oracle, on a seeded simulated world.
// Usage: npm run bench:decisions   (BENCH_SEED=7 for another world; BENCH_ORDERS to change the count)
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnginePolicy } from '../../src/promise-engine/types.js';
import { renderPlot } from './plot.js';
import { cheapestRouter, fastestRouter, oracleRouter, pledgeRouter } from './routers.js';
import { simulate, type RunResult, type Tally } from './simulate.js';
import { defaultWorld, generateOrders } from './world.js';

const here = dirname(fileURLToPath(import.meta.url));
const seed = Number(process.env.BENCH_SEED ?? 42);
const world = defaultWorld(seed, Number(process.env.BENCH_ORDERS ?? 10_000), Number(process.env.BENCH_LATE_MINOR ?? 4000), {
  min: Number(process.env.BENCH_DELIVER_MIN_DAYS ?? 4),
  max: Number(process.env.BENCH_DELIVER_MAX_DAYS ?? 10),
});
export const BENCH_POLICY: EnginePolicy = { version: 1, minConfidence: Number(process.env.BENCH_MIN_CONFIDENCE ?? 0.9), compensationMinor: world.compensationMinor, brokenPromiseCostMinor: Number(process.env.BENCH_BROKEN_PROMISE_MINOR ?? 100_000), staleQuotePenalty: 0.05 };
const PLEDGE = { policy: BENCH_POLICY, halfLifeDays: 14, riskAversion: Number(process.env.BENCH_RISK_AVERSION ?? 0.5), warmUp: { days: 14, minConfidence: 0.8 } };

const orders = generateOrders(world);
const pledge = pledgeRouter(world, PLEDGE);
const routers = [pledge, cheapestRouter(), fastestRouter(), oracleRouter(world, BENCH_POLICY)];
const results: RunResult[] = [];
for (const router of routers) {
  process.stderr.write(`${router.name}... `);
  const r = simulate(world, router, 7, orders);
  process.stderr.write(`${(r.elapsedMs / 1000).toFixed(1)} s\n`);
  results.push(r);
}

// What perfect knowledge can reach at each minimum confidence: is a kept/promise target feasible at all here?
// BENCH_FRONTIER=0 skips it (a quicker look at one router's calibration).
const frontier = (process.env.BENCH_FRONTIER === '0' ? [] : [0.9, 0.95, 0.97, 0.98, 0.99, 0.995]).map((minConfidence) => {
  const t = simulate(world, oracleRouter(world, { ...BENCH_POLICY, minConfidence }), 7, orders).total;
  return { minConfidence, promiseRate: t.promised / t.orders, keptRate: t.kept / Math.max(1, t.promised), costPerPromiseMinor: (t.landedCostMinor + t.compensationMinor) / Math.max(1, t.promised) };
});

// The seller's price of a broken promise beyond compensation, swept for Pledge and the oracle alike: what
// each level of reliability costs, and how close learning gets to perfect knowledge at every price.
// BENCH_SWEEP=0 skips it (each Pledge run is ~17 s).
const sweep = (process.env.BENCH_SWEEP === '0' ? [] : [0, 25_000, 50_000, 100_000, 150_000]).map((brokenPromiseCostMinor) => {
  const policy = { ...BENCH_POLICY, brokenPromiseCostMinor };
  const rates = (t: Tally) => ({ promiseRate: t.promised / t.orders, keptRate: t.kept / Math.max(1, t.promised), costPerPromiseMinor: (t.landedCostMinor + t.compensationMinor) / Math.max(1, t.promised) });
  process.stderr.write(`sweep ${brokenPromiseCostMinor}... `);
  const mine = simulate(world, pledgeRouter(world, { ...PLEDGE, policy }), 7, orders).total;
  const best = simulate(world, oracleRouter(world, policy), 7, orders).total;
  process.stderr.write('done\n');
  return { brokenPromiseCostMinor, pledge: rates(mine), oracle: rates(best) };
});

const cost = (t: Tally) => t.landedCostMinor + t.compensationMinor;
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const usd = (minor: number) => `$${(minor / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const oracle = results.find((r) => r.router === 'oracle')!.total;
const rows = results.map((r) => {
  const t = r.total;
  return `| ${r.router} | ${pct(t.promised / t.orders)} | ${pct(t.kept / Math.max(1, t.promised))} | ${usd(t.landedCostMinor)} | ${usd(t.compensationMinor)} | ${usd(cost(t))} | ${usd(cost(t) / Math.max(1, t.promised))} | ${(cost(t) / cost(oracle)).toFixed(4)} |`;
});
const p = results[0]!.total;
const perPromise = (t: Tally) => cost(t) / Math.max(1, t.promised);
const baselines = results.filter((r) => r.router === 'cheapest' || r.router === 'fastest').map((r) => r.total);
const targets = [
  ['kept-promise rate >= 99.4%', p.kept / p.promised >= 0.994, pct(p.kept / p.promised)],
  ['promise rate >= 97%', p.promised / p.orders >= 0.97, pct(p.promised / p.orders)],
  ['cost per promise within 2% of the oracle', perPromise(p) <= perPromise(oracle) * 1.02, `${((perPromise(p) / perPromise(oracle) - 1) * 100).toFixed(2)}%`],
  ['cost per promise below both baselines', baselines.every((b) => perPromise(p) < perPromise(b)), baselines.map((b) => usd(perPromise(b))).join(', ')],
] as const;

const calibrationTables = results.flatMap((r) => {
  const c = r.calibration;
  if (!c) return [];
  return [
    '',
    `Calibration, ${r.router}: ${c.promises} promises, mean predicted P ${pct(c.meanPredicted)}, kept ${pct(c.keptRate)}, Brier score ${c.brier.toFixed(4)}`,
    '',
    '| predicted P | promises | mean predicted | kept rate | kept - predicted |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...c.buckets.map((b) => `| ${b.from.toFixed(3)}-${b.to.toFixed(3)} | ${b.promises} | ${pct(b.meanPredicted)} | ${pct(b.keptRate)} | ${((b.keptRate - b.meanPredicted) * 100).toFixed(2)} pts |`),
  ];
});

const report = [
  `seed ${seed}, ${world.orders} orders over ${world.days} days, ${world.suppliers.length} suppliers, ${world.lanes.length} carrier lanes; policy min_confidence ${BENCH_POLICY.minConfidence}, late ${usd(world.compensationMinor.late)}, lost ${usd(world.compensationMinor.lost)}, broken promise ${usd(BENCH_POLICY.brokenPromiseCostMinor)} beyond compensation; Pledge half-life ${PLEDGE.halfLifeDays} d, risk aversion ${PLEDGE.riskAversion}`,
  `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}`,
  '',
  '| Router | Promise rate | Kept rate | Landed cost | Compensation | Total cost | Cost per promise | Total vs oracle |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows,
  '',
  ...targets.map(([name, ok, value]) => `- ${ok ? 'MET' : 'MISSED'}: ${name} (${value})`),
  ...calibrationTables,
  '',
  'Oracle frontier (true probabilities, same scoring, other minimum confidences):',
  '',
  '| min confidence | promise rate | kept rate | cost per promise |',
  '| ---: | ---: | ---: | ---: |',
  ...frontier.map((f) => `| ${f.minConfidence} | ${pct(f.promiseRate)} | ${pct(f.keptRate)} | ${usd(f.costPerPromiseMinor)} |`),
  '',
  'Price of a broken promise beyond compensation (same min confidence), Pledge and the oracle:',
  '',
  '| broken-promise cost | pledge promised | pledge kept | pledge cost per promise | oracle promised | oracle kept | oracle cost per promise | pledge vs oracle cost |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...sweep.map((w) => `| ${usd(w.brokenPromiseCostMinor)} | ${pct(w.pledge.promiseRate)} | ${pct(w.pledge.keptRate)} | ${usd(w.pledge.costPerPromiseMinor)} | ${pct(w.oracle.promiseRate)} | ${pct(w.oracle.keptRate)} | ${usd(w.oracle.costPerPromiseMinor)} | ${((w.pledge.costPerPromiseMinor / w.oracle.costPerPromiseMinor - 1) * 100).toFixed(2)}% |`),
].join('\n');
process.stdout.write(`${report}\n`);

// BENCH_WRITE=0: a sensitivity run that leaves the committed plot and results alone.
if (process.env.BENCH_WRITE !== '0') {
  mkdirSync(join(here, '../results'), { recursive: true });
  writeFileSync(join(here, '../results/decision-quality.json'), `${JSON.stringify({ seed, orders: world.orders, policy: BENCH_POLICY, pledge: { halfLifeDays: PLEDGE.halfLifeDays, riskAversion: PLEDGE.riskAversion }, results, frontier, sweep, learned: pledge.posteriors() }, null, 2)}\n`);
  writeFileSync(join(here, 'plot.svg'), renderPlot(results, 7));
}
