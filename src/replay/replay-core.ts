import { decide } from '../promise-engine/index.js';
import type { EngineInput, EnginePolicy } from '../promise-engine/types.js';
import { restoreEngineInput, type EngineInputSnapshot } from './engine-snapshot.js';

/** The change to try. Absent fields keep the policy each order was decided under. */
export type ReplayPolicy = {
  min_confidence?: number;
  /** Multiplies the expected breach cost in the score (1 = as recorded; 2 = twice as risk-averse). */
  breach_cost_weight?: number;
  /** Supplier, warehouse or carrier account ids no alternative may route through. */
  excluded_partners?: string[];
  compensation_minor?: Partial<EnginePolicy['compensationMinor']>;
  /** What a broken promise costs beyond compensation (scored, never paid); absent = as recorded. */
  broken_promise_cost_minor?: number;
};

/** A route component tuple: what promise_outcomes records per shipment. */
export type RouteKey = { supplierId: string; warehouseId: string; carrierAccountId: string; service: string };

export type ActualOutcome = RouteKey & { outcome: 'kept' | 'broken'; cause: string | null; compensationMinor: number };

/** One past order as replay reads it; `snapshot` null when it was decided before snapshots existed. */
export type PastDecision = {
  orderId: string;
  snapshot: EngineInputSnapshot | null;
  /** The policy it was decided under (its version's row). */
  policy: EnginePolicy;
  recorded: { outcome: 'promise' | 'decline'; shipments: (RouteKey & { landedCostMinor: number; confidence: number })[] };
  /** Settled outcomes of its shipments (promise_outcomes), possibly fewer than its shipments. */
  actual: ActualOutcome[];
};

/** Counts over a window of promise_outcomes, by route component; see `estimateOnTime`. */
export type OutcomeStats = {
  suppliers: Map<string, { n: number; broken: number }>;
  lanes: Map<string, { n: number; broken: number }>;
  accounts: Map<string, { n: number; broken: number }>;
};

export type Summary = {
  orders: number;
  promised: number;
  promise_rate: number;
  expected_kept_rate: number;
  landed_cost_minor: number;
  expected_compensation_minor: number;
  total_cost_minor: number;
};

export type DecisionView = {
  outcome: 'promise' | 'decline';
  routes: string[];
  landed_cost_minor: number;
  p_on_time: number | null;
  /** Where p_on_time came from: the settled outcome of the same route, or the estimator. */
  basis: 'actual' | 'estimated' | null;
};

export type OrderDiff = { order_id: string; baseline: DecisionView; alternative: DecisionView };

export type ReplayResult = {
  orders_considered: number;
  skipped_without_snapshot: number;
  changed_decisions: number;
  baseline: Summary;
  alternative: Summary;
  /** The first `diffLimit` orders whose decision changed. */
  diffs: OrderDiff[];
};

/** Priors as in the engine (promise-engine/probability.ts): a short record barely moves them. */
export const SUPPLIER_PRIOR = { alpha: 18, beta: 2 };
export const LANE_PRIOR = { alpha: 23, beta: 2 };

export const laneKey = (r: Pick<RouteKey, 'carrierAccountId' | 'service'>) => `${r.carrierAccountId}|${r.service}`;
export const routeLabel = (r: RouteKey) => `${r.supplierId}/${r.warehouseId} via ${r.carrierAccountId} ${r.service}`;
const sameRoute = (a: RouteKey, b: RouteKey) =>
  a.supplierId === b.supplierId && a.warehouseId === b.warehouseId && a.carrierAccountId === b.carrierAccountId && a.service === b.service;

/**
 * Blame goes where promise_outcomes puts it: supplier and warehouse causes count against the supplier,
 * carrier causes against the lane (carrier account x service) and its account; seller/customer/unknown
 * causes count as observations against neither (no route would have avoided them).
 */
export function outcomeStats(outcomes: readonly ActualOutcome[]): OutcomeStats {
  const stats: OutcomeStats = { suppliers: new Map(), lanes: new Map(), accounts: new Map() };
  const bump = (m: Map<string, { n: number; broken: number }>, key: string, isBroken: boolean) => {
    const s = m.get(key) ?? { n: 0, broken: 0 };
    s.n += 1;
    if (isBroken) s.broken += 1;
    m.set(key, s);
  };
  for (const o of outcomes) {
    const broken = o.outcome === 'broken';
    bump(stats.suppliers, o.supplierId, broken && (o.cause === 'supplier' || o.cause === 'warehouse'));
    bump(stats.lanes, laneKey(o), broken && o.cause === 'carrier');
    bump(stats.accounts, o.carrierAccountId, broken && o.cause === 'carrier');
  }
  return stats;
}

