import t from 'tap';
import { verifyLedger } from '../../src/ledger/ledger-verify.js';
import type { MilestoneInput, MilestoneType } from '../../src/ledger/milestones.js';
import { recordShipmentMilestones } from '../../src/milestones/record.js';
import { createInstructionRelay } from '../../src/orders/instruction-relay.js';
import { createEventSink } from '../../src/webhooks/outbound/event-sink.js';
import { afterLock, CHAIN_LOCK, statementLog } from '../ledger/statement-log.js';
import { build, orderBody } from '../helper.js';
import { placedShipment } from './helpers.js';

const silent = { warn() {}, error() {} };
const HELD_FOR = [/^select "seq", "hash" from "milestones"/, /^insert into "milestones"/];

t.test('recording milestones holds the global chain lock for its own statements only', async (t) => {
  let crashes = 1;
  const ctx = await build(t, {
    faults: {
      beforeRecordInstruction: () => {
        if (crashes-- > 0) throw new Error('simulated crash before recording');
      },
    },
  });
  const { db } = ctx.deps;
  const sellerId = (await ctx.app.services.sellers.authenticate(ctx.apiKey))!.sellerId;
  const subscribed = await ctx.request({ method: 'POST', url: '/v1/webhook-endpoints', payload: { url: 'https://example.com/hooks', events: ['instruction.sent', 'breach.detected'] } });
  t.equal(subscribed.statusCode, 201, subscribed.body);
  const milestonesOf = (shipmentId: string) => db.selectFrom('milestones').select(['id', 'seq', 'type', 'source_event_id']).where('shipment_id', '=', shipmentId).orderBy('seq').execute();
  const at = (minutes: number) => new Date(Date.now() + minutes * 60_000);
  const scan = (s: { id: string; order_id: string }, type: MilestoneType, eventId: string, occurredAt = new Date()): MilestoneInput => ({
    sellerId,
    orderId: s.order_id,
    shipmentId: s.id,
    type,
    occurredAt,
    source: 'easypost',
    sourceEventId: eventId,
    details: {},
  });

  t.test('the relay emits and updates first; the lock is taken once, last, for the head read and one insert', async (t) => {
    const order = (await ctx.placeOrder(orderBody())).json();
    t.equal(order.instruction.status, 'pending', 'the first attempt crashed before recording');
    const shipment = await db.selectFrom('shipments').selectAll().where('order_id', '=', order.id).executeTakeFirstOrThrow();
    const log = statementLog(db);
    const relay = createInstructionRelay({ db: log.db, clock: ctx.deps.clock, adapters: ctx.deps.adapters, network: ctx.app.services.network, metrics: ctx.deps.metrics, log: silent, events: createEventSink({ clock: ctx.deps.clock }) });
    await relay.dispatch([shipment.id]);

    const recorded = await milestonesOf(shipment.id);
    t.ok(recorded.length >= 1);
    t.same(recorded.map((m) => m.type), ['instruction_sent', 'supplier_accepted'].slice(0, recorded.length), 'chained in order');
    t.same(recorded.map((m) => m.seq), recorded.map((_, i) => recorded[0]!.seq + i), 'consecutive');
    t.equal(log.statements.filter((s) => CHAIN_LOCK.test(s)).length, 1, 'one lock for both milestones');
    const held = afterLock(log.statements, CHAIN_LOCK)!;
    t.equal(held.length, HELD_FOR.length, `held for:\n${held.join('\n')}`);
    held.forEach((s, i) => t.match(s, HELD_FOR[i]!));
    const beforeLock = log.statements.slice(0, log.statements.length - held.length);
    t.ok(beforeLock.some((s) => s.startsWith('insert into "webhook_events"')), 'instruction.sent emitted before the lock');
    t.ok(beforeLock.some((s) => /^\s*insert into "?promise_timers/.test(s)), 'timers armed before the lock');
    t.equal((await db.selectFrom('promise_timers').select('id').where('shipment_id', '=', shipment.id).where('status', '=', 'pending').execute()).length > 0, true);
  });

  t.test('a duplicate changes nothing and takes no chain lock', async (t) => {
    const { shipment } = await placedShipment(ctx);
    const batch = [scan(shipment, 'handed_over', 'dup-1', at(-30)), scan(shipment, 'in_transit', 'dup-2', at(-20))];
    const first = await db.transaction().execute((trx) => recordShipmentMilestones(trx, batch));
    t.same(first.map((o) => o.isDuplicate), [false, false]);
    const snapshot = async () => ({
      milestones: await milestonesOf(shipment.id),
      shipment: await db.selectFrom('shipments').select(['fulfillment_state', 'fulfillment_rank', 'fulfillment_state_at']).where('id', '=', shipment.id).executeTakeFirstOrThrow(),
      timers: await db.selectFrom('promise_timers').select(['kind', 'status', 'due_at']).where('shipment_id', '=', shipment.id).orderBy('kind').execute(),
      events: (await db.selectFrom('webhook_events').select('id').execute()).length,
    });
    const before = await snapshot();
    const log = statementLog(db);
    // The same events again, one repeated inside the batch, arriving later than the first time.
    const again = await log.db.transaction().execute((trx) => recordShipmentMilestones(trx, [{ ...batch[1]!, occurredAt: at(0) }, { ...batch[0]!, occurredAt: at(0) }, batch[1]!]));
    t.same(again.map((o) => o.milestoneId), [first[1]!.milestoneId, first[0]!.milestoneId, first[1]!.milestoneId]);
    t.ok(again.every((o) => o.isDuplicate && o.effect === undefined));
    t.same(log.statements.filter((s) => CHAIN_LOCK.test(s)), []);
    t.same(log.statements.filter((s) => !s.startsWith('select')), [], 'nothing written');
    t.same(await snapshot(), before);
  });

  t.test('a delivery is chained before detection reads the log: the kept outcome sees it', async (t) => {
    const { shipment } = await placedShipment(ctx);
    const deliveredAt = at(-1);
    const log = statementLog(db);
    const [outcome] = await log.db.transaction().execute((trx) => recordShipmentMilestones(trx, [scan(shipment, 'delivered', 'dlv-1', deliveredAt)]));
    t.equal(outcome!.effect, 'advanced');
    const kept = await db.selectFrom('promise_outcomes').select(['outcome', 'delivered_at']).where('shipment_id', '=', shipment.id).executeTakeFirstOrThrow();
    t.equal(kept.outcome, 'kept');
    t.equal(kept.delivered_at?.getTime(), deliveredAt.getTime());
    const lockAt = log.statements.findIndex((s) => CHAIN_LOCK.test(s));
    const outcomeAt = log.statements.findIndex((s) => s.startsWith('insert into "promise_outcomes"'));
    t.ok(lockAt >= 0 && lockAt < outcomeAt, 'chained before the outcome was written');
  });

  t.test('concurrent recorders of different shipments form one gapless chain', async (t) => {
    const shipments = [(await placedShipment(ctx)).shipment, (await placedShipment(ctx)).shipment];
    const types: MilestoneType[] = ['handed_over', 'in_transit', 'in_transit', 'out_for_delivery'];
    await Promise.all(
      shipments.flatMap((s) =>
        [0, 1].map((round) =>
          db.transaction().execute((trx) => recordShipmentMilestones(trx, types.slice(round * 2, round * 2 + 2).map((type, i) => scan(s, type, `conc-${round}-${i}`, at(round * 10 + i))))),
        ),
      ),
    );
    for (const s of shipments) {
      const events = (await milestonesOf(s.id)).filter((m) => m.source_event_id.startsWith('conc-'));
      t.same(events.map((m) => m.source_event_id).sort(), ['conc-0-0', 'conc-0-1', 'conc-1-0', 'conc-1-1']);
      const byRound = (r: number) => events.filter((m) => m.source_event_id.startsWith(`conc-${r}-`)).map((m) => m.seq);
      for (const r of [0, 1]) t.equal(byRound(r)[1]! - byRound(r)[0]!, 1, 'a batch is contiguous');
    }
    const report = await verifyLedger(db);
    t.equal(report.isIntact, true, JSON.stringify(report.firstDivergence));
  });
});
