import type { CarrierRate, CarrierId } from '../carriers/contract.js';
import { canonicalJson, sha256Hex } from '../lib/crypto.js';
import type { Address } from '../lib/address.js';
import type { OrderNetwork } from '../network/network-service.js';
import {
  carrierRatesKey,
  supplierQuoteKey,
  type QuoteOutcome,
} from '../promise-engine/types.js';
import type { SharedState, StateEntry } from '../state/shared-state.js';
import type { SupplierProtocol, SupplierQuote } from '../suppliers/contract.js';
import { UpstreamError } from '../upstream/contract.js';
import type { WarehouseSchedule } from '../warehouses/contract.js';
import type { PartnerAdapters } from './partner-adapters.js';

export type QuoteLogEntry = {
  partner_kind: 'supplier' | 'warehouse' | 'carrier';
  partner_id: string;
  key: string;
  operation: 'quote' | 'schedule' | 'rates';
  status: QuoteOutcome<unknown>['status'];
  latency_ms: number | null;
  cache_age_ms: number | null;
  reason: string | null;
};

export type GatheredQuotes = {
  supplierQuotes: Record<string, QuoteOutcome<SupplierQuote>>;
  warehouseSchedules: Record<string, QuoteOutcome<WarehouseSchedule>>;
  carrierRates: Record<string, QuoteOutcome<CarrierRate[]>>;
  log: QuoteLogEntry[];
  /** Latency of the slowest call that answered before the deadline (engine overhead = decision - this). */
  slowestAwaitedMs: number;
};

type Cached<T> = { value: T; at: number };

/** Dates survive the JSON round trip through the shared cache. */
const reviveDates = (_k: string, v: unknown) =>
  typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v) ? new Date(v) : v;

export type GatherRequest = {
  orderId: string;
  lines: { sku: string; quantity: number }[];
  shipTo: Address;
  network: OrderNetwork;
  now: Date;
  deadlineAt: number; // performance.now() based
  signal: AbortSignal;
};

/**
 * Asks every supplier, warehouse and carrier account the order could use, all at once, and returns
 * what arrived by the deadline. Late answers are replaced by a recent cached answer where one exists.
 */
