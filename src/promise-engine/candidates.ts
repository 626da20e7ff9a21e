import type { CarrierRate } from '../carriers/contract.js';
import type { SupplierQuote } from '../suppliers/contract.js';
import type { WarehouseSchedule } from '../warehouses/contract.js';
import { readOutcome, sameCurrency, type Usable } from './outcomes.js';
import { UNKNOWN_TRANSIT_FACTOR, carrierOnTime, carrierPosterior, onTimeOverPickups, routeProbability, supplierBase, type PickupLeg } from './probability.js';
import { compareIds, expectedBreachCostMinor, expectedBrokenPromiseCostMinor, goodsCostMinor } from './score.js';
import { ASSUMED_TRANSIT_BUSINESS_DAYS, DAY_MS, HOUR_MS, estimateDelivery, nextPickups, readyAt } from './timeline.js';
import type { WarehousePickup } from '../warehouses/contract.js';
import { carrierRatesKey, supplierQuoteKey, type CandidateRecord, type EngineInput, type Offer, type OrderLine, type ShipmentPlan } from './types.js';

/** How many upcoming pickups each route is evaluated at (booked at). */
export const PICKUPS_CONSIDERED = 3;

export type SourceLine = ShipmentPlan['lines'][number];
export type SourceProblem = { kind: 'no_quote' | 'stock' | 'currency'; message: string };

/** A (supplier, warehouse) pair from the offers, and which order lines its quote lets it serve. */
export type Source = {
  supplierId: string;
  warehouseId: string;
  quote: Usable<SupplierQuote>;
  /** Order SKUs it has an offer for, in order-line order. */
  offeredSkus: string[];
  servable: Map<string, SourceLine>;
  problems: Map<string, SourceProblem>;
};

export type RateOption = { carrierAccountId: string; rate: CarrierRate; rateIndex: number; isCached: boolean };

export type RouteEvaluation = {
  plan: ShipmentPlan;
  estimates: NonNullable<CandidateRecord['factors']['estimates']>;
  laterPickups: CandidateRecord['factors']['laterPickups'];
  expectedBreachCostMinor: number;
  /** (1 - P) x the policy's broken-promise cost: scored, never reserved. */
  expectedBrokenPromiseCostMinor: number;
  score: number;
  slackDays: number;
  isOnTime: boolean;
  isEligible: boolean;
};

/** One (source, carrier account, rate) for a set of lines; `evaluation` is null when the route is impossible. */
export type Route = {
  supplierId: string;
  warehouseId: string;
  carrierAccountId: string;
  carrier: string;
  service: string;
  rateIndex: number;
  skus: string[];
  evaluation: RouteEvaluation | null;
  blocker: 'unavailable' | 'no_pickup' | 'currency' | 'source' | null;
  notes: string[];
};

export const iso = (d: Date) => d.toISOString();
export const routeIds = (r: Route) => [r.supplierId, r.warehouseId, r.carrierAccountId, r.carrier, r.service, r.rateIndex] as const;
export const routeLabel = (r: Route) => `${r.supplierId}/${r.warehouseId} via ${r.carrier} ${r.service} (${r.carrierAccountId})`;

export function assessSources(input: EngineInput, lines: readonly OrderLine[]): Source[] {
  const skus = new Set(lines.map((l) => l.sku));
  const pairs = new Map<string, { supplierId: string; warehouseId: string }>();
  for (const o of input.offers) {
    if (skus.has(o.sku)) pairs.set(supplierQuoteKey(o.supplierId, o.warehouseId), { supplierId: o.supplierId, warehouseId: o.warehouseId });
  }
  return [...pairs.values()]
    .sort((a, b) => compareIds([a.supplierId, a.warehouseId], [b.supplierId, b.warehouseId]))
    .map((pair) => assessSource(input, lines, pair.supplierId, pair.warehouseId));
}

