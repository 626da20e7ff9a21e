import t from 'tap';
import { parseShippoWebhook, shippoTrackingWebhook, verifyShippoToken } from '../../../src/carriers/shippo/tracking.js';
import { fixture } from '../../fixtures/load.js';

const receivedAt = new Date('2026-11-28T00:00:00Z');
const parse = (name: string) => parseShippoWebhook(fixture(`carriers/shippo/${name}.json`), receivedAt);

t.test('track_updated: tracking_status is the update, its object_id the idempotency key', async (t) => {
  t.strictSame(parse('tracking-transit'), {
    kind: 'update',
    update: {
      trackingNumber: '9205590164917312751089',
      milestone: 'in_transit',
      occurredAt: new Date('2026-11-26T03:05:00Z'),
      sourceEventId: 'a3e1b6e7c2d94f0b8e5a7c6d4b3a2f10',
      details: {
        carrier_status: 'TRANSIT',
        carrier_substatus: 'package_arrived',
        message: 'Arrived at USPS Regional Facility',
        location: 'Kearny, NJ, 07032, US',
        carrier: 'usps',
      },
    },
  });
});

t.test('statuses and the TRANSIT substatuses that say more', async (t) => {
  t.match(parse('tracking-out-for-delivery'), { kind: 'update', update: { milestone: 'out_for_delivery' } });
  t.match(parse('tracking-delivered'), { kind: 'update', update: { milestone: 'delivered', occurredAt: new Date('2026-11-27T17:38:00Z') } });
  t.match(parse('tracking-failure'), { kind: 'update', update: { milestone: 'exception' } });
  const base = fixture<{ data: { tracking_status: Record<string, unknown> } }>('carriers/shippo/tracking-transit.json');
  const cases: [string, string | null, string | null][] = [
    ['UNKNOWN', null, null], ['PRE_TRANSIT', null, null], ['TRANSIT', null, 'in_transit'], ['TRANSIT', 'package_accepted', 'handed_over'],
    ['TRANSIT', 'pickup_available', 'out_for_delivery'], ['TRANSIT', 'delayed', 'in_transit'], ['DELIVERED', null, 'delivered'],
    ['RETURNED', 'return_to_sender', 'returned'], ['FAILURE', null, 'exception'],
  ];
  for (const [status, substatus, milestone] of cases) {
    const body = structuredClone(base);
    body.data.tracking_status = { ...body.data.tracking_status, status, substatus: substatus ? { code: substatus, text: '' } : null };
    t.match(parseShippoWebhook(body, receivedAt), { kind: 'update', update: { milestone } }, `${status} ${substatus ?? ''}`);
  }
});

t.test('other events are ignored; unknown statuses and missing fields are malformed', async (t) => {
  t.match(parse('tracking-transaction-created'), { kind: 'ignored' });
  const body = structuredClone(fixture<any>('carriers/shippo/tracking-transit.json'));
  body.data.tracking_status.status = 'LOST_IN_SPACE';
  t.match(parseShippoWebhook(body, receivedAt), { kind: 'malformed', errors: [{ field: 'data.tracking_status.status' }] });
  delete body.data.tracking_number;
  t.match(parseShippoWebhook(body, receivedAt), { kind: 'malformed' });
  t.match(parseShippoWebhook({ data: {} }, receivedAt), { kind: 'malformed', errors: [{ field: 'event' }] });
});

t.test('the self-generated token travels in the URL query', async (t) => {
  t.ok(verifyShippoToken('tok_5Yq8', 'tok_5Yq8'));
  t.notOk(verifyShippoToken('tok_5Yq9', 'tok_5Yq8'));
  t.notOk(verifyShippoToken(undefined, 'tok_5Yq8'));
  t.notOk(verifyShippoToken('', ''));
  const req = { rawBody: Buffer.from('{}'), headers: {}, query: { token: 'tok_5Yq8' } };
  t.ok(shippoTrackingWebhook.verify(req, 'tok_5Yq8'));
  t.notOk(shippoTrackingWebhook.verify({ ...req, query: {} }, 'tok_5Yq8'));
  t.equal(shippoTrackingWebhook.verification, 'url_token');
});
