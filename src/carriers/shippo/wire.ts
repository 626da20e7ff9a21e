import { z } from 'zod';

/** Shippo API (https://docs.goshippo.com), version 2018-02-08. Responses are loose: Shippo adds fields. */

const Decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string');

export const ShippoAddress = z.object({
  name: z.string(),
  street1: z.string(),
  street2: z.string().optional(),
  city: z.string(),
  state: z.string().optional(),
  zip: z.string(),
  country: z.string(),
  phone: z.string().optional(),
  email: z.string().optional(),
});
export type ShippoAddress = z.infer<typeof ShippoAddress>;

export const ShippoParcel = z.object({
  length: Decimal,
  width: Decimal,
  height: Decimal,
  distance_unit: z.literal('in'),
  weight: Decimal,
  mass_unit: z.literal('g'),
});

export const ShippoCreateShipment = z.object({
  address_from: ShippoAddress,
  address_to: ShippoAddress,
  parcels: z.array(ShippoParcel).min(1),
  shipment_date: z.string(),
  metadata: z.string().max(100),
  async: z.literal(false),
});
export type ShippoCreateShipment = z.infer<typeof ShippoCreateShipment>;

export const ShippoMessage = z.looseObject({
  source: z.string().nullish(),
  code: z.string().nullish(),
  text: z.string(),
});
export type ShippoMessage = z.infer<typeof ShippoMessage>;

export const ShippoRate = z.looseObject({
  object_id: z.string(),
  amount: Decimal,
  currency: z.string().length(3),
  provider: z.string(),
  servicelevel: z.looseObject({ name: z.string(), token: z.string() }),
  estimated_days: z.int().nullish(),
  duration_terms: z.string().nullish(),
  attributes: z.array(z.string()).nullish(),
});
export type ShippoRate = z.infer<typeof ShippoRate>;

export const ShippoShipment = z.looseObject({
  object_id: z.string(),
  status: z.string(),
  rates: z.array(ShippoRate),
  messages: z.array(ShippoMessage),
});
export type ShippoShipment = z.infer<typeof ShippoShipment>;

export const ShippoCreateTransaction = z.object({
  rate: z.string(),
  label_file_type: z.literal('PDF'),
  async: z.literal(false),
  metadata: z.string().max(100),
});
export type ShippoCreateTransaction = z.infer<typeof ShippoCreateTransaction>;

export const ShippoTransactionStatus = z.enum(['WAITING', 'QUEUED', 'SUCCESS', 'ERROR', 'REFUNDED', 'REFUNDPENDING', 'REFUNDREJECTED']);

export const ShippoTransaction = z.looseObject({
  object_id: z.string(),
  status: ShippoTransactionStatus,
  tracking_number: z.string().nullish(),
  label_url: z.string().nullish(),
  /** An id when created, an embedded rate summary in lists. */
  rate: z.union([z.string(), z.looseObject({ object_id: z.string() })]).nullish(),
  metadata: z.string().nullish(),
  messages: z.array(ShippoMessage).nullish(),
});
export type ShippoTransaction = z.infer<typeof ShippoTransaction>;

export const ShippoTransactionList = z.looseObject({
  next: z.string().nullish(),
  results: z.array(ShippoTransaction),
});
export type ShippoTransactionList = z.infer<typeof ShippoTransactionList>;

export const ShippoCreateRefund = z.object({ transaction: z.string(), async: z.literal(false) });
export type ShippoCreateRefund = z.infer<typeof ShippoCreateRefund>;

export const ShippoRefund = z.looseObject({
  object_id: z.string(),
  status: z.string(),
  transaction: z.string(),
});
export type ShippoRefund = z.infer<typeof ShippoRefund>;
