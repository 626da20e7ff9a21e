import type { CarrierRate } from '../carriers/contract.js';
import type { SupplierQuote } from '../suppliers/contract.js';
import type { WarehouseSchedule } from '../warehouses/contract.js';
import type { EstimateSummary, Posterior } from '../learning/success-model.js';

/**
 * What one partner call produced by the decision deadline. `cached` is a recent earlier answer used
 * because the live call did not arrive; it costs confidence (policy.staleQuotePenalty).
 */
export type QuoteOutcome<T> =
  | { status: 'received'; value: T; latencyMs: number }
  | { status: 'cached'; value: T; ageMs: number }
  | { status: 'timed_out' }
  | { status: 'failed'; reason: string }
  | { status: 'rejected'; reason: string };

export type OrderLine = { sku: string; quantity: number; unitPriceMinor: number };

/** A catalog row: this supplier sells this SKU, shipping from this warehouse. */
export type Offer = {
  sku: string;
  supplierId: string;
  supplierSku: string;
  warehouseId: string;
  catalogUnitCostMinor: number;
  weightGrams: number;
};

export type EnginePolicy = {
  version: number;
  /** 0..1: never promise below this. */
  minConfidence: number;
  /** What a broken promise costs the seller, per breach kind, in the order's currency minor units. */
  compensationMinor: { late: number; lost: number; refused: number; cancelled: number };
  /**
   * What a broken promise costs the seller beyond the compensation it pays (the customer who does not
   * come back): priced into the score with the late compensation, but not into expectedBreachCostMinor,
   * which is money the ledger reserves.
   */
  brokenPromiseCostMinor: number;
  /** 0..1: multiplicative confidence haircut for a route built on a cached quote. */
  staleQuotePenalty: number;
};

/** Kept/broken promise counts so far; the engine turns them into a posterior with a prior. */
export type TrackRecord = { kept: number; broken: number };

/**
 * Learned per-component posteriors (src/learning): they replace the kept/broken counts for any
 * component they cover, and scoring pays for their uncertainty (effectiveProbability, riskAversion).
 */
export type LearnedEstimates = {
  /** 0 = posterior means only; the order path uses the learning service's setting (default 0.5). */
  riskAversion: number;
  suppliers: Record<string, Posterior>;
  warehouses: Record<string, Posterior>;
  /** By laneKey(carrierAccountId, service, originRegion, destinationRegion). */
  lanes: Record<string, Posterior>;
  /** Carrier account id -> the prior of its lanes that have no outcomes yet (its other lanes' record). */
  carrierAccounts?: Record<string, Posterior>;
  /** Warehouse id -> its region (a lane's origin). */
  originRegions: Record<string, string | null>;
  destinationRegion: string | null;
  /** Supplier id -> routing weight (demoted suppliers < 1), multiplied into its handover probability. */
  supplierWeights: Record<string, number>;
};

/** The estimate behind one component of a route, as shown in the decision record. */
/** `carrier_account`: a lane with no outcomes of its own, estimated from its carrier account's other lanes. */
export type ComponentEstimate = EstimateSummary & { source: 'learned' | 'carrier_account' | 'track_record' };

/** Keys: supplier quotes by `${supplierId}|${warehouseId}`, rates by `${warehouseId}|${carrierAccountId}`. */
export const supplierQuoteKey = (supplierId: string, warehouseId: string) => `${supplierId}|${warehouseId}`;
export const carrierRatesKey = (warehouseId: string, carrierAccountId: string) => `${warehouseId}|${carrierAccountId}`;

export type EngineInput = {
  now: Date;
  currency: string;
  lines: OrderLine[];
  /** The date to promise against: requested by the customer, or now + the policy's default window. */
  deliverBy: Date;
  policy: EnginePolicy;
  offers: Offer[];
  supplierQuotes: Record<string, QuoteOutcome<SupplierQuote>>;
  warehouseSchedules: Record<string, QuoteOutcome<WarehouseSchedule>>;
  carrierRates: Record<string, QuoteOutcome<CarrierRate[]>>;
  trackRecords: { suppliers: Record<string, TrackRecord>; carriers: Record<string, TrackRecord>; warehouses: Record<string, TrackRecord> };
  /** Partner ids whose health is degraded (breaker not closed, high error rate). */
  degradedPartners: ReadonlySet<string>;
  /** Absent: the kept/broken counts above with posterior means (riskAversion 0). */
  learned?: LearnedEstimates;
};

export type ShipmentPlan = {
  supplierId: string;
  warehouseId: string;
  carrierAccountId: string;
  lines: { sku: string; supplierSku: string; quantity: number; unitCostMinor: number }[];
  rate: CarrierRate;
  /** Pickup cutoff the supplier must hand over by. */
  handoverBy: Date;
  departsAt: Date;
  estimatedDelivery: Date;
  /** P(handed over by handoverBy). */
  pSupplierOnTime: number;
  /** P(delivered by deliverBy | departs with the booked pickup). */
  pCarrierOnTime: number;
  /** P(misses handoverBy, leaves with a later pickup and still arrives by deliverBy). */
  pLaterPickups: number;
  /** pSupplierOnTime x pCarrierOnTime + pLaterPickups, after haircuts. */
  probability: number;
  goodsCostMinor: number;
  shippingCostMinor: number;
  landedCostMinor: number;
  usedCachedQuote: boolean;
};

export type CandidateRecord = {
  supplierId: string;
  warehouseId: string;
  carrierAccountId: string;
  carrier: string;
  service: string;
  skus: string[];
  factors: {
    pSupplierOnTime: number;
    pCarrierOnTime: number;
    pLaterPickups: number;
    /** The later pickups behind pLaterPickups: P(handed over in time for it and not before), P(carrier by the date from it). */
    laterPickups: { departsAt: string; pHandover: number; pCarrierOnTime: number }[];
    probability: number;
    landedCostMinor: number;
    expectedBreachCostMinor: number;
    /** (1 - P) x policy.brokenPromiseCostMinor: in the score, not reserved. */
    expectedBrokenPromiseCostMinor: number;
    score: number;
    estimatedDelivery: string | null;
    slackDays: number | null;
    /** Mean and 90% interval behind pSupplierOnTime and pCarrierOnTime (null for impossible routes). */
    estimates: { supplier: ComponentEstimate; warehouse: ComponentEstimate | null; carrier: ComponentEstimate & { lane: string | null } } | null;
  };
  isEligible: boolean;
  /** Why it was not eligible, or why it lost, in human words. */
  notes: string[];
};

export type DeclineCode =
  | 'NO_OFFERS'
  | 'OUT_OF_STOCK'
  | 'NO_QUOTES'
  | 'NO_ROUTE_MEETS_DATE'
  | 'BELOW_MIN_CONFIDENCE';

export type EngineDecision =
  | {
      outcome: 'promise';
      shipments: ShipmentPlan[];
      deliverBy: Date;
      confidence: number;
      landedCostMinor: number;
      expectedBreachCostMinor: number;
      candidates: CandidateRecord[];
    }
  | { outcome: 'decline'; code: DeclineCode; reasons: string[]; candidates: CandidateRecord[] };
