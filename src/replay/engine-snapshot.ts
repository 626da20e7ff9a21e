import type { CarrierRate } from '../carriers/contract.js';
import type { EngineInput, EnginePolicy, LearnedEstimates, QuoteOutcome } from '../promise-engine/types.js';
import type { SupplierQuote } from '../suppliers/contract.js';
import type { WarehouseSchedule } from '../warehouses/contract.js';

/**
 * What `decide()` saw when an order was placed, minus the policy, as JSON: dates as ISO strings,
 * `degradedPartners` as a sorted array, carrier `rateRef`s dropped (opaque purchase handles replay
 * never buys with, and the bulk of a rate). `v` changes whenever the shape does; replay skips
 * versions it cannot read instead of guessing.
 */
export const ENGINE_SNAPSHOT_VERSION = 1;

type Jsonified<T> = T extends Date ? string : T extends (infer U)[] ? Jsonified<U>[] : T extends object ? { [K in keyof T]: Jsonified<T[K]> } : T;

type SnapshotRate = Jsonified<Omit<CarrierRate, 'rateRef'>>;
type SnapshotOutcome<T> = Jsonified<QuoteOutcome<T>>;

export type EngineInputSnapshot = {
  v: typeof ENGINE_SNAPSHOT_VERSION;
  now: string;
  currency: string;
  lines: EngineInput['lines'];
  deliverBy: string;
  offers: EngineInput['offers'];
  supplierQuotes: Record<string, SnapshotOutcome<SupplierQuote>>;
  warehouseSchedules: Record<string, SnapshotOutcome<WarehouseSchedule>>;
  carrierRates: Record<string, { status: 'received' | 'cached' | 'timed_out' | 'failed' | 'rejected'; value?: SnapshotRate[]; latencyMs?: number; ageMs?: number; reason?: string }>;
  trackRecords: EngineInput['trackRecords'];
  degradedPartners: string[];
  /** The learned per-component posteriors, when the order path passed them (plain numbers). */
  learned?: LearnedEstimates;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const date = (s: string | null) => (s === null ? null : new Date(s));

function mapOutcome<T, U>(outcome: QuoteOutcome<T>, map: (v: T) => U): QuoteOutcome<U> {
  if (outcome.status === 'received' || outcome.status === 'cached') return { ...outcome, value: map(outcome.value) } as QuoteOutcome<U>;
  return outcome;
}

const mapRecord = <A, B>(rec: Record<string, A>, map: (a: A) => B): Record<string, B> =>
  Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, map(v)]));

export function snapshotEngineInput(input: EngineInput): EngineInputSnapshot {
  return {
    v: ENGINE_SNAPSHOT_VERSION,
    now: input.now.toISOString(),
    currency: input.currency,
    lines: input.lines,
    deliverBy: input.deliverBy.toISOString(),
    offers: input.offers,
    supplierQuotes: mapRecord(input.supplierQuotes, (o) =>
      mapOutcome(o, (q) => ({ items: q.items, handoverEta: q.handoverEta.toISOString(), validUntil: iso(q.validUntil) })),
    ) as EngineInputSnapshot['supplierQuotes'],
    warehouseSchedules: mapRecord(input.warehouseSchedules, (o) =>
      mapOutcome(o, (s) => ({
        warehouseRef: s.warehouseRef,
        handlingHours: s.handlingHours,
        pickups: s.pickups.map((p) => ({ cutoffAt: p.cutoffAt.toISOString(), departsAt: p.departsAt.toISOString(), capacityRemaining: p.capacityRemaining })),
      })),
    ) as EngineInputSnapshot['warehouseSchedules'],
    carrierRates: mapRecord(input.carrierRates, (o) =>
      mapOutcome(o, (rates) =>
        rates.map(({ rateRef: _dropped, ...r }) => ({ ...r, deliveryDate: iso(r.deliveryDate) })),
      ),
    ) as EngineInputSnapshot['carrierRates'],
    trackRecords: input.trackRecords,
    degradedPartners: [...input.degradedPartners].sort(),
    ...(input.learned ? { learned: input.learned } : {}),
  };
}

/** Null when the record predates snapshots or has a version this code does not read. */
export function readSnapshot(record: unknown): EngineInputSnapshot | null {
  if (!record || typeof record !== 'object') return null;
  const snap = (record as { engine_input?: unknown }).engine_input;
  if (!snap || typeof snap !== 'object' || (snap as { v?: unknown }).v !== ENGINE_SNAPSHOT_VERSION) return null;
  return snap as EngineInputSnapshot;
}

export function restoreEngineInput(snap: EngineInputSnapshot, policy: EnginePolicy): EngineInput {
  return {
    now: new Date(snap.now),
    currency: snap.currency,
    lines: snap.lines,
    deliverBy: new Date(snap.deliverBy),
    policy,
    offers: snap.offers,
    supplierQuotes: mapRecord(snap.supplierQuotes, (o) =>
      mapOutcome(o as QuoteOutcome<Jsonified<SupplierQuote>>, (q) => ({ items: q.items, handoverEta: new Date(q.handoverEta), validUntil: date(q.validUntil) })),
    ),
    warehouseSchedules: mapRecord(snap.warehouseSchedules, (o) =>
      mapOutcome(o as QuoteOutcome<Jsonified<WarehouseSchedule>>, (s) => ({
        warehouseRef: s.warehouseRef,
        handlingHours: s.handlingHours,
        pickups: s.pickups.map((p) => ({ cutoffAt: new Date(p.cutoffAt), departsAt: new Date(p.departsAt), capacityRemaining: p.capacityRemaining })),
      })),
    ),
    carrierRates: mapRecord(snap.carrierRates, (o) =>
      mapOutcome(o as QuoteOutcome<SnapshotRate[]>, (rates) => rates.map((r) => ({ ...r, deliveryDate: date(r.deliveryDate), rateRef: null }))),
    ),
    trackRecords: snap.trackRecords,
    degradedPartners: new Set(snap.degradedPartners),
    ...(snap.learned ? { learned: snap.learned } : {}),
  };
}