function assessSource(input: EngineInput, lines: readonly OrderLine[], supplierId: string, warehouseId: string): Source {
  const quote = readOutcome(input.supplierQuotes[supplierQuoteKey(supplierId, warehouseId)], `supplier ${supplierId} quote for ${warehouseId}`);
  const source: Source = { supplierId, warehouseId, quote, offeredSkus: [], servable: new Map(), problems: new Map() };
  for (const line of lines) {
    const offers = input.offers
      .filter((o) => o.sku === line.sku && o.supplierId === supplierId && o.warehouseId === warehouseId)
      .sort((a, b) => compareIds([a.supplierSku], [b.supplierSku]));
    if (offers.length === 0) continue;
    source.offeredSkus.push(line.sku);
    if (!quote.isUsable) {
      source.problems.set(line.sku, { kind: 'no_quote', message: quote.reason });
      continue;
    }
    const options = offers.map((offer) => quotedLine(quote.value, offer, line, input.currency));
    const usable = options.filter((o): o is SourceLine => !('kind' in o)).sort((a, b) => a.unitCostMinor - b.unitCostMinor);
    const problem = options.find((o): o is SourceProblem => 'kind' in o);
    if (usable[0]) source.servable.set(line.sku, usable[0]);
    else if (problem) source.problems.set(line.sku, problem);
  }
  return source;
}

function quotedLine(quote: SupplierQuote, offer: Offer, line: OrderLine, currency: string): SourceLine | SourceProblem {
  const who = `supplier ${offer.supplierId}`;
  const item = quote.items.find((i) => i.supplierSku === offer.supplierSku);
  if (!item) return { kind: 'stock', message: `${who} did not quote ${line.sku} (${offer.supplierSku}) at ${offer.warehouseId}` };
  if (item.availableQuantity < line.quantity) {
    return { kind: 'stock', message: `${who} has ${item.availableQuantity} of ${line.sku} at ${offer.warehouseId}, needs ${line.quantity}` };
  }
  if (!sameCurrency(item.currency, currency)) {
    return { kind: 'currency', message: `${who} quotes ${line.sku} in ${item.currency}, the order is in ${currency}` };
  }
  return { sku: line.sku, supplierSku: offer.supplierSku, quantity: line.quantity, unitCostMinor: item.unitCostMinor };
}

export function linesFor(source: Source, skus: readonly string[]): SourceLine[] {
  return skus.flatMap((sku) => source.servable.get(sku) ?? []);
}

/** Why `source` cannot serve `skus`, one sentence per SKU. */
export function sourceNotes(source: Source, skus: readonly string[]): string[] {
  return skus.flatMap((sku) => {
    if (source.servable.has(sku)) return [];
    return [source.problems.get(sku)?.message ?? `${source.supplierId}/${source.warehouseId} does not offer ${sku}`];
  });
}

/** Every rate of every carrier account that has an entry for the warehouse, by account id. */
export function ratesFrom(input: EngineInput, warehouseId: string): { options: RateOption[]; problems: string[] } {
  const prefix = carrierRatesKey(warehouseId, '');
  const accounts = Object.keys(input.carrierRates)
    .filter((key) => key.startsWith(prefix))
    .map((key) => key.slice(prefix.length))
    .sort();
  const options: RateOption[] = [];
  const problems: string[] = [];
  if (accounts.length === 0) problems.push(`no carrier rates for warehouse ${warehouseId}`);
  for (const carrierAccountId of accounts) {
    const rates = readOutcome(input.carrierRates[carrierRatesKey(warehouseId, carrierAccountId)], `carrier account ${carrierAccountId} rates for ${warehouseId}`);
    if (!rates.isUsable) {
      problems.push(rates.reason);
      continue;
    }
    if (rates.value.length === 0) problems.push(`carrier account ${carrierAccountId} returned no rates for ${warehouseId}`);
    rates.value.forEach((rate, rateIndex) => options.push({ carrierAccountId, rate, rateIndex, isCached: rates.isCached }));
  }
  return { options, problems };
}

function routeBase(source: Source, option: RateOption, skus: string[]): Omit<Route, 'evaluation' | 'blocker' | 'notes'> {
  return {
    supplierId: source.supplierId,
    warehouseId: source.warehouseId,
    carrierAccountId: option.carrierAccountId,
    carrier: option.rate.carrier,
    service: option.rate.service,
    rateIndex: option.rateIndex,
    skus,
  };
}

/** Impossible routes for a source that cannot serve the lines asked of it, kept so the decision record says why. */
export function blockedRoutes(input: EngineInput, source: Source, skus: string[], notes: string[]): Route[] {
  return ratesFrom(input, source.warehouseId).options.map((option) => ({
    ...routeBase(source, option, skus),
    evaluation: null,
    blocker: 'source',
    notes,
  }));
}

