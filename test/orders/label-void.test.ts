import t from 'tap';
import type { CarrierId } from '../../src/carriers/contract.js';
import { build, orderBody } from '../helper.js';

/** Counts the void calls each carrier adapter receives, then lets the real adapter talk to the sandbox. */
function spyOnVoids(adapters: { carriers: Record<CarrierId, { void: (...args: any[]) => Promise<{ status: 'voided' | 'rejected' }> }> }) {
  const calls: { carrier: string; ref: string }[] = [];
  for (const [id, adapter] of Object.entries(adapters.carriers)) {
    const real = adapter.void.bind(adapter);
    adapter.void = async (partner: unknown, ref: string, ctx: unknown) => {
      calls.push({ carrier: id, ref });
      return real(partner, ref, ctx);
    };
  }
  return calls;
}

t.test('a cancelled order gives back its label: voided once at the carrier, shown on the order', async (t) => {
  const ctx = await build(t);
  const calls = spyOnVoids(ctx.runtime.deps.adapters as never);
  const placed = (await ctx.placeOrder(orderBody())).json();
  t.equal(placed.instruction.status, 'sent');
  t.equal(placed.instruction.label_void, null, 'a live label');
  const shipment = await ctx.deps.db.selectFrom('shipments').select(['id', 'label_ref', 'tracking_number']).where('order_id', '=', placed.id).executeTakeFirstOrThrow();
  t.ok(shipment.label_ref, 'the carrier reference of the purchase is kept');

  const cancelled = await ctx.request({ method: 'POST', url: `/v1/orders/${placed.id}/cancel`, payload: { reason: 'customer changed their mind' } });
  t.equal(cancelled.statusCode, 200, cancelled.body);
  // The void is queued in the cancellation's transaction and sent by the relay, like an instruction.
  for (let i = 0; i < 10 && calls.length === 0; i++) await ctx.app.services.relay.tick();
  t.same(calls.map((c) => c.ref), [shipment.label_ref], 'one void, for that purchase');

  const after = (await ctx.request({ method: 'GET', url: `/v1/orders/${placed.id}` })).json();
  t.equal(after.instruction.label_void, 'voided');
  const row = await ctx.deps.db.selectFrom('shipments').select(['label_void_status', 'label_voided_at']).where('id', '=', shipment.id).executeTakeFirstOrThrow();
  t.ok(row.label_voided_at instanceof Date);

  // Asking again (a second cancel, a relay tick) sends nothing more.
  await ctx.request({ method: 'POST', url: `/v1/orders/${placed.id}/cancel` });
  await ctx.app.services.relay.tick();
  await ctx.app.services.relay.tick();
  t.equal(calls.length, 1, 'voided exactly once');
  const metrics = await ctx.request({ method: 'GET', url: '/metrics' });
  t.match(metrics.body, /pledge_label_voids_total\{outcome="voided"\} 1/);
});

t.test('an order cancelled before its instruction left: nothing was bought, nothing is voided', async (t) => {
  let crash = false;
  const ctx = await build(t, {
    faults: {
      afterCommit: () => {
        if (crash) throw new Error('simulated crash after commit');
      },
    },
  });
  const calls = spyOnVoids(ctx.runtime.deps.adapters as never);
  crash = true;
  const crashed = await ctx.placeOrder(orderBody({ external_id: 'never-sent' }));
  crash = false;
  t.equal(crashed.statusCode, 500);
  const order = await ctx.deps.db.selectFrom('orders').select('id').where('external_id', '=', 'never-sent').executeTakeFirstOrThrow();
  const res = await ctx.request({ method: 'POST', url: `/v1/orders/${order.id}/cancel` });
  t.equal(res.statusCode, 200, res.body);
  await ctx.app.services.relay.tick();
  t.equal(calls.length, 0, 'no carrier call');
  t.equal((await ctx.request({ method: 'GET', url: `/v1/orders/${order.id}` })).json().instruction.label_void, 'not_bought');
});

t.test('a carrier that refuses the void (already scanned) is recorded, not retried', async (t) => {
  const ctx = await build(t);
  const placed = (await ctx.placeOrder(orderBody())).json();
  const shipment = await ctx.deps.db.selectFrom('shipments').select(['id', 'carrier_account_id']).where('order_id', '=', placed.id).executeTakeFirstOrThrow();
  const adapters = ctx.runtime.deps.adapters as never as { carriers: Record<string, { void: (...args: any[]) => Promise<unknown> }> };
  let calls = 0;
  for (const adapter of Object.values(adapters.carriers)) {
    adapter.void = async () => {
      calls += 1;
      return { status: 'rejected' };
    };
  }
  await ctx.request({ method: 'POST', url: `/v1/orders/${placed.id}/cancel` });
  for (let i = 0; i < 5; i++) await ctx.app.services.relay.tick();
  t.equal(calls, 1);
  t.equal((await ctx.deps.db.selectFrom('shipments').select('label_void_status').where('id', '=', shipment.id).executeTakeFirstOrThrow()).label_void_status, 'rejected');
});
