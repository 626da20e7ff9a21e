/**
 * The sandbox's rate card, shared by the three aggregator simulators. Pure: the same parcel, route
 * and ship date always price and time the same, whoever asks.
 */
export type Lane = { country: string; region: string | null; postalCode: string | null };

export type ServiceCode =
  | 'usps_ground_advantage'
  | 'usps_priority'
  | 'usps_express'
  | 'ups_ground'
  | 'ups_2nd_day_air'
  | 'fedex_ground'
  | 'usps_priority_intl'
  | 'usps_first_class_intl'
  | 'ups_expedited_intl';

export type UnderlyingCarrier = 'USPS' | 'UPS' | 'FedEx';

export type Zone = { scope: 'domestic'; zone: number } | { scope: 'international'; band: 'near' | 'far' };

type ServiceDef = {
  carrier: UnderlyingCarrier;
  scope: Zone['scope'];
  baseMinor: number;
  perLbMinor: number;
  /** Price increase per zone step (domestic) or for a far destination (international), basis points. */
  distanceBp: number;
  maxWeightOz: number;
  transitDays(zone: Zone): number;
  isGuaranteed: boolean;
};

const byZone = (zone: Zone, domestic: (z: number) => number, near: number, far: number) =>
  zone.scope === 'domestic' ? domestic(zone.zone) : zone.band === 'near' ? near : far;
const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));

const SERVICES: Record<ServiceCode, ServiceDef> = {
  usps_ground_advantage: {
    carrier: 'USPS', scope: 'domestic', baseMinor: 520, perLbMinor: 95, distanceBp: 1100, maxWeightOz: 1120, isGuaranteed: false,
    transitDays: (z) => byZone(z, (n) => (n <= 2 ? 2 : n <= 4 ? 3 : n <= 6 ? 4 : 5), 0, 0),
  },
  usps_priority: {
    carrier: 'USPS', scope: 'domestic', baseMinor: 890, perLbMinor: 160, distanceBp: 1300, maxWeightOz: 1120, isGuaranteed: false,
    transitDays: (z) => byZone(z, (n) => (n <= 2 ? 1 : n <= 5 ? 2 : 3), 0, 0),
  },
  usps_express: {
    carrier: 'USPS', scope: 'domestic', baseMinor: 2850, perLbMinor: 420, distanceBp: 900, maxWeightOz: 1120, isGuaranteed: true,
    transitDays: (z) => byZone(z, (n) => (n <= 5 ? 1 : 2), 0, 0),
  },
  ups_ground: {
    carrier: 'UPS', scope: 'domestic', baseMinor: 1010, perLbMinor: 120, distanceBp: 1200, maxWeightOz: 2400, isGuaranteed: false,
    transitDays: (z) => byZone(z, (n) => clamp(n - 1, 1, 5), 0, 0),
  },
  ups_2nd_day_air: {
    carrier: 'UPS', scope: 'domestic', baseMinor: 2190, perLbMinor: 310, distanceBp: 1000, maxWeightOz: 2400, isGuaranteed: true,
    transitDays: () => 2,
  },
  fedex_ground: {
    carrier: 'FedEx', scope: 'domestic', baseMinor: 990, perLbMinor: 125, distanceBp: 1150, maxWeightOz: 2400, isGuaranteed: false,
    transitDays: (z) => byZone(z, (n) => clamp(n - 1, 1, 5), 0, 0),
  },
  usps_priority_intl: {
    carrier: 'USPS', scope: 'international', baseMinor: 4450, perLbMinor: 690, distanceBp: 3500, maxWeightOz: 1120, isGuaranteed: false,
    transitDays: (z) => byZone(z, () => 0, 6, 9),
  },
  usps_first_class_intl: {
    carrier: 'USPS', scope: 'international', baseMinor: 1650, perLbMinor: 510, distanceBp: 3500, maxWeightOz: 64, isGuaranteed: false,
    transitDays: (z) => byZone(z, () => 0, 10, 15),
  },
  ups_expedited_intl: {
    carrier: 'UPS', scope: 'international', baseMinor: 6200, perLbMinor: 880, distanceBp: 3000, maxWeightOz: 2400, isGuaranteed: true,
    transitDays: (z) => byZone(z, () => 0, 3, 5),
  },
};

export const serviceCarrier = (service: ServiceCode): UnderlyingCarrier => SERVICES[service].carrier;

// Approximate geographic centres; good enough to turn a pair of states into a USPS-like zone.
const STATE_CENTRES: Record<string, readonly [number, number]> = {
  AL: [32.8, -86.8], AK: [64.2, -152.5], AZ: [34.3, -111.7], AR: [34.9, -92.4], CA: [36.8, -119.4], CO: [39.0, -105.5],
  CT: [41.6, -72.7], DE: [39.0, -75.5], DC: [38.9, -77.0], FL: [28.6, -82.4], GA: [32.7, -83.4], HI: [20.8, -156.3],
  ID: [44.4, -114.6], IL: [40.0, -89.2], IN: [39.9, -86.3], IA: [42.1, -93.5], KS: [38.5, -98.4], KY: [37.5, -85.3],
  LA: [31.1, -92.0], ME: [45.4, -69.2], MD: [39.0, -76.8], MA: [42.3, -71.8], MI: [44.3, -85.4], MN: [46.3, -94.3],
  MS: [32.7, -89.7], MO: [38.4, -92.5], MT: [47.0, -109.6], NE: [41.5, -99.8], NV: [39.3, -116.6], NH: [43.7, -71.6],
  NJ: [40.2, -74.7], NM: [34.4, -106.1], NY: [42.9, -75.5], NC: [35.6, -79.4], ND: [47.5, -100.5], OH: [40.3, -82.8],
  OK: [35.6, -97.5], OR: [43.9, -120.6], PA: [40.9, -77.8], RI: [41.7, -71.5], SC: [33.9, -80.9], SD: [44.4, -100.2],
  TN: [35.9, -86.4], TX: [31.5, -99.3], UT: [39.3, -111.7], VT: [44.1, -72.7], VA: [37.5, -78.9], WA: [47.4, -120.5],
  WV: [38.6, -80.6], WI: [44.6, -89.9], WY: [43.0, -107.6], PR: [18.2, -66.5],
};

