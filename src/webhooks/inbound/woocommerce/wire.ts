import { z } from 'zod';
import { Amount, optionalText, PlatformIdValue } from '../wire-common.js';

/**
 * The parts of WooCommerce's REST v3 order resource (the body of `order.*` webhooks) that Pledge
 * reads. WooCommerce writes it with PHP's json_encode: slashes escaped (`https:\/\/`), non-ASCII as
 * `\u00e3`; the signature covers those exact bytes.
 */
export const WooAddress = z.looseObject({
  first_name: optionalText,
  last_name: optionalText,
  company: optionalText,
  address_1: optionalText,
  address_2: optionalText,
  city: optionalText,
  state: optionalText,
  postcode: optionalText,
  country: optionalText,
  email: optionalText,
  phone: optionalText,
});

export const WooLineItem = z.looseObject({
  id: PlatformIdValue,
  name: optionalText,
  sku: optionalText,
  quantity: z.number().int().min(0),
  /** Unit price before discounts; a JSON number in current versions. */
  price: Amount.nullish(),
});

export const WooOrder = z.looseObject({
  id: PlatformIdValue,
  number: optionalText,
  status: z.string().min(1),
  currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 code'),
  billing: WooAddress.nullish(),
  shipping: WooAddress.nullish(),
  line_items: z.array(WooLineItem),
});
export type WooOrder = z.infer<typeof WooOrder>;

/** `order.deleted` sends only the id. */
export const WooOrderRef = z.looseObject({ id: PlatformIdValue });

export const WOO_ORDER_EVENTS = ['created', 'updated', 'deleted', 'restored'] as const;
export type WooOrderEvent = (typeof WOO_ORDER_EVENTS)[number];

export type WooPromiseOn = 'paid' | 'created';
