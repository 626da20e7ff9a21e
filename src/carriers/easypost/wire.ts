import { z } from 'zod';

/** EasyPost API v2 (https://docs.easypost.com). Responses are loose: EasyPost adds fields without notice. */

const Decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string');
const Timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'a timestamp');

export const EasypostAddress = z.object({
  name: z.string(),
  street1: z.string(),
  street2: z.string().nullable(),
  city: z.string(),
  state: z.string().nullable(),
  zip: z.string(),
  country: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
});
export type EasypostAddress = z.infer<typeof EasypostAddress>;

export const EasypostCreateShipment = z.object({
  shipment: z.object({
    to_address: EasypostAddress,
    from_address: EasypostAddress,
    /** Ounces, one decimal. */
    parcel: z.object({ weight: z.number().positive() }),
    reference: z.string(),
  }),
});
export type EasypostCreateShipment = z.infer<typeof EasypostCreateShipment>;

export const EasypostBuy = z.object({ rate: z.object({ id: z.string() }) });
export type EasypostBuy = z.infer<typeof EasypostBuy>;

export const EasypostRate = z.looseObject({
  id: z.string(),
  carrier: z.string(),
  service: z.string(),
  rate: Decimal,
  currency: z.string().length(3),
  delivery_days: z.int().nullish(),
  delivery_date: Timestamp.nullish(),
  delivery_date_guaranteed: z.boolean().nullish(),
  est_delivery_days: z.int().nullish(),
});
export type EasypostRate = z.infer<typeof EasypostRate>;

export const EasypostMessage = z.looseObject({
  carrier: z.string().nullish(),
  type: z.string().nullish(),
  message: z.unknown(),
});

export const EasypostPostageLabel = z.looseObject({
  id: z.string(),
  label_url: z.string().nullable(),
  label_pdf_url: z.string().nullish(),
});

export const EasypostShipment = z.looseObject({
  id: z.string(),
  reference: z.string().nullish(),
  rates: z.array(EasypostRate),
  messages: z.array(EasypostMessage),
  tracking_code: z.string().nullable(),
  postage_label: EasypostPostageLabel.nullable(),
  refund_status: z.string().nullish(),
});
export type EasypostShipment = z.infer<typeof EasypostShipment>;

/** What `buy` (and a retrieve after a purchase) must return: a shipment that has its label. */
export const EasypostPurchasedShipment = EasypostShipment.extend({
  tracking_code: z.string().min(1),
  postage_label: EasypostPostageLabel,
});
export type EasypostPurchasedShipment = z.infer<typeof EasypostPurchasedShipment>;

export const EasypostError = z.looseObject({
  error: z.looseObject({
    code: z.string(),
    message: z.string(),
    errors: z.array(z.unknown()).nullish(),
  }),
});
export type EasypostError = z.infer<typeof EasypostError>;

/** EasyPost's answer to a second `buy` of the same shipment. */
export const POSTAGE_EXISTS = 'SHIPMENT.POSTAGE.EXISTS';