const NEAR_COUNTRIES: Record<string, readonly string[]> = { US: ['CA', 'MX'], CA: ['US'], MX: ['US'] };

function milesBetween([lat1, lon1]: readonly [number, number], [lat2, lon2]: readonly [number, number]): number {
  const rad = Math.PI / 180;
  const a =
    Math.sin(((lat2 - lat1) * rad) / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 3958.8 * 2 * Math.asin(Math.sqrt(a));
}

export function shippingZone(from: Lane, to: Lane): Zone {
  const fromCountry = from.country.toUpperCase();
  const toCountry = to.country.toUpperCase();
  if (fromCountry !== toCountry) {
    return { scope: 'international', band: NEAR_COUNTRIES[fromCountry]?.includes(toCountry) ? 'near' : 'far' };
  }
  const a = STATE_CENTRES[(from.region ?? '').toUpperCase()];
  const b = STATE_CENTRES[(to.region ?? '').toUpperCase()];
  if (fromCountry !== 'US' || !a || !b) return { scope: 'domestic', zone: 5 };
  if (from.region!.toUpperCase() === to.region!.toUpperCase()) {
    const sameZip3 = !!from.postalCode && !!to.postalCode && from.postalCode.slice(0, 3) === to.postalCode.slice(0, 3);
    return { scope: 'domestic', zone: sameZip3 ? 1 : 2 };
  }
  const miles = milesBetween(a, b);
  const limits = [50, 150, 300, 600, 1000, 1400, 1800];
  const index = limits.findIndex((limit) => miles <= limit);
  return { scope: 'domestic', zone: index === -1 ? 8 : index + 1 };
}

const DAY_MS = 86_400_000;

/** Carriers collect Monday to Friday; transit days are business days. End of day UTC on arrival. */
export function deliveryDateAfter(shipDate: Date, businessDays: number): Date {
  let day = Math.floor(shipDate.getTime() / DAY_MS) * DAY_MS;
  const isWeekend = (ms: number) => [0, 6].includes(new Date(ms).getUTCDay());
  while (isWeekend(day)) day += DAY_MS;
  for (let left = businessDays; left > 0; ) {
    day += DAY_MS;
    if (!isWeekend(day)) left--;
  }
  return new Date(day + DAY_MS - 60_000);
}

export type ServiceQuote = {
  service: ServiceCode;
  carrier: UnderlyingCarrier;
  amountMinor: number;
  /** What the carrier charges at the counter, for `retail_rate`-style fields. */
  retailMinor: number;
  transitDays: number;
  deliveryDate: Date;
  isGuaranteed: boolean;
};

export type RateCardRequest = {
  from: Lane;
  to: Lane;
  weightOz: number;
  shipDate: Date;
  /** The services this account can buy, in the order it lists them. */
  services: readonly ServiceCode[];
  priceBasisPoints: number;
};

export type RateCardResult = {
  zone: Zone;
  quotes: ServiceQuote[];
  unavailable: { service: ServiceCode; carrier: UnderlyingCarrier; reason: string }[];
};

export function rateCard(req: RateCardRequest): RateCardResult {
  const zone = shippingZone(req.from, req.to);
  // Billed in quarter pounds, at least one.
  const quarters = Math.max(1, Math.ceil(req.weightOz / 4));
  const quotes: ServiceQuote[] = [];
  const unavailable: RateCardResult['unavailable'] = [];
  for (const service of req.services) {
    const def = SERVICES[service];
    if (def.scope !== zone.scope) continue;
    if (req.weightOz > def.maxWeightOz) {
      unavailable.push({ service, carrier: def.carrier, reason: `parcel exceeds the ${def.maxWeightOz} oz limit for this service` });
      continue;
    }
    const distanceSteps = zone.scope === 'domestic' ? zone.zone - 1 : zone.band === 'far' ? 1 : 0;
    const list = (def.baseMinor + (def.perLbMinor * quarters) / 4) * (1 + (def.distanceBp * distanceSteps) / 10_000);
    const amountMinor = Math.round((list * req.priceBasisPoints) / 10_000);
    const transitDays = def.transitDays(zone);
    quotes.push({
      service,
      carrier: def.carrier,
      amountMinor,
      retailMinor: Math.round(list * 1.18),
      transitDays,
      deliveryDate: deliveryDateAfter(req.shipDate, transitDays),
      isGuaranteed: def.isGuaranteed,
    });
  }
  return { zone, quotes, unavailable };
}

const OZ_PER: Record<string, number> = { oz: 1, ounce: 1, lb: 16, pound: 16, g: 1 / 28.349523125, gram: 1 / 28.349523125, kg: 35.27396195, kilogram: 35.27396195 };

/** Weight in ounces from a value and a unit name as EasyPost, Shippo or ShipEngine spell it. */
export function toOunces(value: number, unit: string): number | undefined {
  const factor = OZ_PER[unit.toLowerCase()];
  return factor === undefined ? undefined : value * factor;
}
