// The routers under comparison. Each sees only the quotes (costs, quoted transit, pickups); Pledge also
// sees what it learned from settled outcomes, the oracle sees the world's true reliabilities.
import { engineEstimates, decayToNow, type EstimateRow } from '../../src/learning/estimates.js';
import { componentKeys, observe, priorFor, type OutcomeFacts } from '../../src/learning/success-model.js';
import { decide } from '../../src/promise-engine/index.js';
import type { EngineInput, EnginePolicy, LearnedEstimates } from '../../src/promise-engine/types.js';
import { DAY_MS } from '../../src/promise-engine/timeline.js';
import { quotedDelivery, trueOnTime, type Fate, type RouteOption, type WorldOrder, type WorldSpec } from './world.js';

/** `probability`: the router's own P(on time) for the promise, when it has one (the calibration table). */
export type Choice = { route: RouteOption; pickupIndex: number; probability?: number };

export interface Router {
  readonly name: string;
  choose(order: WorldOrder, options: RouteOption[]): Choice | null;
  /** A settled outcome of one of its own promises, delivered after the fact. */
  learn?(choice: Choice, fate: Fate, settledAt: Date): void;
}

/** The first pickup whose cutoff the goods can make (the one a simple router books). */
export function firstPickup(route: RouteOption): number {
  return route.pickups.findIndex((p) => p.cutoffAt.getTime() >= route.ready.getTime());
}

function onTimeByQuote(order: WorldOrder, route: RouteOption, pickupIndex: number): boolean {
  const pickup = route.pickups[pickupIndex];
  return pickup !== undefined && quotedDelivery(pickup.departsAt, route.lane).getTime() <= order.deliverBy.getTime();
}

const routeId = (r: RouteOption) => `${r.supplier.id}|${r.lane.id}`;

/** The cheapest landed cost whose quote arrives by the date; ties: earlier, then ids. Blind to reliability. */
export const cheapestRouter = (): Router => ({
  name: 'cheapest',
  choose(order, options) {
    let best: (Choice & { at: number }) | null = null;
    for (const route of options) {
      const i = firstPickup(route);
      if (i < 0 || !onTimeByQuote(order, route, i)) continue;
      const at = quotedDelivery(route.pickups[i]!.departsAt, route.lane).getTime();
      if (!best || route.landedCostMinor < best.route.landedCostMinor || (route.landedCostMinor === best.route.landedCostMinor && (at < best.at || (at === best.at && routeId(route) < routeId(best.route))))) {
        best = { route, pickupIndex: i, at };
      }
    }
    return best && { route: best.route, pickupIndex: best.pickupIndex };
  },
});

/** The earliest quoted delivery; ties: cheaper, then ids. Promises whenever that is by the date. */
export const fastestRouter = (): Router => ({
  name: 'fastest',
  choose(order, options) {
    let best: (Choice & { at: number }) | null = null;
    for (const route of options) {
      const i = firstPickup(route);
      if (i < 0) continue;
      const at = quotedDelivery(route.pickups[i]!.departsAt, route.lane).getTime();
      if (!best || at < best.at || (at === best.at && (route.landedCostMinor < best.route.landedCostMinor || (route.landedCostMinor === best.route.landedCostMinor && routeId(route) < routeId(best.route))))) {
        best = { route, pickupIndex: i, at };
      }
    }
    return best && onTimeByQuote(order, best.route, best.pickupIndex) ? { route: best.route, pickupIndex: best.pickupIndex } : null;
  },
});

/**
 * The engine's scoring with the true P: over the same 3 pickups per route the engine considers, the lowest
 * landed cost + (1 - P) x (late compensation + broken-promise cost) among routes quoted on time with P >= min confidence.
 */
