import type { Kysely, Selectable } from 'kysely';
import type { CarrierId } from '../carriers/contract.js';
import type {
  CarrierAccountRow,
  CatalogOfferRow,
  Database,
  PromisePoliciesTable,
  PromisePolicyRow,
  SupplierRow,
  WarehouseRow,
} from '../db/database.js';
import { AppError, notFound } from '../errors.js';
import type { SecretBox } from '../lib/crypto.js';
import type { EstimateRow } from '../learning/estimates.js';
import { newId } from '../lib/ids.js';
import { newCallbackSecret } from '../milestones/secrets.js';
import { type ChargebackTerms, type CompensationRulesInput, rulesOf } from '../compensation/compensation-policy.js';
import type { PartnerConnection, PartnerLimits } from '../upstream/contract.js';

export type PartnerLimitsInput = { max_concurrency?: number; rate_limit_per_second?: number; timeout_ms?: number };
const DEFAULT_LIMITS = { max_concurrency: 16, rate_limit_per_second: 100, timeout_ms: 2000 };

export type SupplierInput = {
  name: string;
  base_url: string;
  protocol?: 'pledge-supplier-v1';
  credentials?: Record<string, string>;
  limits?: PartnerLimitsInput;
};
export type WarehouseInput = {
  name: string;
  base_url: string;
  supplier_id?: string | null;
  address: { country: string; region?: string | null; postal_code: string; city?: string | null };
  credentials?: Record<string, string>;
  limits?: PartnerLimitsInput;
};
export type CarrierAccountInput = {
  carrier: CarrierId;
  name: string;
  base_url?: string;
  credentials: Record<string, string>;
  limits?: PartnerLimitsInput;
};
export type CatalogOfferInput = {
  sku: string;
  supplier_id: string;
  supplier_sku: string;
  warehouse_id: string;
  unit_cost_minor: number;
  currency: string;
  weight_grams: number;
};
export type PolicyInput = {
  min_confidence: number;
  default_delivery_days: number;
  currency: string;
  compensation_minor: { late: number; lost: number; refused: number; cancelled: number };
  voucher_terms: string;
  voucher_validity_days: number;
  stale_quote_penalty: number;
  /** Omitted: the previous version's value carries over (0 on a seller's first policy). */
  broken_promise_cost_minor?: number | undefined;
  /** Merged over the defaults; omitted: the previous version's rules carry over. */
  compensation_rules?: CompensationRulesInput | undefined;
};

/** Everything the promise path needs about a seller's network for one order. */
export type OrderNetwork = {
  policy: PromisePolicyRow;
  offers: CatalogOfferRow[];
  suppliers: Map<string, { row: SupplierRow; connection: PartnerConnection }>;
  warehouses: Map<string, { row: WarehouseRow; connection: PartnerConnection }>;
  carrierAccounts: Map<string, { row: CarrierAccountRow; connection: PartnerConnection }>;
  trackRecords: { suppliers: Record<string, TrackRecord>; warehouses: Record<string, TrackRecord>; carriers: Record<string, TrackRecord> };
  /** Learned per-component posteriors (src/learning), as stored; the order path decays them to its time. */
  estimates: EstimateRow[];
};
type TrackRecord = { kept: number; broken: number };

export type NetworkServiceDeps = {
  db: Kysely<Database>;
  secrets: SecretBox;
  checkUrl: (url: string) => Promise<{ ok: true } | { ok: false; reason: string }>;
  carrierDefaults: Record<CarrierId, { defaultBaseUrl: string; credentialFields: readonly string[] }>;
  /** How long a seller's network stays cached in this process; writes here invalidate it at once. */
  cacheTtlMs?: number;
};

