import t from 'tap';
import {
  fromShipengineLabel,
  fromShipengineRates,
  fromShipengineVoid,
  parseShipengineRateRef,
  previousLabel,
  toShipengineRateRequest,
  totalMinor,
} from '../../../src/carriers/shipengine/mapping.js';
import { ShipengineLabel, ShipengineLabelList, ShipengineRateResponse, ShipengineVoid } from '../../../src/carriers/shipengine/wire.js';
import { rateRequest } from '../../fixtures/carriers/rate-request.js';
import { fixture } from '../../fixtures/load.js';

const load = <T>(schema: { parse(v: unknown): T }, name: string): T => schema.parse(fixture(`carriers/shipengine/${name}.json`));
const ref = { shipment_id: 'se-2127226', rate_id: 'se-12445218' };

t.test('request: ounces, ISO ship date, carrier ids from the comma-separated credential', async (t) => {
  t.strictSame(toShipengineRateRequest(rateRequest, ' se-123890, se-121861 ,'), {
    rate_options: { carrier_ids: ['se-123890', 'se-121861'] },
    shipment: {
      ship_date: '2026-11-25T22:00:00.000Z',
      ship_from: { name: 'EWR-2 Dock', phone: '9735550100', address_line1: '600 Dock Rd', address_line2: 'Bay 4', city_locality: 'Newark', state_province: 'NJ', postal_code: '07114', country_code: 'US', address_residential_indicator: 'unknown' },
      ship_to: { name: 'Ada Lovelace', address_line1: '1 Main St', city_locality: 'New York', state_province: 'NY', postal_code: '10001', country_code: 'US', address_residential_indicator: 'unknown' },
      packages: [{ weight: { value: 35.3, unit: 'ounce' } }],
    },
  });
  t.notOk('rate_options' in toShipengineRateRequest(rateRequest, undefined), 'no carrier ids: no rate_options');
  t.notOk('rate_options' in toShipengineRateRequest(rateRequest, ''), 'empty credential: no rate_options');
});

t.test('rates: every charge summed in minor units, lower-case currency normalised', async (t) => {
  const rates = fromShipengineRates(load(ShipengineRateResponse, 'rates'));
  t.strictSame(
    rates.map((r) => [r.carrier, r.service, r.amountMinor, r.currency, r.transitDays, r.deliveryDate?.toISOString() ?? null, r.isGuaranteed]),
    [
      ['UPS', 'UPS® Ground', 6558, 'USD', 4, '2026-11-30T23:00:00.000Z', true],
      ['Stamps.com', 'USPS Priority Mail', 976, 'USD', 2, null, false],
      ['FedEx', 'FedEx Ground®', 1635, 'USD', null, null, false],
    ],
  );
  t.strictSame(rates[1]!.rateRef, ref);
});

t.test('rates: a charge in another currency drops the rate rather than under-quoting it', async (t) => {
  const res = load(ShipengineRateResponse, 'rates');
  const rate = { ...res.rate_response.rates[0]!, other_amount: { currency: 'cad', amount: 3 } };
  t.equal(totalMinor(rate), null);
  t.strictSame(totalMinor({ ...rate, other_amount: { currency: 'cad', amount: 0 } }), { amountMinor: 6558, currency: 'USD' });
  t.equal(fromShipengineRates({ ...res, rate_response: { ...res.rate_response, rates: [rate] } }).length, 0);
});

t.test('rates: a rate response with only errors yields no rates', async (t) => {
  const res = load(ShipengineRateResponse, 'rates-errors');
  t.equal(res.rate_response.errors?.length, 1);
  t.strictSame(fromShipengineRates(res), []);
});

t.test('label: tracking number, download href, label id as carrierRef', async (t) => {
  t.strictSame(fromShipengineLabel(load(ShipengineLabel, 'label')), {
    ok: true,
    label: { trackingNumber: '9405511899223197428490', labelUrl: 'https://api.shipengine.com/v1/downloads/10/F91Ih1ZxOEK9d8oLv8mVqQ/label-75492762.pdf', carrierRef: 'se-75492762' },
  });
  const label = load(ShipengineLabel, 'label');
  t.match(fromShipengineLabel({ ...label, status: 'processing' }), { ok: false, reason: 'pending' });
  t.match(fromShipengineLabel({ ...label, status: 'error', tracking_number: null }), { ok: false, reason: 'incomplete' });
});

t.test('previous label: the completed one for this shipment; voided ones and other shipments do not count', async (t) => {
  const list = load(ShipengineLabelList, 'labels-for-shipment');
  t.match(previousLabel(list, ref), { label_id: 'se-75492762' });
  t.equal(previousLabel(list, { ...ref, shipment_id: 'se-999' }), null);
  t.equal(previousLabel({ labels: list.labels.filter((l) => l.status === 'voided') }, ref), null);
  t.equal(previousLabel({ labels: [{ ...list.labels[0]!, status: 'processing' }] }, ref), 'in_flight');
  t.equal(previousLabel(load(ShipengineLabelList, 'labels-empty'), ref), null);
});

t.test('void: approved or not', async (t) => {
  t.strictSame(fromShipengineVoid(load(ShipengineVoid, 'void-approved')), { status: 'voided' });
  t.strictSame(fromShipengineVoid(load(ShipengineVoid, 'void-rejected')), { status: 'rejected' });
});

t.test('rateRef from another adapter is refused', async (t) => {
  t.throws(() => parseShipengineRateRef({ rate_id: 'se-1' }), TypeError);
});