export const oracleRouter = (world: WorldSpec, policy: EnginePolicy): Router => ({
  name: 'oracle',
  choose(order, options) {
    let best: (Choice & { score: number; p: number }) | null = null;
    for (const route of options) {
      const first = firstPickup(route);
      if (first < 0) continue;
      for (let i = first; i < Math.min(first + 3, route.pickups.length); i++) {
        if (!onTimeByQuote(order, route, i)) continue;
        const p = trueOnTime(world, order, route, i);
        if (p < policy.minConfidence) continue;
        const score = route.landedCostMinor + Math.round((1 - p) * policy.compensationMinor.late) + Math.round((1 - p) * policy.brokenPromiseCostMinor);
        if (!best || score < best.score || (score === best.score && p > best.p)) best = { route, pickupIndex: i, score, p };
      }
    }
    return best && { route: best.route, pickupIndex: best.pickupIndex, probability: best.p };
  },
});

export type PledgeSettings = {
  policy: EnginePolicy;
  /** Evidence above the prior halves this often, so drift is noticed. */
  halfLifeDays: number;
  /** Effective probability = mean - k x sd (success-model.effectiveProbability). */
  riskAversion: number;
  /**
   * A new seller's engine cannot reach a high min confidence before it has any outcomes (prior means
   * 0.90 x 0.92), so it would decline everything and never learn: for the first `days` it promises
   * under `minConfidence` instead (the seller's launch policy), then under `policy`.
   */
  warmUp: { days: number; minConfidence: number };
};

/**
 * The real `decide()` on quotes built like the order path builds them, with the estimates the order path
 * would load: route_estimates rows updated by the production rule (componentKeys) as outcomes settle,
 * turned into the engine's `learned` input by the production `engineEstimates` (decay to now, lanes
 * borrowing their carrier account's record), priced with effectiveProbability at the given risk aversion.
 */
export function pledgeRouter(world: WorldSpec, settings: PledgeSettings): Router & { posteriors(): Record<string, number> } {
  const rows = new Map<string, EstimateRow>();

  return {
    name: 'pledge',
    choose(order, options) {
      const input = engineInput(world, order, options, settings.policy);
      const learned = engineEstimates({
        rows: [...rows.values()],
        now: order.now,
        halfLifeDays: settings.halfLifeDays,
        riskAversion: settings.riskAversion,
        originRegions: {},
        destinationRegion: null,
        supplierWeights: {},
      });
      const policy = order.day < settings.warmUp.days ? { ...settings.policy, minConfidence: settings.warmUp.minConfidence } : settings.policy;
      const decision = decide({ ...input, policy, learned });
      if (decision.outcome !== 'promise') return null;
      const plan = decision.shipments[0]!;
      const route = options.find((r) => r.supplier.id === plan.supplierId && r.lane.accountId === plan.carrierAccountId && r.lane.service === plan.rate.service)!;
      const pickupIndex = route.pickups.findIndex((p) => p.departsAt.getTime() === plan.departsAt.getTime());
      return { route, pickupIndex, probability: decision.confidence };
    },
    learn(choice, fate, settledAt) {
      // What the learning service does with a promise_outcomes row: decay the stored row to now, observe.
      for (const u of componentKeys(outcomeFacts(world, choice, fate))) {
        const id = `${u.kind}:${u.key}`;
        const seen = rows.get(id);
        const prior = priorFor(u.kind);
        const now = decayToNow(seen ?? { kind: u.kind, alpha: prior.alpha, beta: prior.beta, updated_at: settledAt }, settledAt, settings.halfLifeDays);
        const next = observe(now, u.onTime);
        rows.set(id, { kind: u.kind, key: u.key, alpha: next.alpha, beta: next.beta, n: (seen?.n ?? 0) + 1, updated_at: settledAt });
      }
    },
    posteriors() {
      const out: Record<string, number> = {};
      for (const r of rows.values()) out[r.key] = r.alpha / (r.alpha + r.beta);
      return out;
    },
  };
}

