import t from 'tap';
import {
  fromEasypostPurchase,
  fromEasypostRates,
  fromEasypostRefund,
  isPostageExists,
  parseEasypostRateRef,
  toEasypostShipment,
} from '../../../src/carriers/easypost/mapping.js';
import { EasypostPurchasedShipment, EasypostShipment } from '../../../src/carriers/easypost/wire.js';
import { rateRequest } from '../../fixtures/carriers/rate-request.js';
import { fixture } from '../../fixtures/load.js';

const shipment = (name: string) => EasypostShipment.parse(fixture(`carriers/easypost/${name}.json`));

t.test('request: addresses mapped field by field, weight in ounces rounded up', async (t) => {
  t.strictSame(toEasypostShipment(rateRequest), {
    shipment: {
      to_address: { name: 'Ada Lovelace', street1: '1 Main St', street2: null, city: 'New York', state: 'NY', zip: '10001', country: 'US', phone: null, email: null },
      from_address: { name: 'EWR-2 Dock', street1: '600 Dock Rd', street2: 'Bay 4', city: 'Newark', state: 'NJ', zip: '07114', country: 'US', phone: '9735550100', email: null },
      parcel: { weight: 35.3 },
      reference: 'shp_0192ab7c3d',
    },
  });
});

t.test('rates: money in minor units, null delivery data kept null, fallbacks to est_delivery_days', async (t) => {
  const rates = fromEasypostRates(shipment('shipment-rates'));
  t.strictSame(
    rates.map((r) => [r.carrier, r.service, r.amountMinor, r.currency, r.transitDays, r.deliveryDate?.toISOString() ?? null, r.isGuaranteed]),
    [
      ['USPS', 'Priority', 824, 'USD', 2, null, false],
      ['USPS', 'GroundAdvantage', 593, 'USD', 3, null, false],
      ['USPS', 'Express', 3125, 'USD', null, null, false],
      ['UPS', 'NextDayAir', 4270, 'USD', 1, '2026-11-26T10:30:00.000Z', true],
    ],
  );
  t.strictSame(rates[0]!.rateRef, { shipment_id: 'shp_8a2f4c1e9b7d4e3f8c6a5b4d3e2f1a0b', rate_id: 'rate_0c1d2e3f4a5b4c6d8e9f0a1b2c3d4e5f' });
  t.strictSame(JSON.parse(JSON.stringify(rates[0]!.rateRef)), rates[0]!.rateRef, 'rateRef survives JSON');
});

t.test('rates: a shipment whose carriers all failed yields no rates, not an error', async (t) => {
  const s = shipment('shipment-no-rates');
  t.equal(s.messages.length, 2);
  t.strictSame(fromEasypostRates(s), []);
});

t.test('purchase: tracking code, label url, shipment id as carrierRef', async (t) => {
  t.strictSame(fromEasypostPurchase(EasypostPurchasedShipment.parse(fixture('carriers/easypost/shipment-purchased.json'))), {
    trackingNumber: '9405500208303109884199',
    labelUrl: 'https://easypost-files.s3.us-west-2.amazonaws.com/files/postage_label/20261125/e8befd4ff12e134ac6a31282975b6e7251.png',
    carrierRef: 'shp_8a2f4c1e9b7d4e3f8c6a5b4d3e2f1a0b',
  });
});

t.test('a shipment without postage is not a purchase', async (t) => {
  t.notOk(EasypostPurchasedShipment.safeParse(fixture('carriers/easypost/shipment-rates.json')).success);
});

t.test('refund: submitted and refunded void the label, anything else is a rejection', async (t) => {
  t.strictSame(fromEasypostRefund(shipment('shipment-refund-submitted')), { status: 'voided' });
  const s = shipment('shipment-refund-submitted');
  t.strictSame(fromEasypostRefund({ ...s, refund_status: 'refunded' }), { status: 'voided' });
  t.strictSame(fromEasypostRefund({ ...s, refund_status: 'rejected' }), { status: 'rejected' });
  t.strictSame(fromEasypostRefund({ ...s, refund_status: 'not_applicable' }), { status: 'rejected' });
});

t.test('recognises the already-purchased error and nothing else', async (t) => {
  t.ok(isPostageExists(fixture('carriers/easypost/error-postage-exists.json')));
  t.notOk(isPostageExists(fixture('carriers/easypost/error-address-invalid.json')));
  t.notOk(isPostageExists('Postage exists'));
  t.notOk(isPostageExists(null));
});

t.test('rateRef from another adapter is refused', async (t) => {
  t.throws(() => parseEasypostRateRef({ rate_id: 'rate_1' }), TypeError);
  t.throws(() => parseEasypostRateRef('rate_1'), TypeError);
  t.strictSame(parseEasypostRateRef({ shipment_id: 'shp_1', rate_id: 'rate_1' }), { shipment_id: 'shp_1', rate_id: 'rate_1' });
});