/**
 * P(on time) for a route nobody took, from what happened to its components in the window:
 * P = E[supplier on time] x E[lane on time], each a Beta posterior mean with the engine's priors.
 * The lane borrows its carrier account's record (other services) when it has fewer than 20 of its own.
 * Biases, stated plainly: routes the recorded policy avoided have few outcomes, so their estimate
 * sits near the prior (0.9 x 0.92), which is harsh on a reliable route and kind to a bad one; the
 * estimate ignores the slack of the particular pickup and date (a tight route is riskier than its
 * average); and it uses the whole window, including outcomes after the order (hindsight).
 */
export function estimateOnTime(route: RouteKey, stats: OutcomeStats): number {
  const s = stats.suppliers.get(route.supplierId) ?? { n: 0, broken: 0 };
  const own = stats.lanes.get(laneKey(route)) ?? { n: 0, broken: 0 };
  const lane = own.n >= 20 ? own : (stats.accounts.get(route.carrierAccountId) ?? own);
  const pSupplier = (SUPPLIER_PRIOR.alpha + s.n - s.broken) / (SUPPLIER_PRIOR.alpha + SUPPLIER_PRIOR.beta + s.n);
  const pLane = (LANE_PRIOR.alpha + lane.n - lane.broken) / (LANE_PRIOR.alpha + LANE_PRIOR.beta + lane.n);
  return pSupplier * pLane;
}

/** The alternative policy as the engine takes it. The weight scales the late compensation in the score only. */
export function alternativePolicy(base: EnginePolicy, change: ReplayPolicy): EnginePolicy {
  const compensationMinor = { ...base.compensationMinor, ...change.compensation_minor };
  const weight = change.breach_cost_weight ?? 1;
  return {
    ...base,
    minConfidence: change.min_confidence ?? base.minConfidence,
    compensationMinor: { ...compensationMinor, late: Math.round(compensationMinor.late * weight) },
    brokenPromiseCostMinor: change.broken_promise_cost_minor ?? base.brokenPromiseCostMinor,
  };
}

/** Excluded partners disappear from the inputs: their offers and their carrier rates. */
export function withoutPartners(input: EngineInput, excluded: readonly string[]): EngineInput {
  if (excluded.length === 0) return input;
  const out = new Set(excluded);
  const carrierRates = Object.fromEntries(
    Object.entries(input.carrierRates).filter(([key]) => !key.split('|').some((id) => out.has(id))),
  );
  return { ...input, offers: input.offers.filter((o) => !out.has(o.supplierId) && !out.has(o.warehouseId)), carrierRates };
}

type Scored = { view: DecisionView; keptP: number; landed: number; compensation: number };

function score(
  outcome: 'promise' | 'decline',
  shipments: (RouteKey & { landedCostMinor: number })[],
  actual: readonly ActualOutcome[],
  wasRecordedRoute: (r: RouteKey) => boolean,
  stats: OutcomeStats,
  lateCompensationMinor: number,
): Scored {
  if (outcome === 'decline') return { view: { outcome, routes: [], landed_cost_minor: 0, p_on_time: null, basis: null }, keptP: 0, landed: 0, compensation: 0 };
  let p = 1;
  let compensation = 0;
  let allActual = true;
  for (const s of shipments) {
    const happened = wasRecordedRoute(s) ? actual.find((a) => sameRoute(a, s)) : undefined;
    if (happened) {
      p *= happened.outcome === 'kept' ? 1 : 0;
      compensation += happened.compensationMinor;
    } else {
      allActual = false;
      const q = estimateOnTime(s, stats);
      p *= q;
    }
  }
  // One promise per order: a broken split shipment breaks it once; estimated parts are priced at late compensation.
  if (!allActual) compensation = Math.max(compensation, Math.round((1 - p) * lateCompensationMinor));
  const landed = shipments.reduce((sum, s) => sum + s.landedCostMinor, 0);
  return {
    view: { outcome, routes: shipments.map(routeLabel), landed_cost_minor: landed, p_on_time: p, basis: allActual ? 'actual' : 'estimated' },
    keptP: p,
    landed,
    compensation,
  };
}

