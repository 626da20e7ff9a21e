import t from 'tap';
import { basic, CA_ADDRESS, NJ_ADDRESS, NY_ADDRESS, partnerKey, startSandbox, type Running } from './helpers.js';

const BASE = '/easypost/car_easypost/v2';

async function createShipment(s: Running, shipment: Record<string, unknown> = {}) {
  const res = await s.call(`${BASE}/shipments`, {
    method: 'POST',
    headers: basic(partnerKey(s.sandbox, 'car_easypost')),
    json: { shipment: { to_address: NY_ADDRESS, from_address: NJ_ADDRESS, parcel: { weight: 16 }, reference: 'shp_pledge_1', ...shipment } },
  });
  return { res, body: await res.json() };
}

t.test('creating a shipment returns EasyPost rates', async (t) => {
  const s = await startSandbox(t);
  const { res, body } = await createShipment(s);
  t.equal(res.status, 201);
  t.match(body, { object: 'Shipment', id: /^shp_[0-9a-f]{32}$/, reference: 'shp_pledge_1', tracking_code: null, postage_label: null, messages: [] });
  t.same(body.rates.map((r: { carrier: string; service: string }) => `${r.carrier} ${r.service}`), [
    'USPS GroundAdvantage', 'USPS Priority', 'USPS Express', 'UPS Ground', 'UPS 2ndDayAir', 'FedEx FEDEX_GROUND',
  ]);
  for (const rate of body.rates) {
    t.match(rate, {
      id: /^rate_[0-9a-f]{32}$/, object: 'Rate', rate: /^\d+\.\d\d$/, retail_rate: /^\d+\.\d\d$/, currency: 'USD',
      shipment_id: body.id, carrier_account_id: /^ca_[0-9a-f]{32}$/,
    });
    t.equal(rate.est_delivery_days, rate.delivery_days);
    t.ok(Number(rate.retail_rate) > Number(rate.rate), `${rate.service}: retail above the negotiated rate`);
  }
  const by = (service: string) => body.rates.find((r: { service: string }) => r.service === service);
  t.match(by('Express'), { delivery_days: 1, delivery_date_guaranteed: true, delivery_date: '2026-11-26T23:59:00Z' });
  t.match(by('GroundAdvantage'), { delivery_date: null, delivery_date_guaranteed: false });
  t.match(by('2ndDayAir'), { delivery_days: 2, delivery_date: '2026-11-27T23:59:00Z', delivery_date_guaranteed: true });
  t.ok(Number(by('Express').rate) > Number(by('Priority').rate) && Number(by('Priority').rate) > Number(by('GroundAdvantage').rate), 'faster costs more');
});

t.test('rates grow with weight and distance; international has fewer, slower services', async (t) => {
  const s = await startSandbox(t);
  const ground = async (shipment: Record<string, unknown>) =>
    (await createShipment(s, shipment)).body.rates.find((r: { service: string }) => r.service === 'GroundAdvantage');
  const nearLight = await ground({});
  const nearHeavy = await ground({ parcel: { weight: 160 } });
  const farLight = await ground({ to_address: CA_ADDRESS });
  t.ok(Number(nearHeavy.rate) > Number(nearLight.rate), 'heavier costs more');
  t.ok(Number(farLight.rate) > Number(nearLight.rate), 'farther costs more');
  t.ok(farLight.delivery_days > nearLight.delivery_days, 'farther takes longer');

  const intl = await createShipment(s, { to_address: { name: 'Alan Turing', street1: '1 Bletchley Rd', city: 'London', zip: 'SW1A 1AA', country: 'GB' }, parcel: { weight: 80 } });
  t.same(intl.body.rates.map((r: { service: string }) => r.service), ['PriorityMailInternational', 'Expedited']);
  t.ok(intl.body.rates.every((r: { delivery_days: number }) => r.delivery_days >= 5));
  t.match(intl.body.messages, [{ carrier: 'USPS', type: 'rate_error', message: /FirstClassPackageInternationalService/ }]);
});

