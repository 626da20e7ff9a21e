import t from 'tap';
import { createPledgeV1WarehouseAdapter } from '../../../src/warehouses/pledge-v1/index.js';
import { fixture } from '../../fixtures/load.js';
import { createMockedUpstream, failureOf, partnerConnection, type Teardown } from '../../fixtures/mock-upstream.js';

const partner = partnerConnection({ id: 'wh_ewr2', kind: 'warehouse', baseUrl: 'https://wms.example/pledge', credentials: { api_key: 'wk_ewr2' } });
const ctx = { signal: new AbortController().signal };
const req = { from: new Date('2026-11-25T14:00:00Z'), days: 5, parcels: 1 };

function setup(t: Teardown) {
  const mock = createMockedUpstream(t);
  return { mock, adapter: createPledgeV1WarehouseAdapter({ upstream: mock.upstream }) };
}

t.test('schedule: POST {base}/schedule with bearer auth', async (t) => {
  const { mock, adapter } = setup(t);
  mock.on(partner, 'POST', '/schedule', { status: 200, body: fixture('warehouses/pledge-v1/schedule.json') });
  const s = await adapter.schedule(partner, req, ctx);
  t.equal(s.pickups.length, 1);
  t.strictSame(mock.calls(), [{
    origin: 'https://wms.example', method: 'POST', path: '/pledge/schedule',
    headers: { accept: 'application/json', authorization: 'Bearer wk_ewr2', 'content-type': 'application/json' },
    body: fixture('warehouses/pledge-v1/schedule-request.json'), idempotent: true, operation: 'schedule',
  }]);
});

t.test('schedule: 4xx rejected with the problem document; malformed 200 invalid', async (t) => {
  const { mock, adapter } = setup(t);
  const problem = fixture('warehouses/pledge-v1/problem.json');
  mock.on(partner, 'POST', '/schedule',
    { status: 409, body: problem, headers: { 'content-type': 'application/problem+json' } },
    { status: 200, body: { warehouse_ref: 'EWR-2', handling_hours: 4, pickups: [{ cutoff_at: '2026-11-25T20:00:00Z' }] } });
  t.match(await failureOf(adapter.schedule(partner, req, ctx)), { failure: 'rejected', status: 409, responseBody: problem });
  t.match(await failureOf(adapter.schedule(partner, req, ctx)), { failure: 'invalid_response', partnerId: 'wh_ewr2' });
});
