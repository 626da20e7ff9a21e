// The simulated world of the decision-quality benchmark. PURE: every draw comes from a seeded stream,
// and a route's outcome for an order depends only on (seed, order, route), so two routers that pick the
// same route for the same order see the same fate (common random numbers: differences are decisions,
// not luck).
import { deriveSeed, mulberry32 } from '../../src/sandbox/random.js';
import { addBusinessDays, DAY_MS, HOUR_MS } from '../../src/promise-engine/timeline.js';

export type Drift = { from: number; to: number; startDay: number; endDay: number };

export type SupplierSpec = {
  id: string;
  warehouseId: string;
  /** Unit cost = SKU base cost x this. */
  costFactor: number;
  /** P(no breakdown) by day: linear from `from` to `to` between startDay and endDay. */
  reliability: Drift;
  /** Quoted hours until the goods are at the dock. */
  prepHours: number;
};

export type LaneSpec = {
  /** The lane's own id (carrier x service): seeds its fates, names it in tables. */
  id: string;
  /** One carrier account per carrier, as a seller has: its services are lanes of the same account. */
  accountId: string;
  carrier: string;
  service: string;
  transitDays: number;
  priceMinor: number;
  /** P(delivered by the quoted date) by day. */
  onTime: Drift;
  lostRate: number;
};

export type WorldSpec = {
  seed: number;
  orders: number;
  days: number;
  startAt: Date;
  currency: string;
  suppliers: SupplierSpec[];
  lanes: LaneSpec[];
  skus: { sku: string; baseCostMinor: number; supplierIds: string[] }[];
  compensationMinor: { late: number; lost: number; refused: number; cancelled: number };
  handlingHours: number;
  /** Business days of pickups each warehouse publishes. */
  pickupDays: number;
  /** Late breakdown of a supplier: lognormal hours. */
  breakdownDelay: { medianHours: number; sigma: number };
  /** On a good day, half the parcels are ready on time and the rest are late by Exp(mean). */
  goodDayDelayMeanHours: number;
  /** A carrier's miss of its quoted date: lognormal days. */
  carrierDelay: { medianDays: number; sigma: number };
  /** Customers ask for delivery within this many calendar days (uniform, inclusive), end of that day. */
  deliverWithinDays: { min: number; max: number };
};

