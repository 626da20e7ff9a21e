import t, { type Test } from 'tap';
import { sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import { build, orderBody, type TestContext } from '../helper.js';

// Crash seams: the app's faults read these, so a test can make the next tick "crash" at a chosen point.
const crash: { after?: string; before?: string } = {};
const faults = {
  repairAfterStep: (step: string) => {
    if (crash.after === step) throw new Error(`simulated crash after ${step}`);
  },
  repairBeforeStepCommit: (step: string) => {
    if (crash.before === step) throw new Error(`simulated crash before recording ${step}`);
  },
};

async function promisedOrder(t: Test, ctx: TestContext, sku = 'LAMP-01') {
  const res = await ctx.placeOrder(orderBody({ lines: [{ sku, quantity: 1, unit_price_minor: 5900 }] }));
  t.equal(res.statusCode, 201, 'order placed');
  const order = res.json();
  t.equal(order.status, 'promised');
  t.equal(order.instruction.status, 'sent');
  return order as { id: string; shipments: { id: string; route: { supplier: string } }[]; route: { supplier: string } };
}

/** What detection will do: a repairable breach in `repairing`, then the saga's start in the same transaction. */
async function breachAndStart(ctx: TestContext, order: { id: string; shipments: { id: string; route: { supplier: string } }[] }) {
  const breachId = `brc_${randomBytes(8).toString('hex')}`;
  const shipment = order.shipments[0]!;
  await ctx.deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('breaches')
      .values({
        id: breachId,
        seller_id: 'sel_demo',
        order_id: order.id,
        shipment_id: shipment.id,
        kind: 'refused',
        trigger: 'supplier_refused',
        cause: 'supplier',
        partner_id: shipment.route.supplier,
        evidence: JSON.stringify({ milestone_ids: [], notes: ['test'] }),
        status: 'repairing',
        detected_at: new Date(),
      })
      .execute();
    await ctx.app.services.repairs.start(trx, { breachId });
  });
  return breachId;
}

const sagaOf = (ctx: TestContext, breachId: string) => ctx.deps.db.selectFrom('repair_sagas').selectAll().where('breach_id', '=', breachId).executeTakeFirstOrThrow();
const breachStatus = async (ctx: TestContext, id: string) => (await ctx.deps.db.selectFrom('breaches').select(['status', 'resolved_at']).where('id', '=', id).executeTakeFirstOrThrow());
/** A crashed worker's lease runs out (instead of waiting a minute of wall-clock time). */
const expireLeases = (ctx: TestContext) => sql`update repair_sagas set locked_until = now() - interval '1 second' where locked_until is not null`.execute(ctx.deps.db);

/** The invariant: the supplier side holds exactly one live instruction for the order, delivered once. */
function assertOneLive(t: Test, ctx: TestContext, orderId: string, expected: { oldSupplier: string; newShipmentId: string }) {
  const received = ctx.sandbox.instructions({ orderId });
  const live = received.filter((r) => r.status === 'received');
  t.equal(live.length, 1, `one live instruction (${JSON.stringify(received.map((r) => [r.supplier_id, r.status, r.deliveries]))})`);
  t.equal(live[0]?.idempotency_key, expected.newShipmentId, 'the live one is the replacement, keyed by its shipment id');
  t.not(live[0]?.supplier_id, expected.oldSupplier, 'at another supplier');
  t.equal(live[0]?.deliveries, 1, 'delivered exactly once');
  const old = received.filter((r) => r.supplier_id === expected.oldSupplier);
  t.ok(old.length === 1 && old[0]!.status === 'cancelled', 'the first instruction is cancelled');
}

