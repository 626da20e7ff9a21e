import t from 'tap';
import { engineInput } from '../../bench/decision-quality/routers.js';
import { defaultWorld, generateOrders, routeOptions } from '../../bench/decision-quality/world.js';
import { decide } from '../../src/promise-engine/index.js';
import type { EnginePolicy } from '../../src/promise-engine/types.js';
import { readSnapshot, restoreEngineInput, snapshotEngineInput } from '../../src/replay/engine-snapshot.js';
import { alternativePolicy, comparisonTable, estimateOnTime, outcomeStats, replayDecisions, type ActualOutcome, type PastDecision } from '../../src/replay/replay-core.js';

const world = defaultWorld(3, 60);
const policy: EnginePolicy = { version: 1, minConfidence: 0.7, compensationMinor: { late: 1500, lost: 3000, refused: 1500, cancelled: 1500 }, brokenPromiseCostMinor: 0, staleQuotePenalty: 0.05 };
const orders = generateOrders(world);
const inputs = orders.map((o) => engineInput(world, o, routeOptions(world, o), policy));

/** Past decisions as the order path records them: the engine's decision, its snapshot (JSON round trip). */
function history(): PastDecision[] {
  return inputs.map((input, i) => {
    const d = decide(input);
    const snapshot = JSON.parse(JSON.stringify({ engine_input: snapshotEngineInput(input) }));
    return {
      orderId: `ord_${i}`,
      snapshot: readSnapshot(snapshot),
      policy,
      recorded:
        d.outcome === 'promise'
          ? { outcome: 'promise', shipments: d.shipments.map((s) => ({ supplierId: s.supplierId, warehouseId: s.warehouseId, carrierAccountId: s.carrierAccountId, service: s.rate.service, landedCostMinor: s.landedCostMinor, confidence: s.probability })) }
          : { outcome: 'decline', shipments: [] },
      actual: [],
    };
  });
}

t.test('a snapshot survives JSON and re-decides exactly as at the time', async (t) => {
  for (const input of inputs.slice(0, 10)) {
    const json = JSON.parse(JSON.stringify(snapshotEngineInput(input)));
    t.equal(json.v, 1);
    const again = decide(restoreEngineInput(readSnapshot({ engine_input: json })!, policy));
    const first = decide(input);
    t.same(again.outcome, first.outcome);
    if (again.outcome === 'promise' && first.outcome === 'promise') t.same(again.shipments.map((s) => [s.supplierId, s.carrierAccountId, s.departsAt.toISOString(), s.landedCostMinor]), first.shipments.map((s) => [s.supplierId, s.carrierAccountId, s.departsAt.toISOString(), s.landedCostMinor]));
  }
  t.equal(readSnapshot({ outcome: 'promise' }), null, 'records from before snapshots are not readable');
  t.equal(readSnapshot({ engine_input: { v: 99 } }), null, 'nor are unknown versions');
});

t.test('replaying the same policy changes nothing; skipped orders are counted', async (t) => {
  const past = history();
  past[0] = { ...past[0]!, snapshot: null };
  const r = replayDecisions(past, [], {}, { diffLimit: 10 });
  t.equal(r.orders_considered, 60);
  t.equal(r.skipped_without_snapshot, 1);
  t.equal(r.changed_decisions, 0);
  t.same(r.alternative, r.baseline);
  t.ok(r.baseline.promised > 0);
  t.ok(Number.isInteger(r.baseline.expected_compensation_minor) && Number.isInteger(r.baseline.landed_cost_minor));
});

t.test('a stricter minimum confidence declines more; excluding a partner routes around it', async (t) => {
  const past = history();
  // The engine caps P at 0.999: a minimum of 1 declines every order (0.99 no longer did, with missed cut-offs rolling onto the next pickup).
  const strict = replayDecisions(past, [], { min_confidence: 1 }, { diffLimit: 5 });
  t.ok(strict.alternative.promised < strict.baseline.promised, `${strict.alternative.promised} < ${strict.baseline.promised}`);
  t.ok(strict.diffs.length <= 5 && strict.diffs.length > 0);
  t.equal(strict.diffs[0]!.alternative.outcome, 'decline');

  const used = past.flatMap((p) => p.recorded.shipments.map((s) => s.carrierAccountId));
  const top = [...new Set(used)].sort((a, b) => used.filter((u) => u === b).length - used.filter((u) => u === a).length)[0]!;
  const without = replayDecisions(past, [], { excluded_partners: [top] }, { diffLimit: 100 });
  t.ok(without.changed_decisions > 0);
  t.notOk(without.diffs.some((d) => d.alternative.routes.some((r) => r.includes(top))), `no alternative uses ${top}`);
  t.match(comparisonTable(without, 'USD'), /promise rate[\s\S]*changed decisions: \d+/);
});

t.test('breach_cost_weight scales only the late compensation the engine scores with', async (t) => {
  const p = alternativePolicy(policy, { breach_cost_weight: 3, compensation_minor: { lost: 5000 } });
  t.same(p.compensationMinor, { late: 4500, lost: 5000, refused: 1500, cancelled: 1500 });
  t.equal(p.minConfidence, 0.7);
  t.equal(p.brokenPromiseCostMinor, 0, 'absent: as recorded');
  t.equal(alternativePolicy(policy, { broken_promise_cost_minor: 60_000 }).brokenPromiseCostMinor, 60_000);
});

t.test('the estimator: priors without data, observed rates with it, blame by cause', async (t) => {
  const route = { supplierId: 's1', warehouseId: 'w1', carrierAccountId: 'c1', service: 'Ground' };
  t.ok(Math.abs(estimateOnTime(route, outcomeStats([])) - 0.9 * 0.92) < 1e-12, 'unknown route: the engine priors');
  const o = (outcome: 'kept' | 'broken', cause: string | null): ActualOutcome => ({ ...route, outcome, cause, compensationMinor: outcome === 'broken' ? 1500 : 0 });
  const bad = [...Array.from({ length: 80 }, () => o('kept', null)), ...Array.from({ length: 20 }, () => o('broken', 'supplier'))];
  const est = estimateOnTime(route, outcomeStats(bad));
  t.ok(est < 0.85 && est > 0.7, `a supplier late 20% of the time: ${est}`);
  const sellerFault = [...Array.from({ length: 80 }, () => o('kept', null)), ...Array.from({ length: 20 }, () => o('broken', 'seller'))];
  t.ok(estimateOnTime(route, outcomeStats(sellerFault)) > 0.9, 'seller-caused breaks blame no partner');
});

t.test('the recorded route uses what actually happened', async (t) => {
  const past = history();
  const promised = past.find((p) => p.recorded.outcome === 'promise')!;
  const s = promised.recorded.shipments[0]!;
  promised.actual = [{ supplierId: s.supplierId, warehouseId: s.warehouseId, carrierAccountId: s.carrierAccountId, service: s.service, outcome: 'broken', cause: 'carrier', compensationMinor: 1500 }];
  const r = replayDecisions([promised], promised.actual, {}, { diffLimit: 1 });
  t.equal(r.baseline.expected_kept_rate, 0);
  t.equal(r.baseline.expected_compensation_minor, 1500);
  t.same(r.alternative, r.baseline, 'same route: same reality');
});
