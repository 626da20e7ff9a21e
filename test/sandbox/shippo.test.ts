import t from 'tap';
import { partnerKey, startSandbox, type Running } from './helpers.js';

const BASE = '/shippo/car_shippo';
const token = (s: Running) => ({ authorization: `ShippoToken ${partnerKey(s.sandbox, 'car_shippo')}` });

const shipmentBody = {
  address_from: { name: 'Coral Apparel', street1: '1500 S Haven Ave', city: 'Ontario', state: 'CA', zip: '91761', country: 'US' },
  address_to: { name: 'Ada Lovelace', street1: '1 Main St', city: 'New York', state: 'NY', zip: '10001', country: 'US' },
  parcels: [{ length: '10', width: '8', height: '4', distance_unit: 'in', weight: '400', mass_unit: 'g' }],
  shipment_date: '2026-11-25T22:00:00Z',
  metadata: 'shp_pledge_9',
  async: false,
};

t.test('a Shippo shipment carries rates in Shippo\'s shape', async (t) => {
  const s = await startSandbox(t);
  const res = await s.call(`${BASE}/shipments/`, { method: 'POST', headers: token(s), json: shipmentBody });
  t.equal(res.status, 201);
  const body = await res.json();
  t.match(body, { object_id: /^[0-9a-f]{32}$/, status: 'SUCCESS', metadata: 'shp_pledge_9', messages: [], shipment_date: '2026-11-25T22:00:00Z' });
  t.same(body.rates.map((r: { servicelevel: { token: string } }) => r.servicelevel.token), [
    'usps_ground_advantage', 'usps_priority', 'usps_priority_express', 'ups_ground', 'ups_second_day_air',
  ]);
  for (const rate of body.rates) {
    t.match(rate, {
      object_id: /^[0-9a-f]{32}$/, shipment: body.object_id, amount: /^\d+\.\d\d$/, currency: 'USD', provider: /^(USPS|UPS)$/,
      servicelevel: { name: String, token: String }, estimated_days: Number, duration_terms: /business day/, attributes: Array,
    });
    t.notOk('eta' in rate || 'service' in rate, 'no sandbox internals on the wire');
  }
  for (const tag of ['CHEAPEST', 'FASTEST', 'BESTVALUE']) {
    t.equal(body.rates.filter((r: { attributes: string[] }) => r.attributes.includes(tag)).length, 1, `exactly one ${tag}`);
  }
  const cheapest = body.rates.find((r: { attributes: string[] }) => r.attributes.includes('CHEAPEST'));
  t.ok(body.rates.every((r: { amount: string }) => Number(r.amount) >= Number(cheapest.amount)));
});

t.test('a transaction buys the rate once; it can be found by rate and refunded', async (t) => {
  const s = await startSandbox(t);
  const shipment = await (await s.call(`${BASE}/shipments/`, { method: 'POST', headers: token(s), json: shipmentBody })).json();
  const rate = shipment.rates.find((r: { servicelevel: { token: string } }) => r.servicelevel.token === 'ups_ground');
  const purchase = { rate: rate.object_id, label_file_type: 'PDF', async: false, metadata: 'shp_pledge_9' };

  const res = await s.call(`${BASE}/transactions/`, { method: 'POST', headers: token(s), json: purchase });
  t.equal(res.status, 201);
  const transaction = await res.json();
  t.match(transaction, {
    object_state: 'VALID', status: 'SUCCESS', rate: rate.object_id, tracking_number: /^1Z[0-9A-Z]{6}03\d{8}$/,
    label_url: new RegExp(`^${s.baseUrl}/labels/shippo_[0-9a-f]{32}\\.pdf$`), metadata: 'shp_pledge_9',
    tracking_url_provider: /ups\.com/, eta: '2026-12-02T23:59:00Z', // CA to NY is zone 8: five business days from Wednesday
  });
  t.equal((await fetch(transaction.label_url)).status, 200);

  const again = await s.call(`${BASE}/transactions/`, { method: 'POST', headers: token(s), json: purchase });
  t.equal(again.status, 400);
  t.match(await again.json(), { rate: [/already been purchased/] });

  const list = await (await s.call(`${BASE}/transactions/?rate=${rate.object_id}`, { headers: token(s) })).json();
  t.equal(list.results.length, 1);
  t.match(list.results[0], { object_id: transaction.object_id, tracking_number: transaction.tracking_number, rate: { object_id: rate.object_id, provider: 'UPS' } });
  t.same((await (await s.call(`${BASE}/transactions/?rate=nope`, { headers: token(s) })).json()).results, []);

  const refund = await s.call(`${BASE}/refunds/`, { method: 'POST', headers: token(s), json: { transaction: transaction.object_id, async: false } });
  t.equal(refund.status, 201);
  const refundBody = await refund.json();
  t.match(refundBody, { object_id: /^[0-9a-f]{32}$/, status: 'QUEUED', transaction: transaction.object_id });
  const repeat = await (await s.call(`${BASE}/refunds/`, { method: 'POST', headers: token(s), json: { transaction: transaction.object_id } })).json();
  t.equal(repeat.object_id, refundBody.object_id, 'one refund per transaction');
  const after = await (await s.call(`${BASE}/transactions/${transaction.object_id}`, { headers: token(s) })).json();
  t.equal(after.status, 'REFUNDPENDING');
});

t.test('Shippo errors: DRF validation bodies and detail messages', async (t) => {
  const s = await startSandbox(t);
  const invalid = await s.call(`${BASE}/shipments/`, { method: 'POST', headers: token(s), json: { ...shipmentBody, address_to: { name: 'x' } } });
  t.equal(invalid.status, 400);
  t.match(await invalid.json(), { address_to: { country: [String] } });
  const unknownRate = await s.call(`${BASE}/transactions/`, { method: 'POST', headers: token(s), json: { rate: 'nope' } });
  t.equal(unknownRate.status, 400);
  t.match(await unknownRate.json(), { rate: [/does not exist/] });

  const missing = await s.call(`${BASE}/shipments/`, { method: 'POST', json: shipmentBody });
  t.equal(missing.status, 401);
  t.same(await missing.json(), { detail: 'Authentication credentials were not provided.' });
  const wrong = await s.call(`${BASE}/shipments/`, { method: 'POST', headers: { authorization: 'ShippoToken shippo_test_wrong' }, json: shipmentBody });
  t.equal(wrong.status, 401);
  t.same(await wrong.json(), { detail: 'Token does not exist' });
  const notFound = await s.call(`${BASE}/transactions/abc`, { headers: token(s) });
  t.equal(notFound.status, 404);
  t.same(await notFound.json(), { detail: 'Not found.' });
});
