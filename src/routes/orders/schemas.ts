import { z } from 'zod';
import { CountryCode, CurrencyCode, MinorUnits } from '../shared-schemas.js';

const text = (max: number) => z.string().trim().min(1).max(max);

export const ShipTo = z
  .strictObject({
    name: text(200),
    line1: text(200),
    line2: z.string().max(200).nullish(),
    city: text(100),
    region: z.string().max(100).nullish(),
    postal_code: text(20),
    country: CountryCode,
    phone: z.string().max(40).nullish(),
    email: z.email().max(254).nullish(),
  })
  .meta({ id: 'ShipTo' });

export const OrderLineInput = z.strictObject({
  sku: text(100),
  quantity: z.number().int('must be a whole number').min(1, 'must be at least 1').max(10_000),
  unit_price_minor: MinorUnits,
});

export const OrderRequest = z
  .strictObject({
    external_id: text(200),
    currency: CurrencyCode,
    ship_to: ShipTo,
    lines: z.array(OrderLineInput).min(1, 'at least one line').max(100),
    deliver_by: z.union([z.iso.datetime({ offset: true }), z.iso.date()]).optional().describe('RFC 3339 date-time, or a date meaning the end of that day (UTC)'),
  })
  .meta({ id: 'OrderRequest' });

export const CancelOrderRequest = z
  .strictObject({
    reason: z.string().trim().min(1).max(500).optional().describe('Kept on the order; defaults to "cancelled by the seller"'),
    initiated_by: z
      .enum(['customer', 'seller'])
      .default('customer')
      .describe(
        "Whose decision: `customer` (the default: the promise is withdrawn, its exposure released) or `seller` (the seller cannot fulfil it: a broken promise, a `cancelled` breach compensated per the policy's cancelled rule)",
      ),
  })
  .nullish();

export const IdempotencyHeaders = z.looseObject({
  'idempotency-key': z.string().min(1, 'required').max(255).describe('Unique per request; replays return the first answer'),
});

const Instruction = z
  .object({
    status: z.enum(['pending', 'sent', 'failed', 'cancelled']),
    supplier_order_ref: z.string().nullable(),
    tracking_number: z.string().nullable(),
    label_url: z.string().nullable(),
    sent_at: z.string().nullable(),
    error: z.string().nullable(),
    label_void: z
      .enum(['voided', 'rejected', 'failed', 'not_bought'])
      .nullable()
      .describe('Set once a label that will never travel (cancelled order, re-routed or failed shipment) was voided at the carrier, or why not; null while it is live or queued'),
  })
  .meta({ id: 'Instruction' });

// Field-level rules: costs are omitted for `ops` keys (src/finance/redaction.ts), present for every other role.
const CostMinor = z.number().int().optional().describe('Minor units; omitted for ops keys (costs are for finance, auditor and seller_admin)');

const Route = z.object({ supplier: z.string(), warehouse: z.string(), carrier_account: z.string(), carrier: z.string(), service: z.string() }).meta({ id: 'Route' });

const Voucher = z
  .object({ code: z.string(), terms: z.string(), expires_at: z.string(), signature: z.string(), verify_url: z.string() })
  .meta({ id: 'Voucher' });

const Shipment = z
  .object({
    id: z.string(),
    route: Route,
    lines: z.unknown(),
    estimated_delivery: z.string(),
    confidence: z.number(),
    landed_cost_minor: CostMinor,
    shipping_cost_minor: CostMinor,
    instruction: Instruction,
  })
  .meta({ id: 'Shipment' });

const OrderBase = {
  id: z.string(),
  external_id: z.string(),
  currency: z.string(),
  ship_to: z.record(z.string(), z.unknown()),
  lines: z.array(z.object({ sku: z.string(), quantity: z.number().int(), unit_price_minor: z.number().int() })),
  requested_deliver_by: z.string().nullable(),
  decided_in_ms: z.number().int(),
  policy_version: z.number().int(),
  created_at: z.string(),
};

export const PromisedOrder = z
  .object({
    ...OrderBase,
    status: z.literal('promised'),
    deliver_by: z.string(),
    confidence: z.number(),
    route: Route,
    landed_cost_minor: CostMinor,
    expected_breach_cost_minor: CostMinor,
    instruction: Instruction,
    shipments: z.array(Shipment),
    voucher: Voucher.nullable(),
  })
  .meta({ id: 'PromisedOrder' });

export const DeclinedOrder = z
  .object({
    ...OrderBase,
    status: z.literal('declined'),
    code: z.enum(['NO_OFFERS', 'OUT_OF_STOCK', 'NO_QUOTES', 'NO_ROUTE_MEETS_DATE', 'BELOW_MIN_CONFIDENCE']),
    reasons: z.array(z.string()),
  })
  .meta({ id: 'DeclinedOrder' });

export const CancelledOrder = z
  .object({
    ...PromisedOrder.shape,
    status: z.literal('cancelled'),
    cancelled_at: z.string(),
    cancel_reason: z.string().nullable(),
  })
  .meta({ id: 'CancelledOrder', description: "A promised order cancelled by the seller or its platform; each shipment's instruction tells whether the supplier stopped it" });

export const Order = z.discriminatedUnion('status', [PromisedOrder, DeclinedOrder, CancelledOrder]).meta({ id: 'Order' });

export const OrderList = z.object({ data: z.array(Order), next_cursor: z.string().nullable() }).meta({ id: 'OrderList' });

export const OrderListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
  status: z.enum(['promised', 'declined', 'cancelled']).optional(),
});

export const Decision = z
  .looseObject({
    order_id: z.string(),
    policy_version: z.number().int(),
    deadline_ms: z.number().int(),
    decided_at: z.string(),
    outcome: z.enum(['promise', 'decline']),
    deliver_by: z.string(),
    candidates: z.array(z.unknown()),
    quotes: z.array(z.unknown()),
  })
  .meta({ id: 'Decision' });
