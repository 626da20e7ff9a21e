import t from 'tap';
import { parseShipengineWebhook, shipengineTrackingWebhook } from '../../../src/carriers/shipengine/tracking.js';
import { fixture } from '../../fixtures/load.js';

const receivedAt = new Date('2026-12-01T00:00:00Z');
const parse = (name: string) => parseShipengineWebhook(fixture(`carriers/shipengine/${name}.json`), receivedAt);

t.test('API_TRACK: AC is the hand-over to the carrier, at its newest event', async (t) => {
  t.strictSame(parse('tracking-accepted'), {
    kind: 'update',
    update: {
      trackingNumber: '1ZAR49150371231883',
      milestone: 'handed_over',
      occurredAt: new Date('2026-11-25T22:14:00Z'),
      sourceEventId: 'AC:OR:2026-11-25T22:14:00.000Z',
      details: { carrier_status: 'AC', carrier_status_detail: 'OR', message: 'Origin Scan', location: 'EDISON, NJ, 08837, US', carrier: null },
    },
  });
});

t.test('delivered at actual_delivery_date; exceptions carry their description', async (t) => {
  t.match(parse('tracking-delivered'), { kind: 'update', update: { milestone: 'delivered', occurredAt: new Date('2026-11-30T19:02:00Z') } });
  t.match(parse('tracking-exception'), { kind: 'update', update: { milestone: 'exception', details: { message: 'Receiver not available' } } });
});

t.test('every status_code', async (t) => {
  const base = fixture<any>('carriers/shipengine/tracking-accepted.json');
  const cases: [string, string | null][] = [['UN', null], ['NY', null], ['AC', 'handed_over'], ['IT', 'in_transit'], ['DE', 'delivered'], ['SP', 'delivered'], ['EX', 'exception'], ['AT', 'exception']];
  for (const [code, milestone] of cases) {
    const body = structuredClone(base);
    body.data.status_code = code;
    t.match(parseShipengineWebhook(body, receivedAt), { kind: 'update', update: { milestone } }, code);
  }
  const body = structuredClone(base);
  body.data.status_code = 'ZZ';
  t.match(parseShipengineWebhook(body, receivedAt), { kind: 'malformed', errors: [{ field: 'data.status_code' }] });
});

t.test('the same update redelivered keeps its id; a later one gets another', async (t) => {
  const a = parse('tracking-accepted');
  const b = parseShipengineWebhook(fixture('carriers/shipengine/tracking-accepted.json'), new Date('2026-12-09T00:00:00Z'));
  const c = parse('tracking-delivered');
  if (a.kind !== 'update' || b.kind !== 'update' || c.kind !== 'update') return t.fail('expected updates');
  t.equal(a.update.sourceEventId, b.update.sourceEventId);
  t.not(a.update.sourceEventId, c.update.sourceEventId);
});

t.test('other resource types are ignored; the token is a custom header', async (t) => {
  t.match(parse('tracking-batch'), { kind: 'ignored' });
  t.match(parseShipengineWebhook({ data: {} }, receivedAt), { kind: 'malformed', errors: [{ field: 'resource_type' }] });
  const req = { rawBody: Buffer.from('{}'), headers: { 'x-pledge-webhook-token': 'se-token-1' }, query: {} };
  t.ok(shipengineTrackingWebhook.verify(req, 'se-token-1'));
  t.notOk(shipengineTrackingWebhook.verify(req, 'se-token-2'));
  t.notOk(shipengineTrackingWebhook.verify({ ...req, headers: {} }, 'se-token-1'));
  t.notOk(shipengineTrackingWebhook.verify({ ...req, query: { token: 'se-token-1' } , headers: {} }, 'se-token-1'), 'not in the query');
});