t.test('buy returns a label; a second buy is SHIPMENT.POSTAGE.EXISTS; refund submits', async (t) => {
  const s = await startSandbox(t);
  const auth = basic(partnerKey(s.sandbox, 'car_easypost'));
  const { body: shipment } = await createShipment(s);
  const priority = shipment.rates.find((r: { service: string }) => r.service === 'Priority');

  const buy = await s.call(`${BASE}/shipments/${shipment.id}/buy`, { method: 'POST', headers: auth, json: { rate: { id: priority.id } } });
  t.equal(buy.status, 200);
  const bought = await buy.json();
  t.match(bought, {
    id: shipment.id, tracking_code: /^9405\d{18}$/, selected_rate: { id: priority.id, rate: priority.rate },
    postage_label: { object: 'PostageLabel', id: /^pl_[0-9a-f]{32}$/, label_url: `${s.baseUrl}/labels/${bought.postage_label.id}.pdf` },
    tracker: { tracking_code: bought.tracking_code, carrier: 'USPS' },
  });
  const pdf = await fetch(bought.postage_label.label_url);
  t.equal(pdf.status, 200);
  t.equal(pdf.headers.get('content-type'), 'application/pdf');
  const bytes = Buffer.from(await pdf.arrayBuffer());
  t.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  t.match(bytes.toString('latin1'), bought.tracking_code);

  const again = await s.call(`${BASE}/shipments/${shipment.id}/buy`, { method: 'POST', headers: auth, json: { rate: { id: priority.id } } });
  t.equal(again.status, 422);
  t.same(await again.json(), { error: { code: 'SHIPMENT.POSTAGE.EXISTS', message: 'Postage already exists for this shipment.', errors: [] } });

  const fetched = await (await s.call(`${BASE}/shipments/${shipment.id}`, { headers: auth })).json();
  t.equal(fetched.tracking_code, bought.tracking_code, 'a retrieve finds the purchased label');

  const refund = await s.call(`${BASE}/shipments/${shipment.id}/refund`, { method: 'POST', headers: auth });
  t.equal(refund.status, 200);
  t.equal((await refund.json()).refund_status, 'submitted');
});

t.test('buy and refund errors', async (t) => {
  const s = await startSandbox(t);
  const auth = basic(partnerKey(s.sandbox, 'car_easypost'));
  const { body: shipment } = await createShipment(s);
  const foreign = await s.call(`${BASE}/shipments/${shipment.id}/buy`, { method: 'POST', headers: auth, json: { rate: { id: 'rate_nope' } } });
  t.equal(foreign.status, 422);
  t.match(await foreign.json(), { error: { code: 'SHIPMENT.MISSING_RATE' } });
  const noRate = await s.call(`${BASE}/shipments/${shipment.id}/buy`, { method: 'POST', headers: auth, json: {} });
  t.match(await noRate.json(), { error: { code: 'PARAMETER.REQUIRED', errors: [{ field: 'rate' }] } });
  const refund = await s.call(`${BASE}/shipments/${shipment.id}/refund`, { method: 'POST', headers: auth });
  t.equal(refund.status, 422);
  t.match(await refund.json(), { error: { code: 'SHIPMENT.REFUND.UNAVAILABLE' } });
  const missing = await s.call(`${BASE}/shipments/shp_nope`, { headers: auth });
  t.equal(missing.status, 404);
  t.match(await missing.json(), { error: { code: 'NOT_FOUND' } });
});

t.test('EasyPost authenticates with Basic auth, the API key as username', async (t) => {
  const s = await startSandbox(t);
  for (const headers of [{}, basic('EZTKwrong'), { authorization: `Basic ${Buffer.from(`:${partnerKey(s.sandbox, 'car_easypost')}`).toString('base64')}` }]) {
    const res = await s.call(`${BASE}/shipments`, { method: 'POST', headers, json: {} });
    t.equal(res.status, 401);
    t.same(await res.json(), { error: { code: 'UNAUTHORIZED', message: 'Missing or invalid API key.', errors: [] } });
  }
});

t.test('form-encoded bodies work as with the real API', async (t) => {
  const s = await startSandbox(t);
  const form = new URLSearchParams({
    'shipment[to_address][state]': 'NY', 'shipment[to_address][zip]': '10001', 'shipment[to_address][country]': 'US',
    'shipment[from_address][state]': 'NJ', 'shipment[from_address][zip]': '08837',
    'shipment[parcel][weight]': '16', '__proto__[polluted]': 'yes',
  });
  const res = await s.call(`${BASE}/shipments`, { method: 'POST', headers: { ...basic(partnerKey(s.sandbox, 'car_easypost')), 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  t.equal(res.status, 201);
  t.equal((await res.json()).rates.length, 6);
  t.equal(({} as Record<string, unknown>).polluted, undefined);
});