t.test('repair saga', async (t) => {
  const ctx = await build(t, { faults });
  const repairs = ctx.app.services.repairs;

  t.test('a refused instruction is re-routed to another supplier, with one live instruction', async (t) => {
    const order = await promisedOrder(t, ctx);
    const oldSupplier = order.route.supplier;
    const breachId = await breachAndStart(ctx, order);
    t.equal(await repairs.tick(), 1, 'one saga claimed');

    const saga = await sagaOf(ctx, breachId);
    t.equal(saga.status, 'completed', saga.last_error ?? '');
    t.ok(saga.replacement_shipment_id);
    t.match(await breachStatus(ctx, breachId), { status: 'repaired', resolved_at: Date });
    assertOneLive(t, ctx, order.id, { oldSupplier, newShipmentId: saga.replacement_shipment_id! });

    const view = (await ctx.request({ method: 'GET', url: `/v1/orders/${order.id}` })).json();
    t.equal(view.shipments.length, 1, 'the replaced shipment is not shown as live');
    t.equal(view.shipments[0].id, saga.replacement_shipment_id);
    t.not(view.route.supplier, oldSupplier);
    t.equal(view.instruction.status, 'sent');

    const old = await ctx.deps.db.selectFrom('shipments').selectAll().where('id', '=', order.shipments[0]!.id).executeTakeFirstOrThrow();
    t.match(old, { instruction_status: 'cancelled', cancel_outcome: 'cancelled', superseded_at: Date });
    const replacement = await ctx.deps.db.selectFrom('shipments').selectAll().where('id', '=', saga.replacement_shipment_id!).executeTakeFirstOrThrow();
    t.equal(replacement.replaces_shipment_id, old.id);
    t.ok(replacement.handover_eta instanceof Date && replacement.handover_eta <= replacement.handover_by!, 'the new supplier\'s quoted ready time is kept for learning');
    // The old label will never travel: its void was queued with the cancel and the relay sends it.
    for (let i = 0; i < 5; i++) await ctx.app.services.relay.tick();
    const oldLabel = await ctx.deps.db.selectFrom('shipments').select(['label_ref', 'label_void_status']).where('id', '=', old.id).executeTakeFirstOrThrow();
    t.equal(oldLabel.label_void_status, oldLabel.label_ref ? 'voided' : 'not_bought', 'the replaced shipment gives its label back');
    t.equal((await ctx.deps.db.selectFrom('shipments').select('label_void_status').where('id', '=', replacement.id).executeTakeFirstOrThrow()).label_void_status, null, 'the live label is kept');

    const progress = await ctx.request({ method: 'GET', url: `/v1/orders/${order.id}/repairs` });
    t.equal(progress.statusCode, 200);
    const [p] = progress.json().data;
    t.equal(p.status, 'completed');
    t.same(p.steps.map((s: any) => [s.name, s.status]), [
      ['requote', 'done'],
      ['cancel_original', 'done'],
      ['reserve_route', 'done'],
      ['send_instruction', 'done'],
      ['finish', 'done'],
    ]);
    t.ok(p.steps[0].output.excluded.suppliers.includes(oldSupplier), 'the re-quote excluded the failing supplier');
    t.not(p.steps[0].output.route.supplier_id, oldSupplier, 'and chose another');
    t.match(p.steps[1].undo, { irreversible: /cannot be un-cancelled/ }, 'the cancel records that it cannot be undone');

    // The breach processor retrying start is a no-op; nothing is left to claim.
    await ctx.deps.db.transaction().execute((trx) => repairs.start(trx, { breachId }));
    t.equal((await ctx.deps.db.selectFrom('repair_sagas').select('id').where('breach_id', '=', breachId).execute()).length, 1);
    t.equal(await repairs.tick(), 0);
  });

  t.test('no alternative route: repair_failed, and the first instruction is left alone', async (t) => {
    const order = await promisedOrder(t, ctx, 'MUG-001'); // only Acme sells it
    const breachId = await breachAndStart(ctx, order);
    await repairs.tick();
    const saga = await sagaOf(ctx, breachId);
    t.equal(saga.status, 'failed');
    t.match(saga.last_error, /requote: no route can still meet deliver_by \(NO_OFFERS\)/);
    t.match(await breachStatus(ctx, breachId), { status: 'repair_failed', resolved_at: Date });
    const received = ctx.sandbox.instructions({ orderId: order.id });
    t.same(received.map((r) => [r.status, r.deliveries]), [['received', 1]], 'no cancel sent, nothing new sent');
    const steps = await ctx.deps.db.selectFrom('repair_saga_steps').select(['name', 'status']).where('saga_id', '=', saga.id).orderBy('seq').execute();
    t.same(steps.map((s) => s.status), ['failed', 'pending', 'pending', 'pending', 'pending']);
    const view = (await ctx.request({ method: 'GET', url: `/v1/orders/${order.id}` })).json();
    t.equal(view.shipments[0].id, order.shipments[0]!.id);
    t.equal(view.instruction.status, 'sent');
  });

  const crashPoints: { label: string; after?: string; before?: string }[] = [
    { label: 'after the re-quote', after: 'requote' },
    { label: 'after the supplier cancelled, before it was recorded', before: 'cancel_original' },
    { label: 'after the cancel, before the new route is reserved', after: 'cancel_original' },
    { label: 'after the reservation, before the new instruction is sent', after: 'reserve_route' },
    { label: 'after the relay sent it, before the step was recorded', before: 'send_instruction' },
    { label: 'after the send, before finishing', after: 'send_instruction' },
  ];
  for (const point of crashPoints) {
    t.test(`a crash ${point.label} resumes and ends with one live instruction`, async (t) => {
      const order = await promisedOrder(t, ctx);
      const breachId = await breachAndStart(ctx, order);
      Object.assign(crash, { after: point.after, before: point.before });
      try {
        await t.rejects(repairs.tick(), /simulated crash/);
      } finally {
        delete crash.after;
        delete crash.before;
      }
      t.equal(await repairs.tick(), 0, 'the crashed worker still holds the lease');
      t.equal((await sagaOf(ctx, breachId)).status, 'running');
      t.equal((await breachStatus(ctx, breachId)).status, 'repairing');

      await expireLeases(ctx);
      t.equal(await repairs.tick(), 1, 'another worker takes it over');
      const saga = await sagaOf(ctx, breachId);
      t.equal(saga.status, 'completed', saga.last_error ?? '');
      t.equal((await breachStatus(ctx, breachId)).status, 'repaired');
      assertOneLive(t, ctx, order.id, { oldSupplier: order.route.supplier, newShipmentId: saga.replacement_shipment_id! });
      const view = (await ctx.request({ method: 'GET', url: `/v1/orders/${order.id}` })).json();
      t.same(view.shipments.map((s: any) => s.id), [saga.replacement_shipment_id]);
    });
  }

  t.test('two concurrent ticks: one runner', async (t) => {
    const order = await promisedOrder(t, ctx);
    const breachId = await breachAndStart(ctx, order);
    const claimed = await Promise.all([repairs.tick(), repairs.tick(), repairs.tick()]);
    t.equal(claimed.reduce((a, b) => a + b, 0), 1, `claimed ${claimed.join(', ')}`);
    const saga = await sagaOf(ctx, breachId);
    t.equal(saga.status, 'completed', saga.last_error ?? '');
    assertOneLive(t, ctx, order.id, { oldSupplier: order.route.supplier, newShipmentId: saga.replacement_shipment_id! });
    const steps = await ctx.deps.db.selectFrom('repair_saga_steps').select(['name', 'attempts']).where('saga_id', '=', saga.id).execute();
    t.ok(steps.every((s) => s.attempts === 1), 'every step ran once');
  });

  t.test('the new instruction fails after the cancel: compensated backwards, repair_failed', async (t) => {
    const order = await promisedOrder(t, ctx);
    const breachId = await breachAndStart(ctx, order);
    // Run up to the reservation, then switch the new supplier off before the send: the relay fails
    // the instruction permanently, so the saga must undo the reservation and end without a live route.
    crash.after = 'reserve_route';
    await t.rejects(repairs.tick(), /simulated crash/);
    delete crash.after;
    const reserved = await sagaOf(ctx, breachId);
    const replacement = await ctx.deps.db.selectFrom('shipments').select('supplier_id').where('id', '=', reserved.replacement_shipment_id!).executeTakeFirstOrThrow();
    const newSupplier = replacement.supplier_id;
    await ctx.deps.db.updateTable('suppliers').set({ is_active: false }).where('id', '=', newSupplier).execute();
    ctx.app.services.network.invalidate('sel_demo');
    t.teardown(async () => {
      await ctx.deps.db.updateTable('suppliers').set({ is_active: true }).where('id', '=', newSupplier).execute();
      ctx.app.services.network.invalidate('sel_demo');
    });

    await expireLeases(ctx);
    await repairs.tick();
    const saga = await sagaOf(ctx, breachId);
    t.equal(saga.status, 'compensated', saga.last_error ?? '');
    t.match(saga.last_error, /send_instruction: the new supplier refused the instruction/);
    t.equal((await breachStatus(ctx, breachId)).status, 'repair_failed');
    const steps = await ctx.deps.db.selectFrom('repair_saga_steps').select(['name', 'status']).where('saga_id', '=', saga.id).orderBy('seq').execute();
    t.same(steps.map((s) => s.status), ['done', 'irreversible', 'compensated', 'failed', 'pending']);

    const received = ctx.sandbox.instructions({ orderId: order.id });
    t.equal(received.filter((r) => r.status === 'received').length, 0, 'no live instruction: the breach is compensated instead');
    t.equal(received.length, 1, 'the replacement never reached a supplier');
    const view = (await ctx.request({ method: 'GET', url: `/v1/orders/${order.id}` })).json();
    t.same(view.shipments.map((s: any) => s.id), [order.shipments[0]!.id], 'the order shows its original, cancelled route');
    t.equal(view.instruction.status, 'cancelled');
  });

  t.test('the progress route: unknown order 404, unknown query parameter 400, no key 401', async (t) => {
    t.equal((await ctx.request({ method: 'GET', url: '/v1/orders/ord_nope/repairs' })).statusCode, 404);
    const bad = await ctx.request({ method: 'GET', url: '/v1/orders/ord_nope/repairs?status=running' });
    t.equal(bad.statusCode, 400);
    t.match(bad.json(), { code: 'VALIDATION_FAILED', errors: [{ field: /status/ }] });
    t.equal((await ctx.request({ method: 'GET', url: '/v1/orders/ord_nope/repairs', key: null })).statusCode, 401);
  });
});
