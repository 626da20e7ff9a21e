import t from 'tap';
import { createEasypostAdapter } from '../../../src/carriers/easypost/index.js';
import { easypostManifest } from '../../../src/carriers/easypost/manifest.js';
import { fixture } from '../../fixtures/load.js';
import { createMockedUpstream, partnerConnection, type Teardown } from '../../fixtures/mock-upstream.js';

const partner = partnerConnection({ id: 'ca_easypost', baseUrl: easypostManifest.defaultBaseUrl });
const ctx = { signal: new AbortController().signal };
const code = '9405511899223197428490';

function setup(t: Teardown) {
  const mock = createMockedUpstream(t);
  return { mock, adapter: createEasypostAdapter({ upstream: mock.upstream }) };
}

t.test('track reads the existing tracker by tracking_code', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'GET', `/v2/trackers?tracking_code=${code}`, { status: 200, body: fixture('carriers/easypost/tracking-trackers-list.json') });
  const update = await adapter.track(partner, code, ctx);
  t.match(update, { trackingNumber: code, milestone: 'delivered', occurredAt: new Date('2026-11-27T17:38:00Z') });
  t.match(mock.calls(), [{ method: 'GET', idempotent: true, operation: 'track' }]);
  t.ok(easypostManifest.capabilities.includes('tracking_poll'));
});

t.test('track creates the tracker when EasyPost has none for the code (EasyPost dedups repeats)', async (t) => {
  const { mock, adapter } = setup(t);
  const tracker = fixture<any>('carriers/easypost/tracking-event-in-transit.json').result;
  mock.on(partner, 'GET', `/v2/trackers?tracking_code=${code}`, { status: 200, body: { trackers: [], has_more: false } });
  mock.on(partner, 'POST', '/v2/trackers', { status: 201, body: tracker });
  const update = await adapter.track(partner, code, ctx);
  t.match(update, { milestone: 'in_transit', sourceEventId: `${tracker.id}:in_transit:2026-11-26T03:05:00.000Z` });
  t.match(mock.calls()[1], { method: 'POST', body: { tracker: { tracking_code: code } }, operation: 'track' });
});