export function createNetworkService(deps: NetworkServiceDeps) {
  const { db, secrets } = deps;
  const cacheTtlMs = deps.cacheTtlMs ?? 5_000;
  const cache = new Map<string, { until: number; value: Promise<SellerNetwork> }>();
  const invalidate = (sellerId: string) => cache.delete(sellerId);

  const limitsOf = (l: PartnerLimitsInput | undefined) => ({ ...DEFAULT_LIMITS, ...(l ?? {}) });
  const seal = (credentials: Record<string, string> | undefined) =>
    credentials && Object.keys(credentials).length > 0 ? secrets.seal(JSON.stringify(credentials)) : null;

  /** The columns every partner table shares: id, owner, URL without trailing slash, sealed credentials, limits. */
  function partnerColumns(sellerId: string, idPrefix: string, name: string, baseUrl: string, credentials: Record<string, string> | undefined, limits: PartnerLimitsInput | undefined) {
    const l = limitsOf(limits);
    return {
      id: newId(idPrefix, 12),
      seller_id: sellerId,
      name,
      base_url: baseUrl.replace(/\/+$/, ''),
      credentials_sealed: seal(credentials),
      max_concurrency: l.max_concurrency,
      rate_limit_per_second: l.rate_limit_per_second,
      timeout_ms: l.timeout_ms,
    };
  }

  async function assertUrl(field: string, url: string) {
    const verdict = await deps.checkUrl(url);
    if (!verdict.ok) throw new AppError('PARTNER_URL_REJECTED', `${field}: ${verdict.reason}`, [{ field, message: verdict.reason }]);
  }
  async function assertOwned(table: 'suppliers' | 'warehouses', sellerId: string, id: string, field: string) {
    const row = await db.selectFrom(table).select('id').where('seller_id', '=', sellerId).where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('VALIDATION_FAILED', `${field}: no such ${table.slice(0, -1)} ${id}`, [{ field, message: `unknown ${table.slice(0, -1)} ${id}` }]);
  }

  function connection(kind: PartnerConnection['kind'], row: { id: string; base_url: string; credentials_sealed: string | null; max_concurrency: number; rate_limit_per_second: number; timeout_ms: number }): PartnerConnection {
    const limits: PartnerLimits = { maxConcurrency: row.max_concurrency, ratePerSecond: row.rate_limit_per_second, timeoutMs: row.timeout_ms };
    return {
      id: row.id,
      kind,
      baseUrl: row.base_url,
      credentials: row.credentials_sealed ? (JSON.parse(secrets.open(row.credentials_sealed)) as Record<string, string>) : {},
      limits,
    };
  }

  type SellerNetwork = Omit<OrderNetwork, 'offers'> & { offersBySku: Map<string, CatalogOfferRow[]> };

  async function loadSellerNetwork(sellerId: string): Promise<SellerNetwork> {
    const [policy, offers, suppliers, warehouses, carriers, stats, estimates] = await Promise.all([
      currentPolicy(sellerId),
      db.selectFrom('catalog_offers').selectAll().where('seller_id', '=', sellerId).execute(),
      db.selectFrom('suppliers').selectAll().where('seller_id', '=', sellerId).where('is_active', '=', true).execute(),
      db.selectFrom('warehouses').selectAll().where('seller_id', '=', sellerId).execute(),
      db.selectFrom('carrier_accounts').selectAll().where('seller_id', '=', sellerId).execute(),
      db.selectFrom('partner_stats').selectAll().where('seller_id', '=', sellerId).execute(),
      db.selectFrom('route_estimates').select(['kind', 'key', 'alpha', 'beta', 'n', 'updated_at']).where('seller_id', '=', sellerId).execute(),
    ]);
    const offersBySku = new Map<string, CatalogOfferRow[]>();
    for (const o of offers) offersBySku.set(o.sku, [...(offersBySku.get(o.sku) ?? []), o]);
    const trackRecords: OrderNetwork['trackRecords'] = { suppliers: {}, warehouses: {}, carriers: {} };
    for (const s of stats) {
      const bucket = s.partner_kind === 'supplier' ? trackRecords.suppliers : s.partner_kind === 'warehouse' ? trackRecords.warehouses : trackRecords.carriers;
      bucket[s.partner_id] = { kept: s.kept_count, broken: s.broken_count };
    }
    return {
      policy,
      offersBySku,
      suppliers: new Map(suppliers.map((r) => [r.id, { row: r, connection: connection('supplier', r) }])),
      warehouses: new Map(warehouses.map((r) => [r.id, { row: r, connection: connection('warehouse', r) }])),
      carrierAccounts: new Map(carriers.map((r) => [r.id, { row: r, connection: connection('carrier', r) }])),
      trackRecords,
      estimates,
    };
  }

  async function currentPolicy(sellerId: string): Promise<PromisePolicyRow> {
    const row = await db
      .selectFrom('promise_policies')
      .selectAll()
      .where('seller_id', '=', sellerId)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) throw notFound('promise policy');
    return row;
  }

  function cached(sellerId: string, nowMs: number): Promise<SellerNetwork> {
    let entry = cache.get(sellerId);
    if (!entry || entry.until <= nowMs) {
      entry = { until: nowMs + cacheTtlMs, value: loadSellerNetwork(sellerId) };
      entry.value.catch(() => cache.delete(sellerId));
      cache.set(sellerId, entry);
    }
    return entry.value;
  }

  return {
    invalidate,

    /** The seller's partners with their decrypted connections (cached briefly in this process). */
    connections: (sellerId: string, nowMs = Date.now()) => cached(sellerId, nowMs),

    /** The network for an order's SKUs. Throws UNKNOWN_SKU (422) naming every SKU without an offer. */
    async forOrder(sellerId: string, skus: string[], nowMs = Date.now()): Promise<OrderNetwork> {
      const network = await cached(sellerId, nowMs);
      const unknown = [...new Set(skus)].filter((sku) => !network.offersBySku.has(sku));
      if (unknown.length > 0) {
        throw new AppError(
          'UNKNOWN_SKU',
          `Unknown SKU${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
          unknown.map((sku) => ({ field: `lines[${skus.indexOf(sku)}].sku`, message: `unknown SKU ${sku}` })),
          { skus: unknown },
        );
      }
      const offers = [...new Set(skus)].flatMap((sku) => network.offersBySku.get(sku) ?? []).filter((o) => network.suppliers.has(o.supplier_id));
      return { ...network, offers };
    },

    currentPolicy,

    async updatePolicy(sellerId: string, input: PolicyInput): Promise<PromisePolicyRow> {
      const row = await db.transaction().execute(async (trx) => {
        const latest = await trx
          .selectFrom('promise_policies')
          .select('version')
          .where('seller_id', '=', sellerId)
          .orderBy('version', 'desc')
          .limit(1)
          .forUpdate()
          .executeTakeFirst();
        const previous =
          input.compensation_rules && input.broken_promise_cost_minor !== undefined
            ? undefined
            : await trx.selectFrom('promise_policies').select(['compensation_rules', 'broken_promise_cost_minor']).where('seller_id', '=', sellerId).where('version', '=', latest?.version ?? 0).executeTakeFirst();
        const previousRules = input.compensation_rules ? null : (previous?.compensation_rules ?? null);
        const values: Parameters<ReturnType<typeof trx.insertInto<'promise_policies'>>['values']>[0] = {
          seller_id: sellerId,
          version: (latest?.version ?? 0) + 1,
          min_confidence: input.min_confidence,
          default_delivery_days: input.default_delivery_days,
          currency: input.currency,
          compensation_minor: JSON.stringify(input.compensation_minor),
          voucher_terms: input.voucher_terms,
          voucher_validity_days: input.voucher_validity_days,
          stale_quote_penalty: input.stale_quote_penalty,
          broken_promise_cost_minor: input.broken_promise_cost_minor ?? previous?.broken_promise_cost_minor ?? 0,
          compensation_rules: JSON.stringify(rulesOf((input.compensation_rules ?? previousRules) as CompensationRulesInput | null)),
        };
        return trx.insertInto('promise_policies').values(values).returningAll().executeTakeFirstOrThrow();
      });
      invalidate(sellerId);
      return row;
    },

    /** Also generates the supplier's callback secret (milestones): returned here once, stored sealed. */
    async createSupplier(sellerId: string, input: SupplierInput): Promise<SupplierRow & { callbackSecret: string }> {
      await assertUrl('base_url', input.base_url);
      const callbackSecret = newCallbackSecret();
      const row = await db
        .insertInto('suppliers')
        .values({
          ...partnerColumns(sellerId, 'sup', input.name, input.base_url, input.credentials, input.limits),
          protocol: input.protocol ?? 'pledge-supplier-v1',
          callback_secret_sealed: secrets.seal(callbackSecret),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      invalidate(sellerId);
      return { ...row, callbackSecret };
    },

    async createWarehouse(sellerId: string, input: WarehouseInput): Promise<WarehouseRow> {
      await assertUrl('base_url', input.base_url);
      if (input.supplier_id) await assertOwned('suppliers', sellerId, input.supplier_id, 'supplier_id');
      const row = await db
        .insertInto('warehouses')
        .values({
          ...partnerColumns(sellerId, 'wh', input.name, input.base_url, input.credentials, input.limits),
          supplier_id: input.supplier_id ?? null,
          country: input.address.country,
          region: input.address.region ?? null,
          postal_code: input.address.postal_code,
          city: input.address.city ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      invalidate(sellerId);
      return row;
    },

    async createCarrierAccount(sellerId: string, input: CarrierAccountInput): Promise<CarrierAccountRow> {
      const defaults = deps.carrierDefaults[input.carrier];
      const missing = defaults.credentialFields.filter((f) => !input.credentials[f]);
      if (missing.length > 0) {
        throw new AppError(
          'VALIDATION_FAILED',
          `credentials: ${input.carrier} needs ${missing.join(', ')}`,
          missing.map((f) => ({ field: `credentials.${f}`, message: 'required' })),
        );
      }
      const baseUrl = input.base_url ?? defaults.defaultBaseUrl;
      await assertUrl('base_url', baseUrl);
      const row = await db
        .insertInto('carrier_accounts')
        .values({ ...partnerColumns(sellerId, 'ca', input.name, baseUrl, input.credentials, input.limits), carrier: input.carrier })
        .returningAll()
        .executeTakeFirstOrThrow();
      invalidate(sellerId);
      return row;
    },

    async createOffer(sellerId: string, input: CatalogOfferInput): Promise<CatalogOfferRow> {
      await assertOwned('suppliers', sellerId, input.supplier_id, 'supplier_id');
      await assertOwned('warehouses', sellerId, input.warehouse_id, 'warehouse_id');
      const row = await db
        .insertInto('catalog_offers')
        .values({ id: newId('off', 12), seller_id: sellerId, ...input })
        .onConflict((oc) =>
          oc.constraint('catalog_offers_unique').doUpdateSet((eb) => ({
            supplier_sku: eb.ref('excluded.supplier_sku'),
            unit_cost_minor: eb.ref('excluded.unit_cost_minor'),
            currency: eb.ref('excluded.currency'),
            weight_grams: eb.ref('excluded.weight_grams'),
          })),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      invalidate(sellerId);
      return row;
    },

    async deleteOffer(sellerId: string, offerId: string): Promise<void> {
      const result = await db.deleteFrom('catalog_offers').where('seller_id', '=', sellerId).where('id', '=', offerId).executeTakeFirst();
      if (result.numDeletedRows === 0n) throw notFound('catalog offer');
      invalidate(sellerId);
    },

    listSuppliers: (sellerId: string) => db.selectFrom('suppliers').selectAll().where('seller_id', '=', sellerId).orderBy('created_at').orderBy('id').execute(),
    listWarehouses: (sellerId: string) => db.selectFrom('warehouses').selectAll().where('seller_id', '=', sellerId).orderBy('created_at').orderBy('id').execute(),
    listCarrierAccounts: (sellerId: string) =>
      db.selectFrom('carrier_accounts').selectAll().where('seller_id', '=', sellerId).orderBy('created_at').orderBy('id').execute(),
    listOffers: (sellerId: string) => db.selectFrom('catalog_offers').selectAll().where('seller_id', '=', sellerId).orderBy('sku').orderBy('id').execute(),

    /** What a supplier or carrier account owes back of a compensation it caused. @throws NOT_FOUND */
    async setChargebackTerms(sellerId: string, table: 'suppliers' | 'carrier_accounts', id: string, terms: ChargebackTerms) {
      const row = await db.updateTable(table).set({ chargeback_terms: JSON.stringify(terms) }).where('seller_id', '=', sellerId).where('id', '=', id).returningAll().executeTakeFirst();
      if (!row) throw notFound(table === 'carrier_accounts' ? 'carrier account' : 'supplier');
      invalidate(sellerId);
      return row as Selectable<Database[typeof table]>;
    },

    async getPartner(sellerId: string, table: 'suppliers' | 'warehouses' | 'carrier_accounts', id: string) {
      const row = await db.selectFrom(table).selectAll().where('seller_id', '=', sellerId).where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound(table === 'carrier_accounts' ? 'carrier account' : table.slice(0, -1));
      return row as Selectable<Database[typeof table]>;
    },
  };
}
export type NetworkService = ReturnType<typeof createNetworkService>;
export type { PromisePoliciesTable };
