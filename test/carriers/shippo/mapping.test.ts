import t from 'tap';
import {
  fromShippoRates,
  fromShippoRefund,
  fromShippoTransaction,
  parseShippoRateRef,
  previousPurchase,
  toShippoShipment,
  toShippoTransaction,
} from '../../../src/carriers/shippo/mapping.js';
import { ShippoRefund, ShippoShipment, ShippoTransaction, ShippoTransactionList } from '../../../src/carriers/shippo/wire.js';
import { rateRequest } from '../../fixtures/carriers/rate-request.js';
import { fixture } from '../../fixtures/load.js';

const load = <T>(schema: { parse(v: unknown): T }, name: string): T => schema.parse(fixture(`carriers/shippo/${name}.json`));
const ref = { rate_id: 'adcfdddf8ec64b84ad22772bce3ea37a' };

t.test('request: absent optional address fields are left out, weight in grams, box assumed', async (t) => {
  t.strictSame(toShippoShipment(rateRequest), {
    address_from: { name: 'EWR-2 Dock', street1: '600 Dock Rd', street2: 'Bay 4', city: 'Newark', state: 'NJ', zip: '07114', country: 'US', phone: '9735550100' },
    address_to: { name: 'Ada Lovelace', street1: '1 Main St', city: 'New York', state: 'NY', zip: '10001', country: 'US' },
    parcels: [{ length: '6', width: '4', height: '1', distance_unit: 'in', weight: '1000', mass_unit: 'g' }],
    shipment_date: '2026-11-25T22:00:00.000Z',
    metadata: 'shp_0192ab7c3d',
    async: false,
  });
});

t.test('rates: decimal strings to minor units, no delivery date, nothing guaranteed', async (t) => {
  const rates = fromShippoRates(load(ShippoShipment, 'shipment-rates'));
  t.strictSame(
    rates.map((r) => [r.carrier, r.service, r.amountMinor, r.currency, r.transitDays, r.deliveryDate, r.isGuaranteed]),
    [
      ['USPS', 'Priority Mail', 781, 'USD', 2, null, false],
      ['USPS', 'Ground Advantage', 590, 'USD', 5, null, false],
      ['UPS', 'Next Day Air®', 4512, 'USD', 1, null, false],
      ['DHL eCommerce', 'Parcel Expedited', 640, 'USD', null, null, false],
    ],
  );
  t.strictSame(rates[0]!.rateRef, ref);
});

t.test('rates: carriers that all failed leave messages and no rates', async (t) => {
  const s = load(ShippoShipment, 'shipment-no-rates');
  t.equal(s.messages.length, 2);
  t.strictSame(fromShippoRates(s), []);
});

t.test('transaction request carries the idempotency key as metadata', async (t) => {
  t.strictSame(toShippoTransaction(ref, 'shp_0192ab7c3d'), { rate: ref.rate_id, label_file_type: 'PDF', async: false, metadata: 'shp_0192ab7c3d' });
});

t.test('previous purchase: a bought label wins over failed attempts; none means buy', async (t) => {
  const list = load(ShippoTransactionList, 'transactions-for-rate');
  const found = previousPurchase(list, ref, 'shp_0192ab7c3d');
  t.match(found, { object_id: '70ae8117ee1749e393f249d5b77c45e0', status: 'SUCCESS' });
  t.match(previousPurchase(list, ref, 'another-key'), { object_id: '70ae8117ee1749e393f249d5b77c45e0' }, 'a label bought under another key still counts: the rate is never bought twice');
  t.equal(previousPurchase(load(ShippoTransactionList, 'transactions-empty'), ref, 'k'), null);
  t.equal(previousPurchase(list, { rate_id: 'another_rate' }, 'k'), null, 'other rates do not count');
  const failedOnly = { ...list, results: list.results.filter((tx) => tx.status === 'ERROR') };
  t.equal(previousPurchase(failedOnly, ref, 'k'), null, 'a failed attempt does not block a new one');
  const queued = { ...list, results: [{ ...list.results[0]!, status: 'QUEUED' as const }] };
  t.equal(previousPurchase(queued, ref, 'k'), 'in_flight');
});

t.test('previous purchase prefers the one made under our key', async (t) => {
  const tx = load(ShippoTransaction, 'transaction-success');
  const list = { next: null, results: [{ ...tx, object_id: 'someone_else', metadata: 'other' }, tx] };
  t.match(previousPurchase(list, ref, 'shp_0192ab7c3d'), { object_id: '70ae8117ee1749e393f249d5b77c45e0' });
});

t.test('transaction outcomes', async (t) => {
  t.strictSame(fromShippoTransaction(load(ShippoTransaction, 'transaction-success')), {
    ok: true,
    label: {
      trackingNumber: '9400111899223434769485',
      labelUrl: 'https://shippo-delivery-east.s3.amazonaws.com/70ae8117ee1749e393f249d5b77c45e0.pdf?Signature=vDw1ltcyGveVR1OQoUDdzC43BY8%3D&Expires=1437093830',
      carrierRef: '70ae8117ee1749e393f249d5b77c45e0',
    },
  });
  t.strictSame(fromShippoTransaction(load(ShippoTransaction, 'transaction-error')), {
    ok: false, reason: 'failed', detail: 'USPS Insufficient funds: please add a payment method to your account.',
  });
  const tx = load(ShippoTransaction, 'transaction-success');
  t.match(fromShippoTransaction({ ...tx, status: 'WAITING' }), { ok: false, reason: 'pending' });
  t.match(fromShippoTransaction({ ...tx, tracking_number: '' }), { ok: false, reason: 'incomplete' });
});

t.test('refund: queued voids, ERROR is a rejection', async (t) => {
  const refund = load(ShippoRefund, 'refund-queued');
  t.strictSame(fromShippoRefund(refund), { status: 'voided' });
  t.strictSame(fromShippoRefund({ ...refund, status: 'ERROR' }), { status: 'rejected' });
});

t.test('rateRef from another adapter is refused', async (t) => {
  t.throws(() => parseShippoRateRef({ shipment_id: 'shp_1' }), TypeError);
});