/** All routes for shipping `lines` (which `source` can serve) from its warehouse, plus partner-level problems. */
export function buildRoutes(input: EngineInput, source: Source, lines: SourceLine[]): { routes: Route[]; problems: string[] } {
  const { options, problems } = ratesFrom(input, source.warehouseId);
  const schedule = readOutcome(input.warehouseSchedules[source.warehouseId], `warehouse ${source.warehouseId} schedule`);
  if (!schedule.isUsable) problems.push(schedule.reason);
  const quote = source.quote;
  const skus = lines.map((l) => l.sku);
  const routes = options.map((option): Route => {
    if (!quote.isUsable) return { ...routeBase(source, option, skus), evaluation: null, blocker: 'source', notes: [quote.reason] };
    if (!schedule.isUsable) return { ...routeBase(source, option, skus), evaluation: null, blocker: 'unavailable', notes: [schedule.reason] };
    return evaluateRoute(input, { source, quote, schedule, option, lines });
  });
  return { routes, problems };
}

function evaluateRoute(
  input: EngineInput,
  ctx: {
    source: Source;
    quote: { value: SupplierQuote; isCached: boolean };
    schedule: { value: WarehouseSchedule; isCached: boolean };
    option: RateOption;
    lines: SourceLine[];
  },
): Route {
  const { source, quote, schedule, option, lines } = ctx;
  const { supplierId, warehouseId } = source;
  const { rate, carrierAccountId } = option;
  const base = routeBase(source, option, lines.map((l) => l.sku));
  if (!sameCurrency(rate.currency, input.currency)) {
    return { ...base, evaluation: null, blocker: 'currency', notes: [`rate is in ${rate.currency}, the order is in ${input.currency}`] };
  }
  const ready = readyAt(quote.value.handoverEta, schedule.value.handlingHours);
  // Every later pickup too: a parcel that misses its booked cutoff leaves with the next one that has room.
  const allPickups = nextPickups(schedule.value.pickups, ready, Number.POSITIVE_INFINITY);
  const pickups = allPickups.slice(0, PICKUPS_CONSIDERED);
  if (pickups.length === 0) {
    const note = `no pickup with capacity at ${warehouseId} after the goods are ready at ${iso(ready)}`;
    return { ...base, evaluation: null, blocker: 'no_pickup', notes: [note] };
  }
  // A tight first pickup may be too risky for the supplier while the next one is both safe and on time.
  const atPickups = pickups.map((pickup, i) => evaluateAtPickup(input, ctx, base, ready, allPickups.slice(i)));
  return atPickups.reduce((best, r) => (isBetter(r.evaluation!, best.evaluation!) ? r : best));
}

function isBetter(a: RouteEvaluation, b: RouteEvaluation): boolean {
  if (a.isEligible !== b.isEligible) return a.isEligible;
  if (a.score !== b.score) return a.score < b.score;
  return a.plan.departsAt.getTime() < b.plan.departsAt.getTime();
}

/** A leg's delivery estimate: a carrier's fixed date moves with the departure when the parcel leaves later. */
function legDelivery(booked: WarehousePickup, pickup: WarehousePickup, rate: CarrierRate): Date {
  const { estimatedDelivery, basis } = estimateDelivery(pickup.departsAt, rate);
  if (basis !== 'carrier_date') return estimatedDelivery;
  return new Date(estimatedDelivery.getTime() + (pickup.departsAt.getTime() - booked.departsAt.getTime()));
}

