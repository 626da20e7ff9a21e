import type { Mapped } from '../contract.js';
import { draftToRequest } from '../order-draft.js';
import type { ShopifyCancelledOrder, ShopifyOrder } from './wire.js';

/** Same shop, same order: every re-send (retries, new event ids) resolves to one Pledge order. */
export const shopifyIdempotencyKey = (shop: string, orderId: string) => `shopify:${shop}:${orderId}`;

/**
 * `orders/create` to a placement. Lines that do not require shipping (gift cards, digital goods,
 * tips) are dropped; the price is the line's unit price in the shop currency, before discounts.
 */
export function fromShopifyOrderCreate(shop: string, order: ShopifyOrder): Mapped {
  const address = order.shipping_address;
  const draft = draftToRequest({
    externalId: order.id,
    currency: order.currency,
    lines: order.line_items
      .filter((l) => l.requires_shipping !== false && l.gift_card !== true && (l.current_quantity ?? l.quantity) > 0)
      .map((l) => ({ label: l.name ?? l.title ?? l.id, sku: l.sku, quantity: l.current_quantity ?? l.quantity, price: l.price })),
    shipTo: address
      ? {
          name: address.name ?? ([address.first_name, address.last_name].filter(Boolean).join(' ') || null),
          line1: address.address1 ?? null,
          line2: address.address2 ?? null,
          city: address.city ?? null,
          region: address.province_code ?? address.province ?? null,
          postalCode: address.zip ?? null,
          country: address.country_code ?? null,
          phone: address.phone ?? order.phone ?? null,
          email: order.email || order.contact_email || null,
        }
      : null,
  });
  if (!draft.ok) return { kind: 'decline', externalRef: order.id, reason: draft.reason };
  return { kind: 'intent', externalRef: order.id, intent: { kind: 'place', request: draft.request, idempotencyKey: shopifyIdempotencyKey(shop, order.id) } };
}

/**
 * Shopify's `cancel_reason`: `customer` (changed their mind), `fraud` and `declined` (payment) are not
 * the seller failing its promise; `inventory`, `staff` (a staff error) and `other` are the merchant's call.
 */
const SHOPIFY_SELLER_REASONS = new Set(['inventory', 'staff', 'other']);
const SHOPIFY_CUSTOMER_REASONS = new Set(['customer', 'fraud', 'declined']);

export function fromShopifyOrderCancelled(order: ShopifyCancelledOrder): Mapped {
  const why = order.cancel_reason ?? null;
  const initiatedBy = why && SHOPIFY_SELLER_REASONS.has(why) ? 'seller' : why && SHOPIFY_CUSTOMER_REASONS.has(why) ? 'customer' : 'unknown';
  return { kind: 'intent', externalRef: order.id, intent: { kind: 'cancel', reason: `cancelled in Shopify${why ? ` (${why})` : ''}`, initiatedBy } };
}
