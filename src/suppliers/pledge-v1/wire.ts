import { z } from 'zod';

/**
 * The published supplier protocol `pledge-supplier-v1` (docs/partners.md). These schemas are the
 * source of openapi/partners/supplier.json. Every object tolerates unknown fields, in both directions.
 */
export const supplierWire = z.registry<{ id: string; description?: string }>();

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
export const SIGNATURE_HEADER = 'Pledge-Signature';

const Timestamp = z.iso.datetime({ offset: true }).describe('RFC 3339 with an offset');
const CountryCode = z.string().regex(/^[A-Z]{2}$/).describe('ISO 3166-1 alpha-2');

export const PledgeV1Money = z
  .looseObject({ amount_minor: z.int().nonnegative(), currency: z.string().regex(/^[A-Z]{3}$/).describe('ISO 4217') })
  .describe('An integer amount in the currency\'s minor units (cents), never a float.');
export type PledgeV1Money = z.infer<typeof PledgeV1Money>;
supplierWire.add(PledgeV1Money, { id: 'Money' });

const Item = z.looseObject({ supplier_sku: z.string().min(1), quantity: z.int().positive() });

export const PledgeV1QuoteRequest = z.looseObject({
  order_ref: z.string().min(1),
  warehouse_ref: z.string().min(1),
  items: z.array(Item).min(1),
  ship_to: z.looseObject({ country: CountryCode, region: z.string().nullable(), postal_code: z.string(), city: z.string() }),
});
export type PledgeV1QuoteRequest = z.infer<typeof PledgeV1QuoteRequest>;
supplierWire.add(PledgeV1QuoteRequest, { id: 'QuoteRequest' });

export const PledgeV1Quote = z.looseObject({
  items: z.array(
    z.looseObject({
      supplier_sku: z.string(),
      available_quantity: z.int().nonnegative().describe('What can ship now; 0 when out of stock.'),
      unit_cost: PledgeV1Money,
    }),
  ),
  handover_eta: Timestamp.describe('When the goods will be packed at the warehouse dock, ready for the carrier.'),
  valid_until: Timestamp.nullable(),
});
export type PledgeV1Quote = z.infer<typeof PledgeV1Quote>;
supplierWire.add(PledgeV1Quote, { id: 'Quote' });

export const PledgeV1Address = z.looseObject({
  name: z.string(),
  line1: z.string(),
  line2: z.string().nullable(),
  city: z.string(),
  region: z.string().nullable(),
  postal_code: z.string(),
  country: CountryCode,
  phone: z.string().nullable(),
  email: z.string().nullable(),
});
supplierWire.add(PledgeV1Address, { id: 'Address' });

export const PledgeV1Instruction = z.looseObject({
  shipment_ref: z.string().min(1),
  order_ref: z.string().min(1),
  warehouse_ref: z.string().min(1),
  items: z.array(Item).min(1),
  ship_to: PledgeV1Address,
  carrier: z.string(),
  service: z.string(),
  tracking_number: z.string().nullable(),
  label_url: z.string().nullable(),
  handover_by: Timestamp,
});
export type PledgeV1Instruction = z.infer<typeof PledgeV1Instruction>;
supplierWire.add(PledgeV1Instruction, { id: 'Instruction' });

export const PledgeV1InstructionReceipt = z.looseObject({
  supplier_order_ref: z.string().min(1),
  status: z.enum(['received', 'accepted']),
});
export type PledgeV1InstructionReceipt = z.infer<typeof PledgeV1InstructionReceipt>;
supplierWire.add(PledgeV1InstructionReceipt, { id: 'InstructionReceipt' });

export const PledgeV1CancelResult = z.looseObject({
  supplier_order_ref: z.string().min(1),
  status: z.enum(['cancelled', 'too_late']).describe('too_late: the parcel was already handed over.'),
});
export type PledgeV1CancelResult = z.infer<typeof PledgeV1CancelResult>;
supplierWire.add(PledgeV1CancelResult, { id: 'CancelResult' });

export const PledgeV1Problem = z
  .looseObject({
    type: z.string().optional(),
    title: z.string(),
    status: z.int().optional(),
    detail: z.string().optional(),
    code: z.string().optional().describe('e.g. IDEMPOTENCY_KEY_REUSED'),
  })
  .describe('RFC 9457 application/problem+json');
export type PledgeV1Problem = z.infer<typeof PledgeV1Problem>;
supplierWire.add(PledgeV1Problem, { id: 'Problem' });

/** What a supplier POSTs to Pledge when an instruction moves on; signed with Pledge-Signature. */
export const PledgeV1SupplierEvent = z.looseObject({
  event_id: z.string().min(1),
  supplier_order_ref: z.string().min(1),
  type: z.enum(['accepted', 'refused', 'handed_over']),
  occurred_at: Timestamp,
  tracking_number: z.string().nullish(),
  reason: z.string().nullish(),
});
export type PledgeV1SupplierEvent = z.infer<typeof PledgeV1SupplierEvent>;
supplierWire.add(PledgeV1SupplierEvent, { id: 'SupplierEvent' });

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the per-supplier secret>`. */
export const PledgeV1Signature = z.string().regex(/^t=\d+,v1=[0-9a-f]{64}$/);
