import { z } from 'zod';
import { CountryCode, Credentials, CurrencyCode, MinorUnits, PartnerLimits } from '../shared-schemas.js';

const HttpUrl = z.url({ protocol: /^https?$/ }).max(2000);
const Name = z.string().trim().min(1).max(200);

export const SupplierInput = z
  .strictObject({ name: Name, base_url: HttpUrl, protocol: z.literal('pledge-supplier-v1').optional(), credentials: Credentials.optional(), limits: PartnerLimits.optional() })
  .meta({ id: 'NewSupplier' });

export const WarehouseInput = z
  .strictObject({
    name: Name,
    base_url: HttpUrl,
    supplier_id: z.string().max(100).nullish(),
    address: z.strictObject({ country: CountryCode, region: z.string().max(100).nullish(), postal_code: z.string().trim().min(1).max(20), city: z.string().max(100).nullish() }),
    credentials: Credentials.optional(),
    limits: PartnerLimits.optional(),
  })
  .meta({ id: 'NewWarehouse' });

export const CarrierAccountInput = z
  .strictObject({
    carrier: z.enum(['easypost', 'shippo', 'shipengine']),
    name: Name,
    base_url: HttpUrl.optional().describe("Defaults to the carrier's production API"),
    credentials: Credentials,
    limits: PartnerLimits.optional(),
  })
  .meta({ id: 'NewCarrierAccount' });

const LimitsView = z.object({ max_concurrency: z.number().int(), rate_limit_per_second: z.number().int(), timeout_ms: z.number().int() });
const PartnerView = { id: z.string(), name: z.string(), base_url: z.string(), has_credentials: z.boolean(), limits: LimitsView, created_at: z.string() };

const ChargebackTermsView = z.object({ share_bps: z.number().int(), cap_minor: z.number().int().nullable() });
/** Set by the weekly rating rules (src/learning): a demoted supplier stays routable at a lower weight. */
const SupplierRating = {
  rating_status: z.enum(['active', 'demoted']).describe('demoted by a rating rule: see GET /v1/suppliers/{id}/ratings'),
  routing_weight: z.number().describe("multiplies the supplier's handover probability when routes are scored"),
};
export const Supplier = z.object({ ...PartnerView, protocol: z.string(), is_active: z.boolean(), chargeback_terms: ChargebackTermsView, ...SupplierRating }).meta({ id: 'Supplier' });
export const SupplierCreated = z
  .object({
    ...PartnerView,
    protocol: z.string(),
    is_active: z.boolean(),
    chargeback_terms: ChargebackTermsView,
    callback_secret: z.string().describe('Shown once: the supplier signs its status callbacks with it (Pledge-Signature); rotate with POST /v1/suppliers/{id}/callback-secret'),
  })
  .meta({ id: 'SupplierCreated' });
export const Warehouse = z
  .object({ ...PartnerView, supplier_id: z.string().nullable(), address: z.object({ country: z.string(), region: z.string().nullable(), postal_code: z.string(), city: z.string().nullable() }) })
  .meta({ id: 'Warehouse' });
export const CarrierAccount = z.object({ ...PartnerView, carrier: z.string(), chargeback_terms: ChargebackTermsView }).meta({ id: 'CarrierAccount' });

export const CatalogOfferInput = z
  .strictObject({
    sku: z.string().trim().min(1).max(100),
    supplier_id: z.string().min(1).max(100),
    supplier_sku: z.string().trim().min(1).max(100),
    warehouse_id: z.string().min(1).max(100),
    unit_cost_minor: MinorUnits,
    currency: CurrencyCode,
    weight_grams: z.number().int().min(1).max(1_000_000),
  })
  .meta({ id: 'NewCatalogOffer' });

export const CatalogOffer = z
  .object({ id: z.string(), sku: z.string(), supplier_id: z.string(), supplier_sku: z.string(), warehouse_id: z.string(), unit_cost_minor: z.number().int(), currency: z.string(), weight_grams: z.number().int() })
  .meta({ id: 'CatalogOffer' });

