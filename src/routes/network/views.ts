import { DEFAULT_CHARGEBACK_TERMS, rulesOf, type CompensationRulesInput } from '../../compensation/compensation-policy.js';
import type { CarrierAccountRow, CatalogOfferRow, PromisePolicyRow, SupplierRow, WarehouseRow } from '../../db/database.js';

// Rows never leave as they are: credentials are reduced to a flag, limits grouped.
const partner = (r: SupplierRow | WarehouseRow | CarrierAccountRow) => ({
  id: r.id,
  name: r.name,
  base_url: r.base_url,
  has_credentials: r.credentials_sealed !== null,
  limits: { max_concurrency: r.max_concurrency, rate_limit_per_second: r.rate_limit_per_second, timeout_ms: r.timeout_ms },
  created_at: r.created_at.toISOString(),
});

export const supplierView = (r: SupplierRow) => ({ ...partner(r), protocol: r.protocol, is_active: r.is_active, chargeback_terms: r.chargeback_terms ?? DEFAULT_CHARGEBACK_TERMS.supplier, ...ratingView(r) });
/** Migration 0013 (learning): a rating rule's demotion, visible on the supplier. */
const ratingView = (r: SupplierRow) => ({ rating_status: r.rating_status, routing_weight: r.routing_weight });
export const warehouseView = (r: WarehouseRow) => ({
  ...partner(r),
  supplier_id: r.supplier_id,
  address: { country: r.country, region: r.region, postal_code: r.postal_code, city: r.city },
});
export const carrierAccountView = (r: CarrierAccountRow) => ({ ...partner(r), carrier: r.carrier, chargeback_terms: r.chargeback_terms ?? DEFAULT_CHARGEBACK_TERMS.carrier });
export const offerView = (o: CatalogOfferRow) => ({
  id: o.id,
  sku: o.sku,
  supplier_id: o.supplier_id,
  supplier_sku: o.supplier_sku,
  warehouse_id: o.warehouse_id,
  unit_cost_minor: o.unit_cost_minor,
  currency: o.currency,
  weight_grams: o.weight_grams,
});
export const policyView = (p: PromisePolicyRow) => ({
  version: p.version,
  min_confidence: p.min_confidence,
  default_delivery_days: p.default_delivery_days,
  currency: p.currency,
  compensation_minor: p.compensation_minor,
  voucher_terms: p.voucher_terms,
  voucher_validity_days: p.voucher_validity_days,
  stale_quote_penalty: p.stale_quote_penalty,
  broken_promise_cost_minor: p.broken_promise_cost_minor,
  compensation_rules: rulesOf(p.compensation_rules as CompensationRulesInput | null),
  created_at: p.created_at.toISOString(),
});
