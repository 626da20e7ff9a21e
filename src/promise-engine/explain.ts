import { iso, routeIds, routeLabel, type Route, type RouteEvaluation } from './candidates.js';
import { compareIds, compareRankable } from './score.js';
import type { CandidateRecord, DeclineCode, EngineInput } from './types.js';

type Evaluated = Route & { evaluation: RouteEvaluation };
export const isEvaluated = (r: Route): r is Evaluated => r.evaluation !== null;

export const rankable = (r: Evaluated) => ({
  score: r.evaluation.score,
  probability: r.evaluation.plan.probability,
  estimatedDelivery: r.evaluation.plan.estimatedDelivery,
  ids: routeIds(r),
});

export function bestRoute(routes: readonly Route[]): Evaluated | null {
  const eligible = routes.filter(isEvaluated).filter((r) => r.evaluation.isEligible);
  return eligible.sort((a, b) => compareRankable(rankable(a), rankable(b)))[0] ?? null;
}

/** Routes competing for one shipment, and the one that won it (null when none did). */
export type RouteGroup = { routes: readonly Route[]; chosen: Evaluated | null };

/** Chosen routes first (in shipment order), then eligible, then evaluated, then impossible ones; by score within each. */
export function candidateRecords(groups: readonly RouteGroup[], others: readonly Route[]): CandidateRecord[] {
  const entries = groups.flatMap((group, groupIndex) =>
    group.routes.map((route) => ({ route, groupIndex, notes: competitionNotes(route, group.chosen) })),
  );
  entries.push(...others.map((route) => ({ route, groupIndex: groups.length, notes: route.notes })));
  const tier = (r: Route, isChosen: boolean) => (isChosen ? 0 : r.evaluation?.isEligible ? 1 : r.evaluation ? 2 : 3);
  const chosen = new Set<Route>(groups.flatMap((g) => (g.chosen ? [g.chosen] : [])));
  return entries
    .sort((a, b) => {
      const ta = tier(a.route, chosen.has(a.route));
      const tb = tier(b.route, chosen.has(b.route));
      if (ta !== tb) return ta - tb;
      if (ta === 0) return a.groupIndex - b.groupIndex;
      if (isEvaluated(a.route) && isEvaluated(b.route)) return compareRankable(rankable(a.route), rankable(b.route));
      return compareIds(routeIds(a.route), routeIds(b.route));
    })
    .map(({ route, notes }) => toRecord(route, notes));
}

function competitionNotes(route: Route, chosen: Evaluated | null): string[] {
  if (route === chosen) return [...route.notes, 'chosen'];
  if (!chosen || !route.evaluation?.isEligible) return route.notes;
  const mine = route.evaluation.score;
  const theirs = chosen.evaluation.score;
  const why = mine === theirs ? `same score ${mine}, lost on tie-break` : `score ${mine} vs ${theirs}`;
  return [...route.notes, `lost to ${routeLabel(chosen)}: ${why}`];
}

function toRecord(route: Route, notes: string[]): CandidateRecord {
  const e = route.evaluation;
  return {
    supplierId: route.supplierId,
    warehouseId: route.warehouseId,
    carrierAccountId: route.carrierAccountId,
    carrier: route.carrier,
    service: route.service,
    skus: route.skus,
    factors: {
      pSupplierOnTime: e?.plan.pSupplierOnTime ?? 0,
      pCarrierOnTime: e?.plan.pCarrierOnTime ?? 0,
      pLaterPickups: e?.plan.pLaterPickups ?? 0,
      laterPickups: e?.laterPickups ?? [],
      probability: e?.plan.probability ?? 0,
      landedCostMinor: e?.plan.landedCostMinor ?? 0,
      expectedBreachCostMinor: e?.expectedBreachCostMinor ?? 0,
      expectedBrokenPromiseCostMinor: e?.expectedBrokenPromiseCostMinor ?? 0,
      score: e?.score ?? 0,
      estimatedDelivery: e ? iso(e.plan.estimatedDelivery) : null,
      slackDays: e?.slackDays ?? null,
      estimates: e?.estimates ?? null,
    },
    isEligible: e?.isEligible ?? false,
    notes,
  };
}

/**
 * Why no route in `routes` is eligible. Arriving in time but unsure beats arriving late, which beats
 * having no pickup; with nothing evaluable at all, the partner data was missing or unusable.
 */
export function explainFailure(input: EngineInput, routes: readonly Route[], problems: readonly string[]): { code: DeclineCode; reasons: string[] } {
  const evaluated = routes.filter(isEvaluated);
  const onTime = evaluated.filter((r) => r.evaluation.isOnTime).sort((a, b) => compareRankable(rankable(a), rankable(b)));
  const top = onTime[0];
  if (top) {
    const p = top.evaluation.plan.probability.toFixed(3);
    const reason = `the best route arriving in time, ${routeLabel(top)}, has confidence ${p}, below the minimum ${input.policy.minConfidence}`;
    return { code: 'BELOW_MIN_CONFIDENCE', reasons: unique([reason, ...problems]) };
  }
  const earliest = evaluated.sort(
    (a, b) => a.evaluation.plan.estimatedDelivery.getTime() - b.evaluation.plan.estimatedDelivery.getTime() || compareIds(routeIds(a), routeIds(b)),
  )[0];
  if (earliest) {
    const reason = `no route arrives by ${iso(input.deliverBy)}; the earliest, ${routeLabel(earliest)}, arrives ${iso(earliest.evaluation.plan.estimatedDelivery)}`;
    return { code: 'NO_ROUTE_MEETS_DATE', reasons: unique([reason, ...problems]) };
  }
  const noPickup = routes.filter((r) => r.blocker === 'no_pickup');
  if (noPickup.length > 0) return { code: 'NO_ROUTE_MEETS_DATE', reasons: unique([...noPickup.flatMap((r) => r.notes), ...problems]) };
  return { code: 'NO_QUOTES', reasons: unique([...problems, ...routes.flatMap((r) => r.notes)]) };
}

export const unique = (xs: readonly string[]) => [...new Set(xs)];