/** The route booked on `pickups[0]`; `pickups` continues with every later pickup it can roll onto. */
function evaluateAtPickup(
  input: EngineInput,
  ctx: Parameters<typeof evaluateRoute>[1],
  base: ReturnType<typeof routeBase>,
  ready: Date,
  pickups: readonly WarehousePickup[],
): Route {
  const { source, quote, schedule, option, lines } = ctx;
  const { supplierId, warehouseId } = source;
  const { rate, carrierAccountId } = option;
  const pickup = pickups[0]!;

  const { estimatedDelivery, basis } = estimateDelivery(pickup.departsAt, rate);
  const slackDays = (input.deliverBy.getTime() - estimatedDelivery.getTime()) / DAY_MS;
  const handover = supplierBase(input, supplierId, warehouseId);
  const carrier = carrierPosterior(input, carrierAccountId, warehouseId, rate.service);
  const carrierBy = (delivery: Date) => {
    const p = carrierOnTime(carrier.base, (input.deliverBy.getTime() - delivery.getTime()) / DAY_MS, rate.isGuaranteed);
    return basis === 'assumed' ? p * UNKNOWN_TRANSIT_FACTOR : p;
  };
  const legs: PickupLeg[] = [];
  const departures: Date[] = [];
  for (const [i, p] of pickups.entries()) {
    const delivery = legDelivery(pickup, p, rate);
    // Later pickups count only while they can still arrive by the date (carriers are rarely early).
    if (i > 0 && delivery.getTime() > input.deliverBy.getTime()) break;
    legs.push({ slackHours: (p.cutoffAt.getTime() - ready.getTime()) / HOUR_MS, pCarrierOnTime: carrierBy(delivery) });
    departures.push(p.departsAt);
  }
  const mix = onTimeOverPickups(handover.base, legs);
  const pSupplierOnTime = mix.shares[0]!;
  const pCarrierOnTime = legs[0]!.pCarrierOnTime;
  const laterPickups = legs.slice(1).map((leg, j) => ({ departsAt: iso(departures[j + 1]!), pHandover: mix.shares[j + 1]!, pCarrierOnTime: leg.pCarrierOnTime }));
  const cached = [
    quote.isCached ? `supplier ${supplierId} quote` : null,
    schedule.isCached ? `warehouse ${warehouseId} schedule` : null,
    option.isCached ? `carrier account ${carrierAccountId} rates` : null,
  ].filter((c): c is string => c !== null);
  const degraded = [...new Set([supplierId, warehouseId, carrierAccountId])].filter((id) => input.degradedPartners.has(id));
  const probability = routeProbability({
    pSupplierOnTime,
    pCarrierOnTime,
    pLaterPickups: mix.pLaterPickups,
    cachedInputs: cached.length,
    degradedPartners: degraded.length,
    staleQuotePenalty: input.policy.staleQuotePenalty,
  });

  const goods = goodsCostMinor(lines);
  const landedCostMinor = goods + rate.amountMinor;
  const breach = expectedBreachCostMinor(probability, input.policy.compensationMinor.late);
  const brokenPromise = expectedBrokenPromiseCostMinor(probability, input.policy.brokenPromiseCostMinor);
  const isOnTime = estimatedDelivery.getTime() <= input.deliverBy.getTime();
  const isConfident = probability >= input.policy.minConfidence;

  const notes: string[] = [];
  if (!isOnTime) notes.push(`arrives ${iso(estimatedDelivery)}, ${(-slackDays).toFixed(1)} days after deliverBy ${iso(input.deliverBy)}`);
  if (!isConfident) notes.push(`confidence ${probability.toFixed(3)} is below the minimum ${input.policy.minConfidence}`);
  if (basis === 'assumed') notes.push(`${rate.carrier} ${rate.service} gave no transit time; assumed ${ASSUMED_TRANSIT_BUSINESS_DAYS} business days`);
  for (const c of cached) notes.push(`${c} is cached`);
  for (const id of degraded) notes.push(`partner ${id} is degraded`);

  return {
    ...base,
    blocker: null,
    notes,
    evaluation: {
      plan: {
        supplierId,
        warehouseId,
        carrierAccountId,
        lines,
        rate,
        handoverBy: pickup.cutoffAt,
        departsAt: pickup.departsAt,
        estimatedDelivery,
        pSupplierOnTime,
        pCarrierOnTime,
        pLaterPickups: mix.pLaterPickups,
        probability,
        goodsCostMinor: goods,
        shippingCostMinor: rate.amountMinor,
        landedCostMinor,
        usedCachedQuote: cached.length > 0,
      },
      estimates: { supplier: handover.supplier, warehouse: handover.warehouse, carrier: carrier.estimate },
      laterPickups,
      expectedBreachCostMinor: breach,
      expectedBrokenPromiseCostMinor: brokenPromise,
      score: landedCostMinor + breach + brokenPromise,
      slackDays,
      isOnTime,
      isEligible: isOnTime && isConfident,
    },
  };
}
