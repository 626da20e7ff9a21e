import t from 'tap';
import { easypostSignature } from '../../src/carriers/easypost/tracking.js';
import { fixture } from '../fixtures/load.js';
import { build } from '../helper.js';
import { milestoneCount, placedShipment, shipmentState } from './helpers.js';

type Json = Record<string, any>;

/** Three shipments, each moved onto one carrier account with that carrier's fixture tracking number. */
t.test('carrier tracking webhooks', async (t) => {
  const ctx = await build(t);
  const accounts = { easypost: 'car_easypost', shippo: 'car_shippo', shipengine: 'car_shipengine' } as const;
  const tracking = { easypost: '9405511899223197428490', shippo: '9205590164917312751089', shipengine: '1ZAR49150371231883' } as const;
  const shipments: Record<keyof typeof accounts, string> = { easypost: '', shippo: '', shipengine: '' };
  const orders: Record<keyof typeof accounts, string> = { easypost: '', shippo: '', shipengine: '' };
  for (const carrier of Object.keys(accounts) as (keyof typeof accounts)[]) {
    const { order, shipment } = await placedShipment(ctx);
    await ctx.deps.db.updateTable('shipments').set({ carrier_account_id: accounts[carrier], tracking_number: tracking[carrier] }).where('id', '=', shipment.id).execute();
    shipments[carrier] = shipment.id;
    orders[carrier] = order.id;
  }

  const post = (accountId: string, body: unknown, opts: { headers?: Record<string, string>; query?: string; raw?: string } = {}) =>
    ctx.request({
      method: 'POST',
      url: `/webhooks/carriers/${accountId}${opts.query ?? ''}`,
      key: null,
      payload: opts.raw ?? JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(opts.headers ?? {}) },
    });
  const easypostSecret = 'whsec_ \u00e9t\u00e9 sandbox 2026';
  const easypost = (body: Json, secret = easypostSecret) => {
    const raw = JSON.stringify(body);
    return post(accounts.easypost, body, { raw, headers: { 'x-hmac-signature': easypostSignature(raw, secret) } });
  };

  t.test('an account without a webhook secret refuses everything', async (t) => {
    const res = await easypost(fixture('carriers/easypost/tracking-event-in-transit.json'));
    t.equal(res.statusCode, 401);
    t.equal(await milestoneCount(ctx, shipments.easypost), 1, 'only instruction_sent');
  });

  t.test('setting the secrets: seller admin only, says where each goes', async (t) => {
    t.equal((await ctx.request({ method: 'PUT', url: `/v1/carrier-accounts/${accounts.easypost}/webhook-secret`, key: null, payload: {} })).statusCode, 401);
    t.equal((await ctx.request({ method: 'PUT', url: '/v1/carrier-accounts/ca_nope/webhook-secret', payload: {} })).statusCode, 404);
    t.equal((await ctx.request({ method: 'PUT', url: `/v1/carrier-accounts/${accounts.easypost}/webhook-secret`, payload: { secret: 'short' } })).statusCode, 400);
    const ep = await ctx.request({ method: 'PUT', url: `/v1/carrier-accounts/${accounts.easypost}/webhook-secret`, payload: { secret: easypostSecret } });
    t.equal(ep.statusCode, 200, ep.body);
    t.match(ep.json(), { carrier: 'easypost', verification: 'hmac_signature', webhook_path: `/webhooks/carriers/${accounts.easypost}`, webhook_secret: easypostSecret });
    const sh = (await ctx.request({ method: 'PUT', url: `/v1/carrier-accounts/${accounts.shippo}/webhook-secret`, payload: {} })).json();
    t.match(sh, { carrier: 'shippo', verification: 'url_token', webhook_secret: /^pws_/ });
    t.equal(sh.webhook_path, `/webhooks/carriers/${accounts.shippo}?token=${sh.webhook_secret}`);
    const se = (await ctx.request({ method: 'PUT', url: `/v1/carrier-accounts/${accounts.shipengine}/webhook-secret`, payload: { secret: 'shipengine-token-0123456789' } })).json();
    t.match(se, { carrier: 'shipengine', verification: 'header_token' });
  });

  t.test('EasyPost: signed tracker.updated recorded; redelivery is a duplicate; delivered is final', async (t) => {
    const inTransit = await easypost(fixture('carriers/easypost/tracking-event-in-transit.json'));
    t.equal(inTransit.statusCode, 200, inTransit.body);
    t.match(inTransit.json(), { outcome: 'recorded', type: 'in_transit', fulfillment_state: 'in_transit', shipment_id: shipments.easypost });
    const again = await easypost(fixture('carriers/easypost/tracking-event-in-transit.json'));
    t.match(again.json(), { outcome: 'duplicate', milestone_id: inTransit.json().milestone_id });
    t.match((await easypost(fixture('carriers/easypost/tracking-event-delivered.json'))).json(), { outcome: 'recorded', fulfillment_state: 'delivered' });
    t.equal(await milestoneCount(ctx, shipments.easypost), 3);
  });

  t.test('out of order: a late in_transit after delivered is recorded but changes nothing', async (t) => {
    const late = structuredClone(fixture<Json>('carriers/easypost/tracking-event-in-transit.json'));
    late.id = 'evt_late_in_transit_0001';
    late.result.tracking_details[1].datetime = '2026-11-26T09:00:00Z';
    const res = await easypost(late);
    t.match(res.json(), { outcome: 'recorded', type: 'in_transit', fulfillment_state: 'delivered' });
    t.equal((await shipmentState(ctx, shipments.easypost)).fulfillment_state, 'delivered');
    const view = (await ctx.request({ method: 'GET', url: `/v1/orders/${orders.easypost}/milestones` })).json();
    t.strictSame(
      view.shipments[0].milestones.map((m: Json) => [m.type, m.source, m.effect]),
      [['instruction_sent', 'pledge', 'advanced'], ['in_transit', 'easypost', 'advanced'], ['delivered', 'easypost', 'advanced'], ['in_transit', 'easypost', 'unchanged']],
    );
    t.equal(view.shipments[0].fulfillment_state, 'delivered');
  });

  t.test('EasyPost refusals store nothing: bad signature 401, unknown parcel 404, malformed 400', async (t) => {
    const before = await milestoneCount(ctx, shipments.easypost);
    const event = fixture<Json>('carriers/easypost/tracking-event-in-transit.json');
    const fresh: Json = { ...event, id: 'evt_fresh_0002' };
    t.equal((await easypost(fresh, 'another secret')).statusCode, 401, 'wrong secret');
    const raw = JSON.stringify(fresh);
    t.equal((await post(accounts.easypost, null, { raw, headers: { 'x-hmac-signature': easypostSignature(`${raw} `, easypostSecret) } })).statusCode, 401, 'signature of other bytes');
    t.equal((await post(accounts.easypost, fresh)).statusCode, 401, 'no signature');
    t.equal((await post(accounts.easypost, null, { raw: '{"id":', headers: { 'x-hmac-signature': 'hmac-sha256-hex=00' } })).statusCode, 401, 'bad signature wins over bad JSON');
    const unknown = structuredClone(fresh);
    unknown.result.tracking_code = 'EZ4000000004';
    const notOurs = await easypost(unknown);
    t.equal(notOurs.statusCode, 404);
    t.match(notOurs.json(), { code: 'NOT_FOUND', errors: [{ field: 'tracking_number' }] });
    const notJson = '{"id": "evt_';
    t.equal((await post(accounts.easypost, null, { raw: notJson, headers: { 'x-hmac-signature': easypostSignature(notJson, easypostSecret) } })).statusCode, 400);
    const noResult = await easypost({ ...fresh, result: { object: 'Tracker' } });
    t.equal(noResult.statusCode, 400);
    t.match(noResult.json().errors, [{ field: 'result.id' }]);
    t.equal(await milestoneCount(ctx, shipments.easypost), before);
    const batch = await easypost(fixture('carriers/easypost/tracking-event-batch.json'));
    t.match(batch.json(), { outcome: 'ignored' }, 'other event types are acknowledged');
    t.equal(await milestoneCount(ctx, shipments.easypost), before);
    t.equal((await easypost(event)).statusCode, 200, 'still accepts the real thing');
  });

  t.test('Shippo: the token in the query authenticates', async (t) => {
    const token = (await ctx.deps.db.selectFrom('carrier_accounts').select('webhook_secret_sealed').where('id', '=', accounts.shippo).executeTakeFirstOrThrow()).webhook_secret_sealed!;
    const secret = ctx.deps.secrets.open(token);
    const transit = fixture('carriers/shippo/tracking-transit.json');
    t.equal((await post(accounts.shippo, transit)).statusCode, 401, 'no token');
    t.equal((await post(accounts.shippo, transit, { query: '?token=nope' })).statusCode, 401, 'wrong token');
    t.equal((await post(accounts.shippo, transit, { headers: { 'x-pledge-webhook-token': secret } })).statusCode, 401, 'a header is not where Shippo puts it');
    const q = `?token=${encodeURIComponent(secret)}`;
    t.match((await post(accounts.shippo, transit, { query: q })).json(), { outcome: 'recorded', fulfillment_state: 'in_transit' });
    t.match((await post(accounts.shippo, transit, { query: q })).json(), { outcome: 'duplicate' });
    t.match((await post(accounts.shippo, fixture('carriers/shippo/tracking-failure.json'), { query: q })).json(), { outcome: 'recorded', fulfillment_state: 'exception' });
    t.match((await post(accounts.shippo, fixture('carriers/shippo/tracking-out-for-delivery.json'), { query: q })).json(), { outcome: 'recorded', fulfillment_state: 'exception' }, 'out_for_delivery from before the failure stays behind it');
    t.match((await post(accounts.shippo, fixture('carriers/shippo/tracking-delivered.json'), { query: q })).json(), { outcome: 'recorded', fulfillment_state: 'delivered' }, 'progress after the exception');
    t.match((await post(accounts.shippo, fixture('carriers/shippo/tracking-transaction-created.json'), { query: q })).json(), { outcome: 'ignored' });
    const pre = structuredClone(fixture<Json>('carriers/shippo/tracking-transit.json'));
    pre.data.tracking_status = { ...pre.data.tracking_status, status: 'PRE_TRANSIT', object_id: 'pre_1' };
    t.match((await post(accounts.shippo, pre, { query: q })).json(), { outcome: 'ignored', shipment_id: shipments.shippo }, 'a status that is no milestone');
    const badStatus = structuredClone(pre);
    badStatus.data.tracking_status.status = 'TELEPORTED';
    t.equal((await post(accounts.shippo, badStatus, { query: q })).statusCode, 400);
  });

  t.test('ShipEngine: the custom header authenticates', async (t) => {
    const headers = { 'x-pledge-webhook-token': 'shipengine-token-0123456789' };
    t.equal((await post(accounts.shipengine, fixture('carriers/shipengine/tracking-accepted.json'))).statusCode, 401);
    t.equal((await post(accounts.shipengine, fixture('carriers/shipengine/tracking-accepted.json'), { query: '?token=shipengine-token-0123456789' })).statusCode, 401);
    t.match((await post(accounts.shipengine, fixture('carriers/shipengine/tracking-delivered.json'), { headers })).json(), { outcome: 'recorded', fulfillment_state: 'delivered' }, 'delivered first');
    t.match((await post(accounts.shipengine, fixture('carriers/shipengine/tracking-accepted.json'), { headers })).json(), { outcome: 'recorded', type: 'handed_over', fulfillment_state: 'delivered' }, 'the accept scan late');
    t.match((await post(accounts.shipengine, fixture('carriers/shipengine/tracking-accepted.json'), { headers })).json(), { outcome: 'duplicate' });
    t.match((await post(accounts.shipengine, fixture('carriers/shipengine/tracking-batch.json'), { headers })).json(), { outcome: 'ignored' });
  });

  t.test('the account decides the format; unknown accounts are 404', async (t) => {
    t.equal((await post('ca_nope', {})).statusCode, 404);
    const q = `?token=whatever`;
    // A ShipEngine body posted to the EasyPost account is refused by EasyPost's rules (no signature).
    t.equal((await post(accounts.easypost, fixture('carriers/shipengine/tracking-accepted.json'), { query: q })).statusCode, 401);
  });

  t.test('other sellers cannot read the milestones', async (t) => {
    t.equal((await ctx.request({ method: 'GET', url: '/v1/orders/ord_nope/milestones' })).statusCode, 404);
    t.equal((await ctx.request({ method: 'GET', url: `/v1/orders/${orders.easypost}/milestones`, key: null })).statusCode, 401);
  });
});
