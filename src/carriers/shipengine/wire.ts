import { z } from 'zod';

/** ShipEngine API v1 (https://shipengine.github.io/shipengine-openapi). Responses are loose: ShipEngine adds fields. */

const Timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'a timestamp');

export const ShipengineAddress = z.object({
  name: z.string(),
  phone: z.string().optional(),
  address_line1: z.string(),
  address_line2: z.string().optional(),
  city_locality: z.string(),
  state_province: z.string().optional(),
  postal_code: z.string(),
  country_code: z.string().length(2),
  address_residential_indicator: z.enum(['unknown', 'yes', 'no']),
});
export type ShipengineAddress = z.infer<typeof ShipengineAddress>;

export const ShipengineRateRequest = z.object({
  rate_options: z.object({ carrier_ids: z.array(z.string()).min(1) }).optional(),
  shipment: z.object({
    ship_date: z.string(),
    ship_from: ShipengineAddress,
    ship_to: ShipengineAddress,
    packages: z.array(z.object({ weight: z.object({ value: z.number().positive(), unit: z.literal('ounce') }) })).min(1),
  }),
});
export type ShipengineRateRequest = z.infer<typeof ShipengineRateRequest>;

/** Amounts are JSON numbers and currencies may be lower case ("usd"). */
export const ShipengineMoney = z.looseObject({ currency: z.string().length(3), amount: z.number() });
export type ShipengineMoney = z.infer<typeof ShipengineMoney>;

export const ShipengineRate = z.looseObject({
  rate_id: z.string(),
  shipping_amount: ShipengineMoney,
  insurance_amount: ShipengineMoney.nullish(),
  confirmation_amount: ShipengineMoney.nullish(),
  other_amount: ShipengineMoney.nullish(),
  delivery_days: z.int().nullish(),
  estimated_delivery_date: Timestamp.nullish(),
  guaranteed_service: z.boolean().nullish(),
  carrier_code: z.string(),
  carrier_friendly_name: z.string().nullish(),
  service_code: z.string(),
  service_type: z.string().nullish(),
});
export type ShipengineRate = z.infer<typeof ShipengineRate>;

export const ShipengineError = z.looseObject({
  error_source: z.string().nullish(),
  error_type: z.string().nullish(),
  error_code: z.string().nullish(),
  message: z.string(),
});

export const ShipengineRateResponse = z.looseObject({
  shipment_id: z.string(),
  rate_response: z.looseObject({
    rates: z.array(ShipengineRate),
    invalid_rates: z.array(z.unknown()).nullish(),
    status: z.string().nullish(),
    errors: z.array(ShipengineError).nullish(),
  }),
});
export type ShipengineRateResponse = z.infer<typeof ShipengineRateResponse>;

export const ShipengineLabelFromRate = z.object({
  validate_address: z.literal('no_validation'),
  label_layout: z.literal('4x6'),
  label_format: z.literal('pdf'),
  label_download_type: z.literal('url'),
});
export type ShipengineLabelFromRate = z.infer<typeof ShipengineLabelFromRate>;

export const ShipengineLabel = z.looseObject({
  label_id: z.string(),
  status: z.string(),
  shipment_id: z.string().nullish(),
  tracking_number: z.string().nullish(),
  label_download: z.looseObject({ href: z.string().nullish(), pdf: z.string().nullish() }).nullish(),
});
export type ShipengineLabel = z.infer<typeof ShipengineLabel>;

export const ShipengineLabelList = z.looseObject({ labels: z.array(ShipengineLabel) });
export type ShipengineLabelList = z.infer<typeof ShipengineLabelList>;

export const ShipengineVoid = z.looseObject({ approved: z.boolean(), message: z.string().nullish() });
export type ShipengineVoid = z.infer<typeof ShipengineVoid>;

export const ShipengineErrorBody = z.looseObject({ request_id: z.string().nullish(), errors: z.array(ShipengineError) });
