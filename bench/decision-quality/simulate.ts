// One run of one router over the world's orders: decide, draw the fate, settle later, learn.
import { DAY_MS } from '../../src/promise-engine/timeline.js';
import type { Choice, Router } from './routers.js';
import { fate, generateOrders, routeOptions, type Fate, type WorldOrder, type WorldSpec } from './world.js';

export type Tally = { orders: number; promised: number; kept: number; landedCostMinor: number; compensationMinor: number };

export type CalibrationBucket = { from: number; to: number; promises: number; meanPredicted: number; keptRate: number };
/** Predicted P(on time) vs what happened, for routers that state a P. Brier = mean (P - kept)^2. */
export type Calibration = { promises: number; meanPredicted: number; keptRate: number; brier: number; buckets: CalibrationBucket[] };

export type RunResult = { router: string; total: Tally; windows: Tally[]; elapsedMs: number; calibration: Calibration | null };

/** Bucket edges: fine where the minimum confidence and the kept-rate target live. */
export const CALIBRATION_EDGES = [0, 0.8, 0.85, 0.9, 0.925, 0.95, 0.97, 0.98, 0.99, 1.000001];

export function calibrate(pairs: readonly { p: number; kept: boolean }[]): Calibration | null {
  if (pairs.length === 0) return null;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const buckets = CALIBRATION_EDGES.slice(1).map((to, i) => {
    const from = CALIBRATION_EDGES[i]!;
    const inside = pairs.filter((x) => x.p >= from && x.p < to);
    return { from, to: Math.min(1, to), promises: inside.length, meanPredicted: mean(inside.map((x) => x.p)), keptRate: mean(inside.map((x) => (x.kept ? 1 : 0))) };
  });
  return {
    promises: pairs.length,
    meanPredicted: mean(pairs.map((x) => x.p)),
    keptRate: mean(pairs.map((x) => (x.kept ? 1 : 0))),
    brier: mean(pairs.map((x) => (x.p - (x.kept ? 1 : 0)) ** 2)),
    buckets: buckets.filter((b) => b.promises > 0),
  };
}

export const emptyTally = (): Tally => ({ orders: 0, promised: 0, kept: 0, landedCostMinor: 0, compensationMinor: 0 });

/** A kept promise is known on delivery; a broken one when the breach is detected, 2 days after the date. */
export function settledAt(order: WorldOrder, f: Fate): Date {
  if (f.isOnTime && f.deliveredAt) return f.deliveredAt;
  return new Date(Math.max(order.deliverBy.getTime() + 2 * DAY_MS, f.deliveredAt?.getTime() ?? 0));
}

export function compensationFor(world: WorldSpec, f: Fate): number {
  if (f.isOnTime) return 0;
  return f.isLost ? world.compensationMinor.lost : world.compensationMinor.late;
}

export function simulate(world: WorldSpec, router: Router, windowDays = 7, orders: WorldOrder[] = generateOrders(world)): RunResult {
  const started = performance.now();
  const total = emptyTally();
  const windows: Tally[] = [];
  // Outcomes waiting to be learned, sorted by settle time (binary insertion; a few hundred pending at once).
  const pending: { at: number; choice: Choice; fate: Fate }[] = [];
  const predictions: { p: number; kept: boolean }[] = [];
  for (const order of orders) {
    while (pending.length > 0 && pending[0]!.at <= order.now.getTime()) {
      const next = pending.shift()!;
      router.learn?.(next.choice, next.fate, new Date(next.at));
    }
    const w = Math.floor(order.day / windowDays);
    while (windows.length <= w) windows.push(emptyTally());
    const bucket = windows[w]!;
    total.orders += 1;
    bucket.orders += 1;
    const choice = router.choose(order, routeOptions(world, order));
    if (!choice) continue;
    const f = fate(world, order, choice.route, choice.pickupIndex);
    const compensation = compensationFor(world, f);
    if (choice.probability !== undefined) predictions.push({ p: choice.probability, kept: f.isOnTime });
    for (const t of [total, bucket]) {
      t.promised += 1;
      t.kept += f.isOnTime ? 1 : 0;
      t.landedCostMinor += choice.route.landedCostMinor;
      t.compensationMinor += compensation;
    }
    if (router.learn) {
      const at = settledAt(order, f).getTime();
      let lo = 0;
      let hi = pending.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (pending[mid]!.at <= at) lo = mid + 1;
        else hi = mid;
      }
      pending.splice(lo, 0, { at, choice, fate: f });
    }
  }
  return { router: router.name, total, windows, elapsedMs: performance.now() - started, calibration: calibrate(predictions) };
}