export function createQuoteGatherer(deps: {
  adapters: PartnerAdapters;
  state: SharedState;
  quoteCacheTtlMs: number;
  /**
   * A key this process wrote less than this long ago is not written again: the cache only stands in
   * for a missed answer (its age costs nothing but the stale penalty), so a few seconds' older entry
   * serves as well and saves one shared-state write per received quote. Default 5 s (capped at the TTL / 10).
   */
  quoteCacheRefreshMs?: number;
  now?: () => number;
}) {
  const { adapters, state } = deps;
  const nowMs = deps.now ?? Date.now;
  const refreshMs = Math.min(deps.quoteCacheRefreshMs ?? 5_000, deps.quoteCacheTtlMs / 10);
  const writtenAt = new Map<string, number>();
  const MAX_TRACKED_KEYS = 10_000;

  /** One pipelined write per order for the answers whose cached copy is missing or older than refreshMs. */
  function remember(received: { key: string; value: unknown }[]) {
    if (deps.quoteCacheTtlMs <= 0 || received.length === 0) return;
    const at = nowMs();
    const entries: StateEntry[] = [];
    for (const r of received) {
      const last = writtenAt.get(r.key);
      if (last !== undefined && at - last < refreshMs) continue;
      if (writtenAt.size >= MAX_TRACKED_KEYS) writtenAt.clear(); // bounded: at worst a few extra writes
      writtenAt.set(r.key, at);
      entries.push({ key: r.key, value: JSON.stringify({ value: r.value, at }), ttlMs: deps.quoteCacheTtlMs });
    }
    if (entries.length === 0) return;
    void state.setMany(entries).catch(() => {
      for (const e of entries) if (writtenAt.get(e.key) === at) writtenAt.delete(e.key); // retry on the next order
    });
  }
  async function recall<T>(key: string): Promise<Cached<T> | null> {
    if (deps.quoteCacheTtlMs <= 0) return null;
    const raw = await state.get(key).catch(() => null);
    return raw ? (JSON.parse(raw, reviveDates) as Cached<T>) : null;
  }

  return async function gather(req: GatherRequest): Promise<GatheredQuotes> {
    const { network } = req;
    const result: GatheredQuotes = { supplierQuotes: {}, warehouseSchedules: {}, carrierRates: {}, log: [], slowestAwaitedMs: 0 };
    const quantityBySku = new Map<string, number>();
    for (const l of req.lines) quantityBySku.set(l.sku, (quantityBySku.get(l.sku) ?? 0) + l.quantity);

    type Call = {
      kind: QuoteLogEntry['partner_kind'];
      partnerId: string;
      key: string;
      operation: QuoteLogEntry['operation'];
      cacheKey: string;
      run: (signal: AbortSignal) => Promise<unknown>;
      store: (outcome: QuoteOutcome<any>) => void;
    };
    const calls: Call[] = [];

    // One supplier quote per source (supplier, ship-from warehouse) for the lines it offers.
    const sources = new Map<string, typeof network.offers>();
    for (const o of network.offers) {
      const k = supplierQuoteKey(o.supplier_id, o.warehouse_id);
      sources.set(k, [...(sources.get(k) ?? []), o]);
    }
    const weightByWarehouse = new Map<string, number>();
    for (const [key, offers] of sources) {
      const first = offers[0]!;
      const supplier = network.suppliers.get(first.supplier_id);
      const warehouse = network.warehouses.get(first.warehouse_id);
      if (!supplier || !warehouse) continue;
      const items = offers.map((o) => ({ supplierSku: o.supplier_sku, quantity: quantityBySku.get(o.sku) ?? 0 }));
      const weight = offers.reduce((sum, o) => sum + o.weight_grams * (quantityBySku.get(o.sku) ?? 0), 0);
      weightByWarehouse.set(first.warehouse_id, Math.max(weightByWarehouse.get(first.warehouse_id) ?? 0, weight));
      const adapter = adapters.suppliers[supplier.row.protocol as SupplierProtocol];
      calls.push({
        kind: 'supplier',
        partnerId: supplier.row.id,
        key,
        operation: 'quote',
        cacheKey: `quote:s:${supplier.row.id}:${first.warehouse_id}:${sha256Hex(canonicalJson(items.map((i) => i.supplierSku).sort()))}`,
        run: (signal) =>
          adapter.quote(
            supplier.connection,
            {
              orderRef: req.orderId,
              warehouseRef: warehouse.row.id,
              items,
              shipTo: { country: req.shipTo.country, region: req.shipTo.region ?? null, postalCode: req.shipTo.postalCode, city: req.shipTo.city },
            },
            { signal },
          ),
        store: (o) => (result.supplierQuotes[key] = o),
      });
    }

    const fromDate = req.now;
    for (const warehouseId of weightByWarehouse.keys()) {
      const warehouse = network.warehouses.get(warehouseId)!;
      calls.push({
        kind: 'warehouse',
        partnerId: warehouseId,
        key: warehouseId,
        operation: 'schedule',
        cacheKey: `quote:w:${warehouseId}`,
        run: (signal) => adapters.warehouses['pledge-warehouse-v1'].schedule(warehouse.connection, { from: fromDate, days: 7, parcels: 1 }, { signal }),
        store: (o) => (result.warehouseSchedules[warehouseId] = o),
      });
      const from: Address = {
        name: warehouse.row.name,
        line1: warehouse.row.name,
        city: warehouse.row.city ?? '',
        region: warehouse.row.region,
        postalCode: warehouse.row.postal_code,
        country: warehouse.row.country,
      };
      for (const account of network.carrierAccounts.values()) {
        const key = carrierRatesKey(warehouseId, account.row.id);
        const weightGrams = Math.max(1, weightByWarehouse.get(warehouseId) ?? 1);
        const adapter = adapters.carriers[account.row.carrier as CarrierId];
        if (!adapter) continue;
        calls.push({
          kind: 'carrier',
          partnerId: account.row.id,
          key,
          operation: 'rates',
          cacheKey: `quote:c:${account.row.id}:${warehouseId}:${req.shipTo.country}:${req.shipTo.postalCode}:${Math.ceil(weightGrams / 250)}`,
          run: (signal) =>
            adapter.rates(
              account.connection,
              { shipmentRef: req.orderId, from, to: req.shipTo, parcel: { weightGrams }, shipDate: fromDate, currency: network.policy.currency },
              { signal },
            ),
          store: (o) => (result.carrierRates[key] = o),
        });
      }
    }

    const startedAt = performance.now();
    const settled = new Set<Call>();
    const received: { key: string; value: unknown }[] = [];
    const running = calls.map(async (call) => {
      const t0 = performance.now();
      try {
        const value = await call.run(req.signal);
        const latency = performance.now() - t0;
        if (req.signal.aborted) return; // arrived after the decision: not used
        settled.add(call);
        call.store({ status: 'received', value, latencyMs: Math.round(latency) });
        result.slowestAwaitedMs = Math.max(result.slowestAwaitedMs, latency);
        result.log.push(logEntry(call, 'received', Math.round(latency), null, null));
        received.push({ key: call.cacheKey, value });
      } catch (err) {
        if (req.signal.aborted) return;
        settled.add(call);
        const latency = performance.now() - t0;
        result.slowestAwaitedMs = Math.max(result.slowestAwaitedMs, latency);
        const { status, reason } = describeFailure(err);
        call.store(status === 'rejected' ? { status, reason } : status === 'timed_out' ? { status } : { status: 'failed', reason });
        result.log.push(logEntry(call, status, Math.round(latency), null, reason));
      }
    });

    const remaining = Math.max(0, req.deadlineAt - performance.now());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(running), new Promise<void>((r) => (timer = setTimeout(r, remaining)))]);
    clearTimeout(timer);
    remember(received);

    // Deadline reached (or everything answered): fill the gaps from the cache, else record a timeout.
    const missing = calls.filter((c) => !settled.has(c));
    await Promise.all(
      missing.map(async (call) => {
        const cached = await recall<unknown>(call.cacheKey);
        if (cached) {
          const ageMs = nowMs() - cached.at;
          call.store({ status: 'cached', value: cached.value, ageMs });
          result.log.push(logEntry(call, 'cached', null, ageMs, 'no answer by the deadline; used a cached answer'));
        } else {
          call.store({ status: 'timed_out' });
          result.log.push(logEntry(call, 'timed_out', null, null, `no answer within ${Math.round(performance.now() - startedAt)} ms`));
        }
      }),
    );
    return result;
  };
}

function logEntry(call: { kind: QuoteLogEntry['partner_kind']; partnerId: string; key: string; operation: QuoteLogEntry['operation'] }, status: QuoteLogEntry['status'], latency: number | null, cacheAge: number | null, reason: string | null): QuoteLogEntry {
  return { partner_kind: call.kind, partner_id: call.partnerId, key: call.key, operation: call.operation, status, latency_ms: latency, cache_age_ms: cacheAge, reason };
}

function describeFailure(err: unknown): { status: 'rejected' | 'timed_out' | 'failed'; reason: string } {
  if (err instanceof UpstreamError) {
    if (err.failure === 'rejected') return { status: 'rejected', reason: `${err.status ?? 4}xx: ${err.message}` };
    if (err.failure === 'timeout') return { status: 'timed_out', reason: err.message };
    return { status: 'failed', reason: `${err.failure}: ${err.message}` };
  }
  return { status: 'failed', reason: err instanceof Error ? err.message : String(err) };
}