/** 6 suppliers, 4 carriers x 2 services. The cheapest is the least reliable; two partners degrade mid-run. */
export function defaultWorld(seed = 42, orders = 10_000, lateCompensationMinor = 1500, deliverWithinDays = { min: 4, max: 10 }): WorldSpec {
  const suppliers: SupplierSpec[] = [
    { id: 'sup_bargain', warehouseId: 'wh_bargain', costFactor: 1.0, reliability: flat(0.86), prepHours: 20 },
    { id: 'sup_value', warehouseId: 'wh_value', costFactor: 1.03, reliability: flat(0.93), prepHours: 16 },
    { id: 'sup_steady', warehouseId: 'wh_steady', costFactor: 1.06, reliability: { from: 0.985, to: 0.87, startDay: 28, endDay: 38 }, prepHours: 12 },
    { id: 'sup_rising', warehouseId: 'wh_rising', costFactor: 1.05, reliability: { from: 0.9, to: 0.985, startDay: 20, endDay: 45 }, prepHours: 14 },
    { id: 'sup_solid', warehouseId: 'wh_solid', costFactor: 1.09, reliability: flat(0.975), prepHours: 10 },
    { id: 'sup_premium', warehouseId: 'wh_premium', costFactor: 1.14, reliability: flat(0.995), prepHours: 8 },
  ];
  const lanes: LaneSpec[] = [
    { id: 'ca_cheap_ground', accountId: 'ca_cheap', carrier: 'CheapShip', service: 'Ground', transitDays: 5, priceMinor: 550, onTime: flat(0.8), lostRate: 0.005 },
    { id: 'ca_cheap_express', accountId: 'ca_cheap', carrier: 'CheapShip', service: 'Express', transitDays: 2, priceMinor: 1100, onTime: flat(0.85), lostRate: 0.004 },
    { id: 'ca_parcel_ground', accountId: 'ca_parcel', carrier: 'ParcelCo', service: 'Ground', transitDays: 4, priceMinor: 650, onTime: flat(0.9), lostRate: 0.002 },
    { id: 'ca_parcel_express', accountId: 'ca_parcel', carrier: 'ParcelCo', service: 'Express', transitDays: 2, priceMinor: 1300, onTime: flat(0.93), lostRate: 0.002 },
    { id: 'ca_swift_ground', accountId: 'ca_swift', carrier: 'Swift', service: 'Ground', transitDays: 4, priceMinor: 750, onTime: { from: 0.96, to: 0.86, startDay: 35, endDay: 42 }, lostRate: 0.001 },
    { id: 'ca_swift_express', accountId: 'ca_swift', carrier: 'Swift', service: 'Express', transitDays: 1, priceMinor: 1600, onTime: flat(0.97), lostRate: 0.001 },
    { id: 'ca_premier_ground', accountId: 'ca_premier', carrier: 'Premier', service: 'Ground', transitDays: 3, priceMinor: 900, onTime: flat(0.985), lostRate: 0.0005 },
    { id: 'ca_premier_express', accountId: 'ca_premier', carrier: 'Premier', service: 'Express', transitDays: 1, priceMinor: 1900, onTime: flat(0.99), lostRate: 0.0005 },
  ];
  const rng = mulberry32(deriveSeed(seed, 'catalog'));
  const skus = Array.from({ length: 40 }, (_, i) => {
    const count = 3 + Math.floor(rng() * 2);
    const pool = suppliers.map((s) => s.id);
    const chosen: string[] = [];
    while (chosen.length < count) {
      const pick = pool.splice(Math.floor(rng() * pool.length), 1)[0]!;
      chosen.push(pick);
    }
    return { sku: `SKU-${String(i + 1).padStart(3, '0')}`, baseCostMinor: 1000 + Math.round(rng() * 3000), supplierIds: chosen.sort() };
  });
  return {
    seed,
    orders,
    days: 70,
    startAt: new Date('2026-09-07T00:00:00.000Z'),
    currency: 'USD',
    suppliers,
    lanes,
    skus,
    compensationMinor: { late: lateCompensationMinor, lost: lateCompensationMinor * 2, refused: lateCompensationMinor, cancelled: lateCompensationMinor },
    handlingHours: 2,
    pickupDays: 8,
    breakdownDelay: { medianHours: 20, sigma: 0.6 },
    goodDayDelayMeanHours: 6,
    carrierDelay: { medianDays: 1, sigma: 0.8 },
    deliverWithinDays,
  };
}

function flat(p: number): Drift {
  return { from: p, to: p, startDay: 0, endDay: 0 };
}

export function driftAt(d: Drift, day: number): number {
  if (day <= d.startDay) return d.from;
  if (day >= d.endDay) return d.to;
  return d.from + ((d.to - d.from) * (day - d.startDay)) / (d.endDay - d.startDay);
}

// ---- distributions ---------------------------------------------------------------------------------

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

export function lognormalCdf(x: number, median: number, sigma: number): number {
  if (x <= 0) return 0;
  return normalCdf(Math.log(x / median) / sigma);
}

/** Box-Muller from two uniforms. */
export function sampleNormal(u1: number, u2: number): number {
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}

export function sampleLognormal(rng: () => number, median: number, sigma: number): number {
  return median * Math.exp(sigma * sampleNormal(rng(), rng()));
}

/** Hours past the quoted handover ETA: the supplier mixture (good day: 0 or Exp; breakdown: lognormal). */
export function sampleHandoverDelayHours(rng: () => number, reliability: number, world: Pick<WorldSpec, 'breakdownDelay' | 'goodDayDelayMeanHours'>): number {
  if (rng() >= reliability) return sampleLognormal(rng, world.breakdownDelay.medianHours, world.breakdownDelay.sigma);
  if (rng() < 0.5) return 0;
  return -Math.log(1 - rng()) * world.goodDayDelayMeanHours;
}

