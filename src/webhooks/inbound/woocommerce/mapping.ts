import type { Mapped } from '../contract.js';
import { draftToRequest } from '../order-draft.js';
import type { WooOrder, WooPromiseOn } from './wire.js';

export const wooIdempotencyKey = (orderId: string) => `woocommerce:${orderId}`;

/** Payment received: WooCommerce moves a paid order to processing (or straight to completed). */
const PAID = new Set(['processing', 'completed']);
/** Never to be shipped: cancels a placed order, and stops a held one from ever being placed. */
const WITHDRAWN = new Set(['cancelled', 'refunded', 'trash']);

/**
 * `order.created` / `order.updated` to an intent. With `promise_on: paid` an unpaid order (pending,
 * on-hold, failed) is held, and the first update that shows it paid places it; `created` places at once.
 */
export function fromWooOrder(order: WooOrder, promiseOn: WooPromiseOn): Mapped {
  const externalRef = order.id;
  if (WITHDRAWN.has(order.status)) return { kind: 'intent', externalRef, intent: { kind: 'cancel', reason: `WooCommerce order is ${order.status}`, initiatedBy: 'unknown' } };
  if (promiseOn === 'paid' && !PAID.has(order.status)) {
    return { kind: 'intent', externalRef, intent: { kind: 'hold', reason: `held until paid (WooCommerce status ${order.status})` } };
  }
  const s = order.shipping;
  const hasAddress = Boolean(s && (s.address_1?.trim() || s.city?.trim() || s.postcode?.trim()));
  const draft = draftToRequest({
    externalId: order.id,
    currency: order.currency,
    lines: order.line_items.filter((l) => l.quantity > 0).map((l) => ({ label: l.name ?? l.id, sku: l.sku, quantity: l.quantity, price: l.price })),
    // Virtual-only orders come with an empty shipping block rather than none.
    shipTo: hasAddress
      ? {
          name: [s!.first_name, s!.last_name].filter((x) => x?.trim()).join(' ') || s!.company || null,
          line1: s!.address_1 ?? null,
          line2: s!.address_2 ?? null,
          city: s!.city ?? null,
          region: s!.state ?? null,
          postalCode: s!.postcode ?? null,
          country: s!.country ?? null,
          phone: s!.phone || order.billing?.phone || null,
          email: order.billing?.email || null,
        }
      : null,
  });
  if (!draft.ok) return { kind: 'decline', externalRef, reason: draft.reason };
  return { kind: 'intent', externalRef, intent: { kind: 'place', request: draft.request, idempotencyKey: wooIdempotencyKey(order.id) } };
}

export function fromWooOrderDeleted(orderId: string): Mapped {
  return { kind: 'intent', externalRef: orderId, intent: { kind: 'cancel', reason: 'WooCommerce order deleted', initiatedBy: 'unknown' } };
}
