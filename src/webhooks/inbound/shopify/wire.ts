import { z } from 'zod';
import { Amount, optionalText, PlatformIdValue } from '../wire-common.js';

/**
 * The parts of Shopify's REST order resource (the `orders/create` and `orders/cancelled` webhook
 * bodies) that Pledge reads. Loose: Shopify adds fields often and the rest of the payload is ignored.
 */
export const ShopifyAddress = z.looseObject({
  name: optionalText,
  first_name: optionalText,
  last_name: optionalText,
  address1: optionalText,
  address2: optionalText,
  city: optionalText,
  province: optionalText,
  province_code: optionalText,
  zip: optionalText,
  country_code: optionalText,
  phone: optionalText,
});

export const ShopifyLineItem = z.looseObject({
  id: PlatformIdValue,
  sku: optionalText,
  name: optionalText,
  title: optionalText,
  quantity: z.number().int().min(0),
  /** Quantity after order edits and removals; absent on older API versions. */
  current_quantity: z.number().int().min(0).nullish(),
  price: Amount,
  requires_shipping: z.boolean().nullish(),
  gift_card: z.boolean().nullish(),
});
export type ShopifyLineItem = z.infer<typeof ShopifyLineItem>;

export const ShopifyOrder = z.looseObject({
  id: PlatformIdValue,
  name: optionalText,
  currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 code'),
  email: optionalText,
  contact_email: optionalText,
  phone: optionalText,
  line_items: z.array(ShopifyLineItem),
  shipping_address: ShopifyAddress.nullish(),
});
export type ShopifyOrder = z.infer<typeof ShopifyOrder>;

export const ShopifyCancelledOrder = z.looseObject({
  id: PlatformIdValue,
  cancel_reason: optionalText,
});
export type ShopifyCancelledOrder = z.infer<typeof ShopifyCancelledOrder>;

export const SHOPIFY_TOPICS = ['orders/create', 'orders/cancelled'] as const;
export type ShopifyTopic = (typeof SHOPIFY_TOPICS)[number];
