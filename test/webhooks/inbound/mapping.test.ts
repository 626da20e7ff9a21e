import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseJsonExact } from '../../../src/webhooks/inbound/json.js';
import { draftToRequest } from '../../../src/webhooks/inbound/order-draft.js';
import { fromShopifyOrderCancelled, fromShopifyOrderCreate } from '../../../src/webhooks/inbound/shopify/mapping.js';
import { ShopifyCancelledOrder, ShopifyOrder } from '../../../src/webhooks/inbound/shopify/wire.js';
import { fromWooOrder } from '../../../src/webhooks/inbound/woocommerce/mapping.js';
import { WooOrder } from '../../../src/webhooks/inbound/woocommerce/wire.js';

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/platforms/${path}`, import.meta.url), 'utf8');
const shopifyCreate = () => ShopifyOrder.parse(parseJsonExact(fixture('shopify/orders-create.json')));
const wooPending = () => WooOrder.parse(parseJsonExact(fixture('woocommerce/order-created-pending.json')));

t.test('Shopify orders/create: exact ids, only lines that ship, merged, prices in minor units', async (t) => {
  const order = shopifyCreate();
  t.equal(order.id, '820982911946154508');
  t.same(
    order.line_items.map((l) => l.id),
    ['866550311766439020', '141249953214522974', '9007199254740993', '9007199254740995'],
    'line ids above 2^53 are exact',
  );
  const mapped = fromShopifyOrderCreate('jsmith.myshopify.com', order);
  t.same(mapped, {
    kind: 'intent',
    externalRef: '820982911946154508',
    intent: {
      kind: 'place',
      idempotencyKey: 'shopify:jsmith.myshopify.com:820982911946154508',
      request: {
        external_id: '820982911946154508',
        currency: 'USD',
        ship_to: { name: 'Steve Shipper', line1: '123 Shipping Street', line2: null, city: 'Shippington', region: 'KY', postal_code: '40003', country: 'US', phone: '555-555-SHIP', email: 'jon@example.com' },
        lines: [{ sku: 'MUG-001', quantity: 2, unit_price_minor: 1800 }],
      },
    },
  });
});

t.test('Shopify orders that can never ship are declined with a reason', async (t) => {
  const noAddress = { ...shopifyCreate(), shipping_address: null };
  t.match(fromShopifyOrderCreate('s.myshopify.com', noAddress), { kind: 'decline', externalRef: '820982911946154508', reason: /no shipping address/ });
  const digitalOnly = { ...shopifyCreate(), line_items: shopifyCreate().line_items.filter((l) => l.requires_shipping === false) };
  t.match(fromShopifyOrderCreate('s.myshopify.com', digitalOnly), { kind: 'decline', reason: 'no line requires shipping' });
  const noSku = { ...shopifyCreate(), line_items: [{ ...shopifyCreate().line_items[0]!, sku: null }] };
  t.match(fromShopifyOrderCreate('s.myshopify.com', noSku), { kind: 'decline', reason: /Black Mug - 12oz" has no SKU/ });
  const noZip = { ...shopifyCreate(), shipping_address: { ...shopifyCreate().shipping_address!, zip: null } };
  t.match(fromShopifyOrderCreate('s.myshopify.com', noZip), { kind: 'decline', reason: 'the shipping address has no postal code' });
  const jpy = { ...shopifyCreate(), currency: 'JPY', line_items: [{ ...shopifyCreate().line_items[0]!, price: '1800' }] };
  t.match(fromShopifyOrderCreate('s.myshopify.com', jpy), { kind: 'intent', intent: { request: { currency: 'JPY', lines: [{ unit_price_minor: 1800 }] } } }, 'zero-decimal currencies');
});

t.test('Shopify orders/cancelled', async (t) => {
  const order = ShopifyCancelledOrder.parse(parseJsonExact(fixture('shopify/orders-cancelled.json')));
  t.same(fromShopifyOrderCancelled(order), { kind: 'intent', externalRef: '820982911946154508', intent: { kind: 'cancel', reason: 'cancelled in Shopify (customer)', initiatedBy: 'customer' } });
  // Whose decision decides whether the promise was broken: the merchant's reasons are.
  const cases = [['inventory', 'seller'], ['staff', 'seller'], ['other', 'seller'], ['fraud', 'customer'], ['declined', 'customer'], [null, 'unknown']] as const;
  for (const [reason, initiatedBy] of cases) {
    t.match(fromShopifyOrderCancelled({ ...order, cancel_reason: reason }), { intent: { kind: 'cancel', initiatedBy } }, `${reason} -> ${initiatedBy}`);
  }
});

t.test('WooCommerce: held until paid, placed once paid, cancelled when withdrawn', async (t) => {
  const pending = wooPending();
  t.equal(pending.shipping?.first_name, 'João', 'unicode escapes decode');
  t.same(fromWooOrder(pending, 'paid'), { kind: 'intent', externalRef: '727', intent: { kind: 'hold', reason: 'held until paid (WooCommerce status pending)' } });
  t.same(fromWooOrder({ ...pending, status: 'on-hold' }, 'paid').kind, 'intent');
  const paid = fromWooOrder({ ...pending, status: 'processing' }, 'paid');
  t.same(paid, {
    kind: 'intent',
    externalRef: '727',
    intent: {
      kind: 'place',
      idempotencyKey: 'woocommerce:727',
      request: {
        external_id: '727',
        currency: 'USD',
        ship_to: { name: 'João Silva', line1: '350 5th Ave', line2: 'Floor 20', city: 'New York', region: 'NY', postal_code: '10118', country: 'US', phone: '(555) 555-5555', email: 'joao.silva@example.com' },
        lines: [{ sku: 'MUG-001', quantity: 2, unit_price_minor: 1800 }],
      },
    },
  });
  t.match(fromWooOrder(pending, 'created'), { kind: 'intent', intent: { kind: 'place' } }, 'promise_on created places unpaid orders');
  t.match(fromWooOrder({ ...pending, status: 'cancelled' }, 'paid'), { kind: 'intent', intent: { kind: 'cancel' } });
  const virtual = { ...pending, status: 'completed', shipping: { first_name: '', last_name: '', company: '', address_1: '', address_2: '', city: '', state: '', postcode: '', country: '' } };
  t.match(fromWooOrder(virtual, 'paid'), { kind: 'decline', reason: /no shipping address/ }, 'an empty shipping block is no address');
});

t.test('shared draft rules: unusable contact details are dropped, not fatal', async (t) => {
  const r = draftToRequest({
    externalId: 'x',
    currency: 'usd',
    lines: [{ label: 'a', sku: 'MUG-001', quantity: 1, price: 12.5 }],
    shipTo: { name: 'A', line1: 'B', line2: null, city: 'C', region: null, postalCode: '1', country: 'us', phone: 'x'.repeat(41), email: 'not an email' },
  });
  t.match(r, { ok: true, request: { currency: 'USD', ship_to: { country: 'US', phone: null, email: null }, lines: [{ unit_price_minor: 1250 }] } });
  t.match(draftToRequest({ externalId: 'x', currency: 'USD', lines: [{ label: 'a', sku: 'S', quantity: 1, price: 'free' }], shipTo: { name: 'A', line1: 'B', line2: null, city: 'C', region: null, postalCode: '1', country: 'US', phone: null, email: null } }), {
    ok: false,
    reason: /unreadable price/,
  });
});
