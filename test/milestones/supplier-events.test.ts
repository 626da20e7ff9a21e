import t from 'tap';
import { signSupplierEvent } from '../../src/milestones/supplier-events.js';
import { fixture } from '../fixtures/load.js';
import { build } from '../helper.js';
import { milestoneCount, placedShipment, shipmentState } from './helpers.js';

t.test('supplier status callbacks', async (t) => {
  const ctx = await build(t);
  const { order, shipment } = await placedShipment(ctx);
  const url = `/v1/partners/suppliers/${shipment.supplier_id}/events`;
  const send = (body: unknown, secret: string, opts: { at?: Date; signature?: string | null; raw?: string } = {}) => {
    const raw = opts.raw ?? JSON.stringify(body);
    const signature = opts.signature === undefined ? signSupplierEvent(raw, secret, opts.at ?? new Date()) : opts.signature;
    return ctx.request({ method: 'POST', url, key: null, payload: raw, headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'pledge-signature': signature }) } });
  };
  const event = (type: string, extra: Record<string, unknown> = {}) => ({
    ...fixture<Record<string, unknown>>('suppliers/pledge-v1/event-handed-over.json'),
    event_id: `evt_${type}_${Math.random().toString(36).slice(2)}`,
    supplier_order_ref: shipment.supplier_order_ref,
    type,
    occurred_at: new Date().toISOString(),
    tracking_number: null,
    ...extra,
  });

  t.test('the instruction relay recorded instruction_sent with the shipment', async (t) => {
    const res = await ctx.request({ method: 'GET', url: `/v1/orders/${order.id}/milestones` });
    t.equal(res.statusCode, 200, res.body);
    const body = res.json();
    t.equal(body.order_id, order.id);
    t.equal(body.shipments.length, 1);
    t.match(body.shipments[0], { shipment_id: shipment.id, fulfillment_state: 'instruction_sent', supplier_order_ref: shipment.supplier_order_ref });
    t.match(body.shipments[0].milestones, [{ type: 'instruction_sent', source: 'pledge', effect: 'advanced', source_event_id: `instruction:${shipment.id}` }]);
    t.match(body.shipments[0].milestones[0].hash, /^[0-9a-f]{64}$/);
  });

  t.test('a supplier without a callback secret is refused, nothing stored', async (t) => {
    const res = await send(event('accepted'), 'whatever');
    t.equal(res.statusCode, 401);
    t.equal(res.json().code, 'UNAUTHORIZED');
    t.equal(await milestoneCount(ctx, shipment.id), 1);
  });

  let secret = '';
  t.test('rotating issues a secret once; the seller key is required', async (t) => {
    t.equal((await ctx.request({ method: 'POST', url: `/v1/suppliers/${shipment.supplier_id}/callback-secret`, key: null })).statusCode, 401);
    t.equal((await ctx.request({ method: 'POST', url: '/v1/suppliers/sup_nope/callback-secret' })).statusCode, 404);
    const res = await ctx.request({ method: 'POST', url: `/v1/suppliers/${shipment.supplier_id}/callback-secret` });
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json(), { supplier_id: shipment.supplier_id, callback_secret: /^pcs_/, previous_secret_valid_until: null, signature_header: 'Pledge-Signature' });
    secret = res.json().callback_secret;
    const stored = await ctx.deps.db.selectFrom('suppliers').select('callback_secret_sealed').where('id', '=', shipment.supplier_id).executeTakeFirstOrThrow();
    t.notMatch(stored.callback_secret_sealed, secret, 'sealed at rest');
  });

  t.test('accepted, signed: recorded and the state moves; the same event again is a duplicate', async (t) => {
    const accepted = event('accepted');
    const first = await send(accepted, secret);
    t.equal(first.statusCode, 200, first.body);
    t.match(first.json(), { outcome: 'recorded', shipment_id: shipment.id, type: 'supplier_accepted', fulfillment_state: 'supplier_accepted' });
    const again = await send(accepted, secret);
    t.equal(again.statusCode, 200);
    t.match(again.json(), { outcome: 'duplicate', milestone_id: first.json().milestone_id });
    t.equal(await milestoneCount(ctx, shipment.id), 2);
  });

  t.test('bad signatures: 401 and nothing stored', async (t) => {
    const before = await milestoneCount(ctx, shipment.id);
    const e = event('handed_over');
    const raw = JSON.stringify(e);
    const cases: [string, Parameters<typeof send>[2], string][] = [
      ['missing', { signature: null }, 'missing'],
      ['malformed', { signature: 'v1=abc' }, 'malformed'],
      ['wrong secret', { signature: signSupplierEvent(raw, 'pcs_wrong', new Date()) }, 'mismatch'],
      ['body changed after signing', { signature: signSupplierEvent(raw.replace('handed_over', 'refused'), secret, new Date()) }, 'mismatch'],
      ['six minutes old', { at: new Date(Date.now() - 6 * 60_000) }, 'expired'],
      ['six minutes ahead', { at: new Date(Date.now() + 6 * 60_000) }, 'expired'],
    ];
    for (const [name, opts, reason] of cases) {
      const res = await send(e, secret, opts);
      t.equal(res.statusCode, 401, name);
      t.match(res.json(), { code: 'UNAUTHORIZED', errors: [{ field: 'Pledge-Signature', message: reason }] }, name);
    }
    t.equal((await send(e, secret, { at: new Date(Date.now() - 4 * 60_000) })).statusCode, 200, 'four minutes old is within tolerance');
    t.equal(await milestoneCount(ctx, shipment.id), before + 1);
  });

  t.test('signed but malformed: 400; unknown reference or supplier: 404; nothing stored', async (t) => {
    const before = await milestoneCount(ctx, shipment.id);
    const notJson = await send(null, secret, { raw: '{"event_id": ' });
    t.equal(notJson.statusCode, 400);
    t.equal(notJson.json().code, 'VALIDATION_FAILED');
    const badType = await send(event('lost'), secret);
    t.equal(badType.statusCode, 400);
    t.match(badType.json().errors, [{ field: 'type' }]);
    const badTime = await send(event('accepted', { occurred_at: 'yesterday' }), secret);
    t.equal(badTime.statusCode, 400);
    const unknown = await send(event('accepted', { supplier_order_ref: 'SO-00000' }), secret);
    t.equal(unknown.statusCode, 404);
    t.match(unknown.json().errors, [{ field: 'supplier_order_ref' }]);
    const raw = JSON.stringify(event('accepted'));
    const otherSupplier = await ctx.request({ method: 'POST', url: '/v1/partners/suppliers/sup_nope/events', key: null, payload: raw, headers: { 'content-type': 'application/json', 'pledge-signature': signSupplierEvent(raw, secret, new Date()) } });
    t.equal(otherSupplier.statusCode, 404);
    t.equal(await milestoneCount(ctx, shipment.id), before);
  });

  t.test('a new supplier gets its callback secret in the create response, once', async (t) => {
    const created = await ctx.request({ method: 'POST', url: '/v1/suppliers', payload: { name: 'Delta Goods', base_url: 'http://127.0.0.1:9/delta' } });
    t.equal(created.statusCode, 201, created.body);
    t.match(created.json().callback_secret, /^pcs_[A-Za-z0-9_-]{43}$/);
    const got = await ctx.request({ method: 'GET', url: `/v1/suppliers/${created.json().id}` });
    t.notOk('callback_secret' in got.json(), 'never shown again');
    const raw = JSON.stringify(event('accepted', { supplier_order_ref: 'SO-1' }));
    const res = await ctx.request({
      method: 'POST', url: `/v1/partners/suppliers/${created.json().id}/events`, key: null, payload: raw,
      headers: { 'content-type': 'application/json', 'pledge-signature': signSupplierEvent(raw, created.json().callback_secret, new Date()) },
    });
    t.equal(res.statusCode, 404, 'signature verifies; the reference is simply not one of its shipments');
  });

  t.test('handed_over may bring the tracking number of a parcel Pledge bought no label for', async (t) => {
    const second = await placedShipment(ctx);
    await ctx.deps.db.updateTable('shipments').set({ tracking_number: null }).where('id', '=', second.shipment.id).execute();
    const raw = JSON.stringify(event('handed_over', { supplier_order_ref: second.shipment.supplier_order_ref, tracking_number: '1Z999AA10123456784' }));
    const res = await send(null, secret, { raw });
    t.match(res.json(), { outcome: 'recorded', shipment_id: second.shipment.id, fulfillment_state: 'handed_over' });
    t.equal((await shipmentState(ctx, second.shipment.id)).tracking_number, '1Z999AA10123456784');
    const other = JSON.stringify(event('handed_over', { supplier_order_ref: second.shipment.supplier_order_ref, tracking_number: '1Z000' }));
    await send(null, secret, { raw: other });
    t.equal((await shipmentState(ctx, second.shipment.id)).tracking_number, '1Z999AA10123456784', 'never overwritten');
    const view = (await ctx.request({ method: 'GET', url: `/v1/orders/${second.order.id}/milestones` })).json();
    t.match(view.shipments[0].milestones.at(-1).details, { tracking_number: '1Z000', label_tracking_number: '1Z999AA10123456784' });
  });

  t.test('a refusal after acceptance flags; a late accepted does not move back; rotation keeps the old secret for a grace period', async (t) => {
    const rotated = (await ctx.request({ method: 'POST', url: `/v1/suppliers/${shipment.supplier_id}/callback-secret` })).json();
    t.ok(rotated.previous_secret_valid_until, 'the old secret has a deadline');
    const old = secret;
    secret = rotated.callback_secret;
    t.equal((await send(event('refused', { reason: 'stock count' }), old)).statusCode, 200, 'old secret still verifies');
    t.equal((await shipmentState(ctx, shipment.id)).fulfillment_state, 'supplier_refused');
    const late = await send(event('accepted', { occurred_at: new Date(Date.now() - 3_600_000).toISOString() }), secret);
    t.match(late.json(), { outcome: 'recorded', fulfillment_state: 'supplier_refused' }, 'recorded, but an hour-old acceptance changes nothing');
  });
});
