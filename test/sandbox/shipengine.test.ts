import t from 'tap';
import { partnerKey, startSandbox, type Running } from './helpers.js';

const BASE = '/shipengine/car_shipengine/v1';
const apiKey = (s: Running) => ({ 'api-key': partnerKey(s.sandbox, 'car_shipengine') });

const ratesBody = (overrides: Record<string, unknown> = {}) => ({
  rate_options: { carrier_ids: ['se-2001', 'se-2002', 'se-2003'] },
  shipment: {
    ship_from: { name: 'Bolt Electronics', phone: '555-0100', address_line1: '4600 Alliance Gateway Fwy', city_locality: 'Fort Worth', state_province: 'TX', postal_code: '76177', country_code: 'US' },
    ship_to: { name: 'Ada Lovelace', phone: '555-0199', address_line1: '1 Main St', city_locality: 'New York', state_province: 'NY', postal_code: '10001', country_code: 'US' },
    packages: [{ weight: { value: 12, unit: 'ounce' } }],
    ship_date: '2026-11-25T21:00:00Z',
    ...overrides,
  },
});

t.test('ShipEngine rates come back under rate_response with amounts as numbers', async (t) => {
  const s = await startSandbox(t);
  const carriers = await (await s.call(`${BASE}/carriers`, { headers: apiKey(s) })).json();
  t.same(carriers.carriers.map((c: { carrier_id: string }) => c.carrier_id), ['se-2001', 'se-2002', 'se-2003']);

  const res = await s.call(`${BASE}/rates`, { method: 'POST', headers: apiKey(s), json: ratesBody() });
  t.equal(res.status, 200);
  const body = await res.json();
  t.match(body, { shipment_id: /^se-\d+$/, rate_response: { status: 'completed', errors: [], invalid_rates: [], shipment_id: body.shipment_id } });
  const rates = body.rate_response.rates;
  t.same(rates.map((r: { service_code: string }) => r.service_code), [
    'usps_ground_advantage', 'usps_priority_mail', 'usps_priority_mail_express', 'ups_ground', 'ups_2nd_day_air', 'fedex_ground',
  ]);
  for (const rate of rates) {
    t.match(rate, {
      rate_id: /^se-\d+$/, shipping_amount: { currency: 'usd', amount: Number }, insurance_amount: { currency: 'usd', amount: 0 },
      confirmation_amount: { amount: 0 }, other_amount: { amount: 0 }, delivery_days: Number, guaranteed_service: Boolean,
      estimated_delivery_date: /^2026-1[12]-\d\dT23:59:00Z$/, carrier_id: /^se-200[123]$/, carrier_code: /^(stamps_com|ups|fedex)$/,
      carrier_friendly_name: String, service_type: String,
    });
    t.match(String(rate.shipping_amount.amount), /^\d+(\.\d{1,2})?$/, 'whole cents');
  }
  const only = await (await s.call(`${BASE}/rates`, { method: 'POST', headers: apiKey(s), json: { ...ratesBody(), rate_options: { carrier_ids: ['se-2003'] } } })).json();
  t.same(only.rate_response.rates.map((r: { carrier_code: string }) => r.carrier_code), ['fedex']);
});

t.test('a label from a rate, once; listed by rate_id; voided once', async (t) => {
  const s = await startSandbox(t);
  const rates = (await (await s.call(`${BASE}/rates`, { method: 'POST', headers: apiKey(s), json: ratesBody() })).json()).rate_response.rates;
  const fedex = rates.find((r: { service_code: string }) => r.service_code === 'fedex_ground');
  const res = await s.call(`${BASE}/labels/rates/${fedex.rate_id}`, { method: 'POST', headers: apiKey(s), json: { label_format: 'pdf', label_layout: '4x6', label_download_type: 'url' } });
  t.equal(res.status, 200);
  const label = await res.json();
  t.match(label, {
    label_id: /^se-\d+$/, status: 'completed', tracking_number: /^\d{12}$/, voided: false, carrier_code: 'fedex', service_code: 'fedex_ground',
    shipment_cost: { currency: 'usd', amount: fedex.shipping_amount.amount }, label_download: { pdf: /\.pdf$/, href: /\.pdf$/ },
  });
  t.equal((await fetch(label.label_download.href)).status, 200);

  const again = await s.call(`${BASE}/labels/rates/${fedex.rate_id}`, { method: 'POST', headers: apiKey(s), json: {} });
  t.equal(again.status, 409);
  t.match(await again.json(), { request_id: String, errors: [{ error_source: 'shipengine', error_code: 'identifier_conflict' }] });

  const listed = await (await s.call(`${BASE}/labels?rate_id=${fedex.rate_id}`, { headers: apiKey(s) })).json();
  t.equal(listed.total, 1);
  t.equal(listed.labels[0].label_id, label.label_id);

  const voided = await (await s.call(`${BASE}/labels/${label.label_id}/void`, { method: 'PUT', headers: apiKey(s) })).json();
  t.match(voided, { approved: true, message: /voided/ });
  const twice = await (await s.call(`${BASE}/labels/${label.label_id}/void`, { method: 'PUT', headers: apiKey(s) })).json();
  t.match(twice, { approved: false, reason_code: 'label_already_voided' });
  t.match(await (await s.call(`${BASE}/labels/${label.label_id}`, { headers: apiKey(s) })).json(), { voided: true, status: 'voided' });
});

t.test('ShipEngine errors carry request_id and typed error entries', async (t) => {
  const s = await startSandbox(t);
  const unauthorized = await s.call(`${BASE}/rates`, { method: 'POST', headers: { 'api-key': 'TEST_wrong' }, json: ratesBody() });
  t.equal(unauthorized.status, 401);
  t.match(await unauthorized.json(), { request_id: String, errors: [{ error_source: 'shipengine', error_type: 'security', error_code: 'unauthorized' }] });
  const unknownCarrier = await s.call(`${BASE}/rates`, { method: 'POST', headers: apiKey(s), json: { ...ratesBody(), rate_options: { carrier_ids: ['se-9'] } } });
  t.equal(unknownCarrier.status, 400);
  t.match(await unknownCarrier.json(), { errors: [{ error_type: 'validation', error_code: 'invalid_identifier' }] });
  const invalid = await s.call(`${BASE}/rates`, { method: 'POST', headers: apiKey(s), json: ratesBody({ packages: [] }) });
  t.equal(invalid.status, 400);
  t.match(await invalid.json(), { errors: [{ error_code: 'invalid_field_value', field_name: 'shipment.packages' }] });
  const noRate = await s.call(`${BASE}/labels/rates/se-1`, { method: 'POST', headers: apiKey(s), json: {} });
  t.equal(noRate.status, 404);
  const noLabel = await s.call(`${BASE}/labels/se-1/void`, { method: 'PUT', headers: apiKey(s) });
  t.equal(noLabel.status, 404);
});