export function handoverDelayCdf(hours: number, reliability: number, world: Pick<WorldSpec, 'breakdownDelay' | 'goodDayDelayMeanHours'>): number {
  if (hours < 0) return 0;
  const good = 1 - 0.5 * Math.exp(-hours / world.goodDayDelayMeanHours);
  return reliability * good + (1 - reliability) * lognormalCdf(hours, world.breakdownDelay.medianHours, world.breakdownDelay.sigma);
}

/** Days past the quoted delivery: 0 with P(onTime), else lognormal days. */
export function sampleCarrierDelayDays(rng: () => number, onTime: number, world: Pick<WorldSpec, 'carrierDelay'>): number {
  if (rng() < onTime) return 0;
  return sampleLognormal(rng, world.carrierDelay.medianDays, world.carrierDelay.sigma);
}

export function carrierDelayCdf(days: number, onTime: number, world: Pick<WorldSpec, 'carrierDelay'>): number {
  if (days < 0) return 0;
  return onTime + (1 - onTime) * lognormalCdf(days, world.carrierDelay.medianDays, world.carrierDelay.sigma);
}

// ---- orders, quotes, routes -------------------------------------------------------------------------

export type Pickup = { cutoffAt: Date; departsAt: Date };

export type WorldOrder = {
  index: number;
  now: Date;
  day: number;
  sku: string;
  quantity: number;
  deliverBy: Date;
};

export function generateOrders(world: WorldSpec): WorldOrder[] {
  const rng = mulberry32(deriveSeed(world.seed, 'orders'));
  const span = world.days * DAY_MS;
  const times = Array.from({ length: world.orders }, () => Math.floor(rng() * span)).sort((a, b) => a - b);
  return times.map((t, index) => {
    const now = new Date(world.startAt.getTime() + t);
    const sku = world.skus[Math.floor(rng() * world.skus.length)]!.sku;
    const quantity = rng() < 0.8 ? 1 : 2;
    // End of the asked-for day (UTC), like a bare deliver_by date.
    const { min, max } = world.deliverWithinDays;
    const days = min + Math.floor(rng() * (max - min + 1));
    const end = new Date(now.getTime() + days * DAY_MS);
    end.setUTCHours(23, 59, 59, 999);
    return { index, now, day: t / DAY_MS, sku, quantity, deliverBy: end };
  });
}

/** Business-day pickups at 17:00 UTC (departing 18:00), from the first one after `from`. */
export function pickupsAfter(from: Date, count: number): Pickup[] {
  const out: Pickup[] = [];
  const d = new Date(from.getTime());
  d.setUTCHours(17, 0, 0, 0);
  if (d.getTime() < from.getTime()) d.setTime(d.getTime() + DAY_MS);
  while (out.length < count) {
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push({ cutoffAt: new Date(d.getTime()), departsAt: new Date(d.getTime() + HOUR_MS) });
    d.setTime(d.getTime() + DAY_MS);
  }
  return out;
}

export type RouteOption = {
  supplier: SupplierSpec;
  lane: LaneSpec;
  unitCostMinor: number;
  goodsCostMinor: number;
  landedCostMinor: number;
  handoverEta: Date;
  ready: Date;
  pickups: Pickup[];
};