export const Catalog = z
  .object({ data: z.array(z.object({ sku: z.string(), offers: z.array(CatalogOffer) })) })
  .meta({ id: 'Catalog' });

const Bps = z.number().int().min(0).max(10_000).describe('basis points: 100 = 1 %');
const Hours = z.number().int().min(0).max(24 * 90);
export const CompensationRules = z
  .strictObject({
    late: z.strictObject({ bps_per_day: Bps, cap_bps: Bps, min_minor: MinorUnits }).partial().optional().describe('A share of the shipment value per started day late, capped, with a floor'),
    lost: z.strictObject({ goodwill_minor: MinorUnits }).optional().describe('Full refund of the shipment value plus goodwill'),
    refused: z.strictObject({ goodwill_minor: MinorUnits }).optional().describe('Full refund of the shipment value plus goodwill'),
    cancelled: z.strictObject({ goodwill_minor: MinorUnits }).optional().describe('Cancelled by a partner: goodwill'),
    grace_hours: Hours.optional(),
    acceptance_hours: Hours.min(1).optional(),
    handover_slack_hours: Hours.optional(),
    silence_days: z.number().int().min(1).max(60).optional(),
    approval_threshold_minor: MinorUnits.optional().describe('Compensation above this waits for a finance approval'),
  })
  .meta({ id: 'CompensationRulesInput' });

export const ChargebackTermsInput = z
  .strictObject({ share_bps: Bps, cap_minor: MinorUnits.nullable().default(null) })
  .meta({ id: 'ChargebackTerms', description: 'What the partner owes back of a compensation it caused' });

export const PolicyInput = z
  .strictObject({
    compensation_rules: CompensationRules.optional().describe("Merged over the defaults; omitted: the previous version's rules carry over"),
    min_confidence: z.number().min(0).max(1),
    default_delivery_days: z.number().int().min(1).max(90),
    currency: CurrencyCode,
    compensation_minor: z.strictObject({ late: MinorUnits, lost: MinorUnits, refused: MinorUnits, cancelled: MinorUnits }),
    voucher_terms: z.string().trim().min(1).max(2000),
    voucher_validity_days: z.number().int().min(1).max(3650),
    stale_quote_penalty: z.number().min(0).max(1),
    broken_promise_cost_minor: MinorUnits.optional().describe(
      "What a broken promise costs you beyond the compensation you pay (a customer who does not come back, a bad review), in the policy's currency minor units. The engine adds it to the late compensation when it prices a route's risk, so a higher value buys more reliable routes; it is never posted to the ledger. Omitted: the previous version's value carries over (0 at first)",
    ),
  })
  .meta({ id: 'PolicyUpdate' });

export const Policy = z
  .object({
    version: z.number().int(),
    min_confidence: z.number(),
    default_delivery_days: z.number().int(),
    currency: z.string(),
    compensation_minor: z.object({ late: z.number().int(), lost: z.number().int(), refused: z.number().int(), cancelled: z.number().int() }),
    voucher_terms: z.string(),
    voucher_validity_days: z.number().int(),
    stale_quote_penalty: z.number(),
    broken_promise_cost_minor: z.number().int(),
    compensation_rules: z.object({
      late: z.object({ bps_per_day: z.number().int(), cap_bps: z.number().int(), min_minor: z.number().int() }),
      lost: z.object({ goodwill_minor: z.number().int() }),
      refused: z.object({ goodwill_minor: z.number().int() }),
      cancelled: z.object({ goodwill_minor: z.number().int() }),
      grace_hours: z.number().int(),
      acceptance_hours: z.number().int(),
      handover_slack_hours: z.number().int(),
      silence_days: z.number().int(),
      approval_threshold_minor: z.number().int(),
    }),
    created_at: z.string(),
  })
  .meta({ id: 'Policy' });
