import { createHmac } from 'node:crypto';
import t from 'tap';
import {
  easypostSignature,
  easypostTrackingWebhook,
  EasypostTrackerList,
  fromEasypostTracker,
  parseEasypostWebhook,
  verifyEasypostSignature,
} from '../../../src/carriers/easypost/tracking.js';
import { fixture } from '../../fixtures/load.js';

const receivedAt = new Date('2026-11-28T00:00:00Z');
const raw = (name: string) => Buffer.from(JSON.stringify(fixture(`carriers/easypost/${name}.json`)));

t.test('tracker.updated: the status that moved, when it happened, the event id as idempotency key', async (t) => {
  const result = parseEasypostWebhook(fixture('carriers/easypost/tracking-event-in-transit.json'), receivedAt);
  t.equal(result.kind, 'update');
  if (result.kind !== 'update') return;
  t.strictSame(result.update, {
    trackingNumber: '9405511899223197428490',
    milestone: 'in_transit',
    occurredAt: new Date('2026-11-26T03:05:00Z'),
    sourceEventId: 'evt_4a1f0c2e8b7d11f0a3c25f1e7d9b0c41',
    details: {
      carrier_status: 'in_transit',
      carrier_status_detail: 'arrived_at_facility',
      message: 'Arrived at USPS Regional Facility',
      location: 'KEARNY, NJ, 07032',
      carrier: 'USPS',
      tracker_id: 'trk_9135862729734d96ad2f9ed0f0565a27',
    },
  });
});

t.test('delivered: the time of the delivered scan, not of the event', async (t) => {
  const result = parseEasypostWebhook(fixture('carriers/easypost/tracking-event-delivered.json'), receivedAt);
  t.match(result, { kind: 'update', update: { milestone: 'delivered', occurredAt: new Date('2026-11-27T17:38:00Z') } });
});

t.test('every EasyPost tracker status maps to a milestone or to nothing', async (t) => {
  const tracker = fixture<{ result: Record<string, unknown> }>('carriers/easypost/tracking-event-in-transit.json').result;
  const cases: [string, string | null][] = [
    ['unknown', null], ['pre_transit', null], ['in_transit', 'in_transit'], ['out_for_delivery', 'out_for_delivery'],
    ['available_for_pickup', 'out_for_delivery'], ['delivered', 'delivered'], ['return_to_sender', 'returned'],
    ['failure', 'exception'], ['cancelled', 'cancelled'], ['error', null], ['some_future_status', null],
  ];
  for (const [status, milestone] of cases) {
    const update = fromEasypostTracker(EasypostTrackerList.shape.trackers.element.parse({ ...tracker, status }), receivedAt);
    t.equal(update.milestone, milestone, status);
  }
});

t.test('a polled tracker gets a stable id from its state, so polling twice is a duplicate', async (t) => {
  const list = EasypostTrackerList.parse(fixture('carriers/easypost/tracking-trackers-list.json'));
  const a = fromEasypostTracker(list.trackers[0]!, receivedAt);
  const b = fromEasypostTracker(list.trackers[0]!, new Date('2026-12-01T00:00:00Z'));
  t.equal(a.sourceEventId, 'trk_9135862729734d96ad2f9ed0f0565a27:delivered:2026-11-27T17:38:00.000Z');
  t.equal(a.sourceEventId, b.sourceEventId);
  t.equal(a.milestone, 'delivered');
});

t.test('events that are not about trackers are acknowledged and ignored; broken ones are malformed', async (t) => {
  t.match(parseEasypostWebhook(fixture('carriers/easypost/tracking-event-batch.json'), receivedAt), { kind: 'ignored' });
  t.match(parseEasypostWebhook({ object: 'Event' }, receivedAt), { kind: 'malformed', errors: [{ field: 'id' }] });
  const event = fixture<Record<string, any>>('carriers/easypost/tracking-event-in-transit.json');
  const broken = { ...event, result: { ...event.result, tracking_code: undefined } };
  t.match(parseEasypostWebhook(broken, receivedAt), { kind: 'malformed', errors: [{ field: 'result.tracking_code' }] });
  t.match(parseEasypostWebhook([], receivedAt), { kind: 'malformed' });
});

t.test('X-Hmac-Signature: hmac-sha256-hex of the raw body with the NFKD-normalised secret', async (t) => {
  const body = raw('tracking-event-in-transit');
  const secret = 'whsec-\u00e9t\u00e9-2026'; // precomposed é
  const decomposed = secret.normalize('NFKD');
  const expected = `hmac-sha256-hex=${createHmac('sha256', Buffer.from(decomposed, 'utf8')).update(body).digest('hex')}`;
  t.equal(easypostSignature(body, secret), expected, 'the secret is normalised before keying');
  t.ok(verifyEasypostSignature(body, expected, secret));
  t.ok(verifyEasypostSignature(body, expected, decomposed), 'either spelling of the secret verifies');
  t.ok(verifyEasypostSignature(body, expected.toUpperCase().replace('HMAC-SHA256-HEX=', 'hmac-sha256-hex='), secret), 'hex case does not matter');
  t.notOk(verifyEasypostSignature(body, expected, 'another secret'));
  t.notOk(verifyEasypostSignature(Buffer.concat([body, Buffer.from(' ')]), expected, secret), 'one byte more breaks it');
  t.notOk(verifyEasypostSignature(body, expected.replace('hmac-sha256-hex=', ''), secret), 'the prefix is part of the header');
  t.notOk(verifyEasypostSignature(body, undefined, secret));
  t.notOk(verifyEasypostSignature(body, [expected, expected], secret));
  t.notOk(verifyEasypostSignature(body, easypostSignature(body, ''), ''), 'an empty secret verifies nothing');
  t.ok(easypostTrackingWebhook.verify({ rawBody: body, headers: { 'x-hmac-signature': expected }, query: {} }, secret));
});