/** Every (supplier offering the SKU) x (lane) route with its quoted costs and the warehouse's pickups. */
export function routeOptions(world: WorldSpec, order: WorldOrder): RouteOption[] {
  const sku = world.skus.find((s) => s.sku === order.sku)!;
  const out: RouteOption[] = [];
  for (const supplierId of sku.supplierIds) {
    const supplier = world.suppliers.find((s) => s.id === supplierId)!;
    const unitCostMinor = Math.round(sku.baseCostMinor * supplier.costFactor);
    const handoverEta = new Date(order.now.getTime() + supplier.prepHours * HOUR_MS);
    const ready = new Date(handoverEta.getTime() + world.handlingHours * HOUR_MS);
    const pickups = pickupsAfter(order.now, world.pickupDays + 3);
    for (const lane of world.lanes) {
      const goodsCostMinor = unitCostMinor * order.quantity;
      // Heavier parcels cost a little more to ship.
      const shipping = lane.priceMinor + (order.quantity - 1) * Math.round(lane.priceMinor * 0.3);
      out.push({ supplier, lane, unitCostMinor, goodsCostMinor, landedCostMinor: goodsCostMinor + shipping, handoverEta, ready, pickups });
    }
  }
  return out;
}

export const quotedDelivery = (departsAt: Date, lane: LaneSpec) => addBusinessDays(departsAt, lane.transitDays);

/**
 * True P(delivered by deliverBy) when the route is booked on `pickup`: over which pickup the goods
 * actually make (the supplier mixture), times P(the carrier's delay fits the slack left), times not lost.
 */
export function trueOnTime(world: WorldSpec, order: WorldOrder, route: RouteOption, pickupIndex: number): number {
  const reliability = driftAt(route.supplier.reliability, order.day);
  const onTime = driftAt(route.lane.onTime, order.day);
  let p = 0;
  let prev = 0;
  for (let j = pickupIndex; j < route.pickups.length; j++) {
    const pickup = route.pickups[j]!;
    const cdf = handoverDelayCdf((pickup.cutoffAt.getTime() - route.ready.getTime()) / HOUR_MS, reliability, world);
    const share = Math.max(0, cdf - prev);
    prev = cdf;
    if (share === 0) continue;
    const slackDays = (order.deliverBy.getTime() - quotedDelivery(pickup.departsAt, route.lane).getTime()) / DAY_MS;
    p += share * carrierDelayCdf(slackDays, onTime, world);
  }
  return p * (1 - route.lane.lostRate);
}

export type Fate = {
  handedOverAt: Date;
  departsAt: Date;
  estimatedDelivery: Date;
  deliveredAt: Date | null;
  isLost: boolean;
  isOnTime: boolean;
  /** Handed over by the booked pickup's cutoff. */
  isHandoverOnTime: boolean;
  /** Delivered by the carrier's quoted date, given the departure it actually made. */
  isCarrierOnTime: boolean;
};

/** What happens to this order on this route booked at `pickupIndex`; seeded by (seed, order, route). */
export function fate(world: WorldSpec, order: WorldOrder, route: RouteOption, pickupIndex: number): Fate {
  const rng = mulberry32(deriveSeed(world.seed, 'fate', String(order.index), route.supplier.id, route.lane.id));
  const reliability = driftAt(route.supplier.reliability, order.day);
  const onTime = driftAt(route.lane.onTime, order.day);
  const delay = sampleHandoverDelayHours(rng, reliability, world);
  const carrierDelay = sampleCarrierDelayDays(rng, onTime, world);
  const isLost = rng() < route.lane.lostRate;
  const handedOverAt = new Date(route.handoverEta.getTime() + delay * HOUR_MS);
  const readyAt = handedOverAt.getTime() + world.handlingHours * HOUR_MS;
  const booked = route.pickups[pickupIndex]!;
  const made = route.pickups.slice(pickupIndex).find((p) => p.cutoffAt.getTime() >= readyAt) ?? pickupsAfter(new Date(readyAt), 1)[0]!;
  const estimatedDelivery = quotedDelivery(made.departsAt, route.lane);
  const deliveredAt = isLost ? null : new Date(estimatedDelivery.getTime() + carrierDelay * DAY_MS);
  return {
    handedOverAt,
    departsAt: made.departsAt,
    estimatedDelivery,
    deliveredAt,
    isLost,
    isOnTime: deliveredAt !== null && deliveredAt.getTime() <= order.deliverBy.getTime(),
    isHandoverOnTime: readyAt <= booked.cutoffAt.getTime(),
    isCarrierOnTime: !isLost && carrierDelay === 0,
  };
}
