import t from 'tap';
import { build } from '../helper.js';
import { milestoneCount, placedShipment, shipmentState } from './helpers.js';

t.test('tracking by polling the carrier (EasyPost GET /v2/trackers)', async (t) => {
  const ctx = await build(t);
  // Only EasyPost answers rates, so the label (and its sandbox tracker) is bought there.
  ctx.sandbox.patchPartner('car_shippo', { error_rate: 1 });
  ctx.sandbox.patchPartner('car_shipengine', { error_rate: 1 });
  const { order, shipment } = await placedShipment(ctx);
  t.equal(shipment.carrier_account_id, 'car_easypost');
  const tn = shipment.tracking_number!;
  const pollNow = async () => {
    await ctx.deps.db.updateTable('shipments').set({ tracking_polled_at: null }).where('id', '=', shipment.id).execute();
    return ctx.app.services.milestones.pollOnce();
  };

  t.test('polling is per account, and only where the adapter can track', async (t) => {
    t.equal(await ctx.app.services.milestones.pollOnce(), 0, 'webhook mode: nothing polled');
    const refused = await ctx.request({ method: 'PUT', url: '/v1/carrier-accounts/car_shippo/tracking', payload: { mode: 'poll' } });
    t.equal(refused.statusCode, 400);
    t.match(refused.json().errors, [{ field: 'mode' }]);
    t.equal((await ctx.request({ method: 'PUT', url: '/v1/carrier-accounts/car_easypost/tracking', payload: { mode: 'sometimes' } })).statusCode, 400);
    const ok = await ctx.request({ method: 'PUT', url: '/v1/carrier-accounts/car_easypost/tracking', payload: { mode: 'poll' } });
    t.equal(ok.statusCode, 200, ok.body);
    t.strictSame(ok.json(), { carrier_account_id: 'car_easypost', carrier: 'easypost', tracking_mode: 'poll' });
  });

  t.test('a label only printed is no milestone; each new scan is recorded once', async (t) => {
    t.equal(await pollNow(), 1);
    t.equal(await milestoneCount(ctx, shipment.id), 1, 'pre_transit records nothing');
    t.equal(await ctx.app.services.milestones.pollOnce(), 0, 'asked moments ago: not due again');

    t.ok(ctx.sandbox.setTrackingStatus(tn, 'in_transit'));
    await pollNow();
    t.equal((await shipmentState(ctx, shipment.id)).fulfillment_state, 'in_transit');
    await pollNow();
    t.equal(await milestoneCount(ctx, shipment.id), 2, 'the same tracker state polled twice is one milestone');

    ctx.sandbox.setTrackingStatus(tn, 'delivered');
    await pollNow();
    t.equal((await shipmentState(ctx, shipment.id)).fulfillment_state, 'delivered');
    t.equal(await pollNow(), 0, 'a delivered parcel is not asked about again');

    const view = (await ctx.request({ method: 'GET', url: `/v1/orders/${order.id}/milestones` })).json();
    t.strictSame(view.shipments[0].milestones.map((m: any) => [m.type, m.source]), [['instruction_sent', 'pledge'], ['in_transit', 'poll'], ['delivered', 'poll']]);
    t.match(view.shipments[0].milestones[2].details, { carrier_status: 'delivered', tracking_number: tn });
  });
});
