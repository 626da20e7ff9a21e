import type { PartnerKind } from '../db/database.js';
import type { SandboxKnobs } from './knobs.js';
import { createRng, deriveSeed, type Rng } from './random.js';
import type { CarrierKind, WorldSpec } from './world.js';

/** One simulated partner at run time. `knobs` is replaced (never mutated) on patch. */
export type PartnerRuntime = {
  id: string;
  kind: PartnerKind;
  carrier: CarrierKind | null;
  name: string;
  path: string;
  apiKey: string;
  knobs: SandboxKnobs;
  /** Latency, error and hang draws: exactly four per request, whatever the knobs. */
  chaos: Rng;
  /** Ids, references, tracking numbers, handling times. */
  data: Rng;
};

/** A bought label; `accountId` is the sandbox carrier account that sold it (where its tracking webhooks come from). */
export type LabelFile = { trackingNumber: string; carrier: string; service: string; accountId: string };

/** State shared by every simulator of one sandbox. */
export type SandboxCore = {
  spec: WorldSpec;
  now(): Date;
  /** The server origin once started, '' before. */
  baseUrl(): string;
  partners: ReadonlyMap<string, PartnerRuntime>;
  /** Aborted when the sandbox closes, so pending latency waits end at once. */
  closing: AbortSignal;
  labels: Map<string, LabelFile>;
  /** Parcels booked on each pickup, keyed by `warehouseLoadKey`. */
  warehouseLoad: Map<string, number>;
  /** A seller's own warehouse ids (instructions' `warehouse_ref`) -> the sandbox site they point at. */
  warehouseRefs: Map<string, string>;
};

export const warehouseLoadKey = (warehouseId: string, cutoffAt: Date) => `${warehouseId}|${cutoffAt.toISOString()}`;

export function createPartners(spec: WorldSpec, seed: number): Map<string, PartnerRuntime> {
  const partners = new Map<string, PartnerRuntime>();
  const add = (p: Omit<PartnerRuntime, 'chaos' | 'data'>) =>
    partners.set(p.id, {
      ...p,
      knobs: { ...p.knobs },
      chaos: createRng(deriveSeed(seed, p.id, 'chaos')),
      data: createRng(deriveSeed(seed, p.id, 'data')),
    });
  for (const s of spec.suppliers) add({ id: s.id, kind: 'supplier', carrier: null, name: s.name, path: s.path, apiKey: s.apiKey, knobs: s.knobs });
  for (const w of spec.warehouses) add({ id: w.id, kind: 'warehouse', carrier: null, name: w.name, path: w.path, apiKey: w.apiKey, knobs: w.knobs });
  for (const c of spec.carrierAccounts) add({ id: c.id, kind: 'carrier', carrier: c.carrier, name: c.name, path: c.path, apiKey: c.apiKey, knobs: c.knobs });
  return partners;
}

/** RFC 3339 in UTC without milliseconds, as partners usually print it. */
export const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
