import type { CarrierRate } from '../../src/carriers/contract.js';
import type { SupplierQuote } from '../../src/suppliers/contract.js';
import type { WarehousePickup, WarehouseSchedule } from '../../src/warehouses/contract.js';
import {
  carrierRatesKey,
  supplierQuoteKey,
  type EngineInput,
  type EnginePolicy,
  type Offer,
  type QuoteOutcome,
  type TrackRecord,
} from '../../src/promise-engine/types.js';

/** Monday. */
export const NOW = new Date('2025-03-03T08:00:00.000Z');
/** Friday, end of day. */
export const FRIDAY_EOD = '2025-03-07T23:59:59.999Z';
export const utc = (iso: string) => new Date(iso);

export const received = <T>(value: T): QuoteOutcome<T> => ({ status: 'received', value, latencyMs: 120 });
export const cached = <T>(value: T): QuoteOutcome<T> => ({ status: 'cached', value, ageMs: 90_000 });

export const pickup = (day: string, capacityRemaining = 10): WarehousePickup => ({
  cutoffAt: utc(`${day}T15:00:00.000Z`),
  departsAt: utc(`${day}T17:00:00.000Z`),
  capacityRemaining,
});

/** Tuesday to Friday this week and all of next week: cutoff 15:00, departs 17:00. */
export const DEFAULT_PICKUP_DAYS = ['2025-03-04', '2025-03-05', '2025-03-06', '2025-03-07', '2025-03-10', '2025-03-11', '2025-03-12', '2025-03-13', '2025-03-14'];

export const schedule = (warehouseRef: string, over: Partial<WarehouseSchedule> = {}): WarehouseSchedule => ({
  warehouseRef,
  handlingHours: 4,
  pickups: DEFAULT_PICKUP_DAYS.map((d) => pickup(d)),
  ...over,
});

export const rate = (over: Partial<CarrierRate> = {}): CarrierRate => ({
  carrier: 'UPS',
  service: 'Ground',
  amountMinor: 800,
  currency: 'USD',
  transitDays: 2,
  deliveryDate: null,
  isGuaranteed: false,
  rateRef: { id: `${over.carrier ?? 'UPS'}-${over.service ?? 'Ground'}` },
  ...over,
});

export type SourceSpec = {
  supplierId: string;
  warehouseId: string;
  /** SKU -> stock, unit cost and currency; the supplier SKU is `${supplierId}-${sku}`. */
  items: Record<string, { stock?: number; costMinor?: number; currency?: string }>;
  handoverEta?: string;
  /** Replaces the received quote built from `items` (timed out, failed...), or `'cached'` to serve it from cache. */
  quote?: QuoteOutcome<SupplierQuote> | 'cached';
};

export type Spec = {
  lines?: [sku: string, quantity: number][];
  deliverBy?: string;
  currency?: string;
  policy?: Partial<EnginePolicy>;
  sources: SourceSpec[];
  /** By warehouse id; warehouses of `sources` without an entry get `schedule(id)`. */
  schedules?: Record<string, QuoteOutcome<WarehouseSchedule>>;
  /** By `${warehouseId}|${carrierAccountId}`: plain rates are wrapped as received. */
  rates: Record<string, CarrierRate[] | QuoteOutcome<CarrierRate[]>>;
  suppliers?: Record<string, TrackRecord>;
  carriers?: Record<string, TrackRecord>;
  degraded?: string[];
};

export const policy = (over: Partial<EnginePolicy> = {}): EnginePolicy => ({
  version: 1,
  minConfidence: 0.8,
  compensationMinor: { late: 2000, lost: 5000, refused: 1000, cancelled: 500 },
  brokenPromiseCostMinor: 0,
  staleQuotePenalty: 0.1,
  ...over,
});

export function buildInput(spec: Spec): EngineInput {
  const lines = (spec.lines ?? [['MUG', 1]]).map(([sku, quantity]) => ({ sku, quantity, unitPriceMinor: 2500 }));
  const offers: Offer[] = [];
  const supplierQuotes: EngineInput['supplierQuotes'] = {};
  const warehouseSchedules: EngineInput['warehouseSchedules'] = { ...spec.schedules };
  for (const source of spec.sources) {
    const items = Object.entries(source.items).map(([sku, item]) => ({
      supplierSku: `${source.supplierId}-${sku}`,
      availableQuantity: item.stock ?? 10,
      unitCostMinor: item.costMinor ?? 1000,
      currency: item.currency ?? 'USD',
    }));
    for (const [sku, item] of Object.entries(source.items)) {
      offers.push({
        sku,
        supplierId: source.supplierId,
        supplierSku: `${source.supplierId}-${sku}`,
        warehouseId: source.warehouseId,
        catalogUnitCostMinor: item.costMinor ?? 1000,
        weightGrams: 400,
      });
    }
    const quote: SupplierQuote = { items, handoverEta: utc(source.handoverEta ?? NOW.toISOString()), validUntil: null };
    supplierQuotes[supplierQuoteKey(source.supplierId, source.warehouseId)] =
      source.quote === 'cached' ? cached(quote) : (source.quote ?? received(quote));
    warehouseSchedules[source.warehouseId] ??= received(schedule(source.warehouseId));
  }
  const carrierRates: EngineInput['carrierRates'] = {};
  for (const [key, value] of Object.entries(spec.rates)) carrierRates[key] = Array.isArray(value) ? received(value) : value;
  return {
    now: NOW,
    currency: spec.currency ?? 'USD',
    lines,
    deliverBy: utc(spec.deliverBy ?? FRIDAY_EOD),
    policy: policy(spec.policy),
    offers,
    supplierQuotes,
    warehouseSchedules,
    carrierRates,
    trackRecords: { suppliers: spec.suppliers ?? {}, carriers: spec.carriers ?? {}, warehouses: {} },
    degradedPartners: new Set(spec.degraded ?? []),
  };
}

export const ratesKey = carrierRatesKey;

/** Floating-point equality for probabilities computed along different paths. */
export const near = (actual: number, expected: number, epsilon = 1e-9) => Math.abs(actual - expected) < epsilon;
