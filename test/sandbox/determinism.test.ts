import t from 'tap';
import { deliveryDateAfter, rateCard, shippingZone, type ServiceCode } from '../../src/sandbox/rating.js';
import { basic, bearer, instructionBody, NJ_ADDRESS, NY_ADDRESS, partnerKey, quoteBody, startSandbox } from './helpers.js';

/** One fixed request sequence across suppliers and carriers; returns everything the partners answered. */
async function script(seed: number) {
  const s = await startSandbox({ teardown: () => {} }, { seed });
  try {
    const acme = bearer(partnerKey(s.sandbox, 'sup_acme'));
    const quote = await (await s.call('/suppliers/sup_acme/quotes', { method: 'POST', headers: acme, json: quoteBody() })).json();
    const receipt = await (await s.call('/suppliers/sup_acme/instructions', { method: 'POST', headers: { ...acme, 'idempotency-key': 'k1' }, json: instructionBody() })).json();
    const easypost = basic(partnerKey(s.sandbox, 'car_easypost'));
    const shipment = await (await s.call('/easypost/car_easypost/v2/shipments', { method: 'POST', headers: easypost, json: { shipment: { to_address: NY_ADDRESS, from_address: NJ_ADDRESS, parcel: { weight: 20 } } } })).json();
    const bought = await (await s.call(`/easypost/car_easypost/v2/shipments/${shipment.id}/buy`, { method: 'POST', headers: easypost, json: { rate: { id: shipment.rates[3].id } } })).json();
    return { quote, receipt, shipment, tracking: bought.tracking_code as string };
  } finally {
    await s.sandbox.close();
  }
}

t.test('the same seed and request sequence give the same answers', async (t) => {
  const [a, b, other] = await Promise.all([script(2024), script(2024), script(2025)]);
  t.same(a, b, 'byte-for-byte equal answers');
  t.equal(a.receipt.supplier_order_ref, 'SO-10001');
  t.not(a.shipment.id, other.shipment.id, 'another seed, other ids');
  t.not(a.tracking, other.tracking);
  t.same(
    a.shipment.rates.map((r: { rate: string }) => r.rate),
    other.shipment.rates.map((r: { rate: string }) => r.rate),
    'prices depend on the parcel and the route, never on the seed',
  );
});

t.test('zones follow distance; international is its own scope', async (t) => {
  const us = (region: string, postalCode: string | null = null) => ({ country: 'US', region, postalCode });
  t.same(shippingZone(us('NY', '10001'), us('NY', '10018')), { scope: 'domestic', zone: 1 });
  t.same(shippingZone(us('NY', '10001'), us('NY', '14201')), { scope: 'domestic', zone: 2 });
  const zone = (from: string, to: string) => {
    const z = shippingZone(us(from), us(to));
    return z.scope === 'domestic' ? z.zone : -1;
  };
  t.ok(zone('NJ', 'NY') < zone('NJ', 'IL'), 'NJ-NY nearer than NJ-IL');
  t.ok(zone('NJ', 'IL') < zone('NJ', 'CA'), 'NJ-IL nearer than NJ-CA');
  t.equal(zone('NJ', 'CA'), 8);
  t.equal(zone('NJ', 'XX'), 5, 'an unknown state falls back to a middle zone');
  t.same(shippingZone(us('NJ'), { country: 'CA', region: 'ON', postalCode: null }), { scope: 'international', band: 'near' });
  t.same(shippingZone(us('NJ'), { country: 'DE', region: null, postalCode: null }), { scope: 'international', band: 'far' });
});

t.test('the rate card prices by weight, distance and account, in integer cents', async (t) => {
  const services: ServiceCode[] = ['usps_ground_advantage', 'ups_ground', 'usps_priority_intl'];
  const card = (weightOz: number, to: string, priceBasisPoints = 10_000) =>
    rateCard({ from: { country: 'US', region: 'NJ', postalCode: '08837' }, to: { country: 'US', region: to, postalCode: null }, weightOz, shipDate: new Date('2026-11-25T22:00:00Z'), services, priceBasisPoints });
  const base = card(16, 'NY');
  t.same(base.quotes.map((q) => q.service), ['usps_ground_advantage', 'ups_ground'], 'domestic services only');
  for (const q of base.quotes) t.ok(Number.isInteger(q.amountMinor) && Number.isInteger(q.retailMinor));
  t.ok(card(64, 'NY').quotes[0]!.amountMinor > base.quotes[0]!.amountMinor, 'heavier');
  t.ok(card(16, 'CA').quotes[0]!.amountMinor > base.quotes[0]!.amountMinor, 'farther');
  t.ok(card(16, 'NY', 9_000).quotes[0]!.amountMinor < base.quotes[0]!.amountMinor, 'a better negotiated account');
  t.same(card(16, 'NY'), base, 'pure');
  const heavy = card(2000, 'NY');
  t.same(heavy.quotes.map((q) => q.service), ['ups_ground'], 'USPS stops at 70 lb');
  t.match(heavy.unavailable, [{ service: 'usps_ground_advantage', carrier: 'USPS', reason: /1120 oz/ }]);
});

t.test('delivery dates count business days from the ship date', async (t) => {
  const at = (ship: string, days: number) => deliveryDateAfter(new Date(ship), days).toISOString();
  t.equal(at('2026-11-25T22:00:00Z', 1), '2026-11-26T23:59:00.000Z', 'Wednesday + 1');
  t.equal(at('2026-11-27T22:00:00Z', 1), '2026-11-30T23:59:00.000Z', 'Friday + 1 is Monday');
  t.equal(at('2026-11-28T10:00:00Z', 2), '2026-12-02T23:59:00.000Z', 'a Saturday ship date is collected Monday');
});