/**
 * The promise_outcomes row production would write for this fate: handover_by is the booked cutoff less
 * the warehouse handling (so "by handover_by" is the world's isHandoverOnTime), handover_eta the quote,
 * estimated_delivery the carrier's date for the booked departure, and breach detection's cause (a late
 * delivery after a late handover is the supplier's, otherwise the carrier's; a lost parcel the carrier's).
 */
export function outcomeFacts(world: WorldSpec, choice: Choice, fate: Fate): OutcomeFacts {
  const { route } = choice;
  const booked = route.pickups[choice.pickupIndex]!;
  const isBroken = !fate.isOnTime;
  const estimated = quotedDelivery(booked.departsAt, route.lane);
  return {
    outcome: isBroken ? 'broken' : 'kept',
    breach_kind: !isBroken ? null : fate.isLost ? 'lost' : 'late',
    cause: !isBroken ? null : fate.isLost || fate.isHandoverOnTime ? 'carrier' : 'supplier',
    supplier_id: route.supplier.id,
    warehouse_id: route.supplier.warehouseId,
    carrier_account_id: route.lane.accountId,
    service: route.lane.service,
    origin_region: null,
    destination_region: null,
    // Not read: the lane is judged against estimated_delivery, always known here.
    deliver_by: estimated,
    handover_by: new Date(booked.cutoffAt.getTime() - world.handlingHours * 3_600_000),
    handed_over_at: fate.handedOverAt,
    delivered_at: fate.deliveredAt,
    handover_eta: route.handoverEta,
    estimated_delivery: estimated,
  };
}

/** The EngineInput the order path would build from these quotes (all received, nothing degraded). */
export function engineInput(world: WorldSpec, order: WorldOrder, options: RouteOption[], policy: EnginePolicy): EngineInput {
  const input: EngineInput = {
    now: order.now,
    currency: world.currency,
    lines: [{ sku: order.sku, quantity: order.quantity, unitPriceMinor: 0 }],
    deliverBy: order.deliverBy,
    policy,
    offers: [],
    supplierQuotes: {},
    warehouseSchedules: {},
    carrierRates: {},
    trackRecords: { suppliers: {}, carriers: {}, warehouses: {} },
    degradedPartners: new Set(),
  };
  for (const route of options) {
    const { supplier, lane } = route;
    const sourceKey = `${supplier.id}|${supplier.warehouseId}`;
    if (!input.supplierQuotes[sourceKey]) {
      input.offers.push({ sku: order.sku, supplierId: supplier.id, supplierSku: `${supplier.id}-${order.sku}`, warehouseId: supplier.warehouseId, catalogUnitCostMinor: route.unitCostMinor, weightGrams: 500 });
      input.supplierQuotes[sourceKey] = {
        status: 'received',
        latencyMs: 50,
        value: { items: [{ supplierSku: `${supplier.id}-${order.sku}`, availableQuantity: 1000, unitCostMinor: route.unitCostMinor, currency: world.currency }], handoverEta: route.handoverEta, validUntil: null },
      };
      input.warehouseSchedules[supplier.warehouseId] = {
        status: 'received',
        latencyMs: 20,
        value: { warehouseRef: supplier.warehouseId, handlingHours: world.handlingHours, pickups: route.pickups.map((p) => ({ ...p, capacityRemaining: 100 })) },
      };
    }
    // One account per carrier: its services are rates of the same account (one entry per warehouse).
    const key = `${supplier.warehouseId}|${lane.accountId}`;
    const rate = { carrier: lane.carrier, service: lane.service, amountMinor: route.landedCostMinor - route.goodsCostMinor, currency: world.currency, transitDays: lane.transitDays, deliveryDate: null, isGuaranteed: false, rateRef: null };
    const existing = input.carrierRates[key];
    if (existing?.status === 'received') existing.value.push(rate);
    else input.carrierRates[key] = { status: 'received', latencyMs: 80, value: [rate] };
  }
  return input;
}