function summarise(scored: readonly Scored[]): Summary {
  const promised = scored.filter((s) => s.view.outcome === 'promise');
  const landed = promised.reduce((sum, s) => sum + s.landed, 0);
  const compensation = promised.reduce((sum, s) => sum + s.compensation, 0);
  return {
    orders: scored.length,
    promised: promised.length,
    promise_rate: scored.length === 0 ? 0 : promised.length / scored.length,
    expected_kept_rate: promised.length === 0 ? 0 : promised.reduce((sum, s) => sum + s.keptP, 0) / promised.length,
    landed_cost_minor: landed,
    expected_compensation_minor: compensation,
    total_cost_minor: landed + compensation,
  };
}

export type ReplayOptions = { diffLimit: number };

/**
 * Re-decides past orders one at a time (so the caller can report progress and yield between batches)
 * with the inputs of their time under `change`, and scores both the recorded and the alternative
 * decision against reality. Pure: the caller loads decisions and outcomes.
 */
export function createReplay(outcomes: readonly ActualOutcome[], change: ReplayPolicy, options: ReplayOptions) {
  const stats = outcomeStats(outcomes);
  const baseline: Scored[] = [];
  const alternative: Scored[] = [];
  const diffs: OrderDiff[] = [];
  let considered = 0;
  let skipped = 0;
  let changed = 0;
  return {
    add(order: PastDecision): void {
      considered += 1;
      if (!order.snapshot) {
        skipped += 1;
        return;
      }
      const policy = alternativePolicy(order.policy, change);
      const input = withoutPartners(restoreEngineInput(order.snapshot, policy), change.excluded_partners ?? []);
      const decision = decide(input);
      const recordedRoutes = order.recorded.outcome === 'promise' ? order.recorded.shipments : [];
      const isRecorded = (r: RouteKey) => recordedRoutes.some((s) => sameRoute(s, r));
      const lateCompensation = { ...order.policy.compensationMinor, ...change.compensation_minor }.late;
      const before = score(order.recorded.outcome, recordedRoutes, order.actual, isRecorded, stats, order.policy.compensationMinor.late);
      const altShipments =
        decision.outcome === 'promise'
          ? decision.shipments.map((s) => ({ supplierId: s.supplierId, warehouseId: s.warehouseId, carrierAccountId: s.carrierAccountId, service: s.rate.service, landedCostMinor: s.landedCostMinor }))
          : [];
      const after = score(decision.outcome, altShipments, order.actual, isRecorded, stats, lateCompensation);
      baseline.push(before);
      alternative.push(after);
      const isChanged = before.view.outcome !== after.view.outcome || before.view.routes.join(';') !== after.view.routes.join(';');
      if (isChanged) {
        changed += 1;
        if (diffs.length < options.diffLimit) diffs.push({ order_id: order.orderId, baseline: before.view, alternative: after.view });
      }
    },
    result(): ReplayResult {
      return {
        orders_considered: considered,
        skipped_without_snapshot: skipped,
        changed_decisions: changed,
        baseline: summarise(baseline),
        alternative: summarise(alternative),
        diffs,
      };
    },
  };
}

export function replayDecisions(past: readonly PastDecision[], outcomes: readonly ActualOutcome[], change: ReplayPolicy, options: ReplayOptions): ReplayResult {
  const replay = createReplay(outcomes, change, options);
  for (const order of past) replay.add(order);
  return replay.result();
}

/** The comparison table as text, for the CLI. */
export function comparisonTable(result: ReplayResult, currency: string): string {
  const money = (minor: number) => `${(minor / 100).toFixed(2)} ${currency}`;
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const rows: [string, (s: Summary) => string][] = [
    ['orders replayed', (s) => String(s.orders)],
    ['promised', (s) => String(s.promised)],
    ['promise rate', (s) => pct(s.promise_rate)],
    ['expected kept rate', (s) => pct(s.expected_kept_rate)],
    ['landed cost', (s) => money(s.landed_cost_minor)],
    ['expected compensation', (s) => money(s.expected_compensation_minor)],
    ['total cost', (s) => money(s.total_cost_minor)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const cells = rows.map(([label, f]) => [label.padEnd(width), f(result.baseline), f(result.alternative)] as const);
  const w1 = Math.max('recorded'.length, ...cells.map((c) => c[1].length));
  const lines = [`${''.padEnd(width)}  ${'recorded'.padStart(w1)}  alternative`, ...cells.map(([l, a, b]) => `${l}  ${a.padStart(w1)}  ${b}`)];
  lines.push(`changed decisions: ${result.changed_decisions}; skipped (decided before snapshots): ${result.skipped_without_snapshot}`);
  return `${lines.join('\n')}\n`;
}
