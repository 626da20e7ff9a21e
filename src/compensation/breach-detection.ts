import { sql, type Kysely, type Transaction } from 'kysely';
import type { BreachCause, Database, OutcomeCause, TimerKind } from '../db/database.js';
import type { MilestoneInput } from '../ledger/milestones.js';
import type { Clock } from '../lib/clock.js';
import { newSortableId } from '../lib/ids.js';
import type { EventSink } from '../webhooks/outbound/event-sink.js';
import { releaseExposureIn } from './compensation-ledger.js';
import { type BreachKind, type CompensationRulesInput, isOnTime, rulesOf, timerDueAt } from './compensation-policy.js';

// Breach detection inside the transaction that records a milestone or fires a timer: the breach, its
// evidence, the timers and the `breach.detected` event commit together with what caused them, or not at all.

const CARRIER_SOURCES = ['easypost', 'shippo', 'shipengine', 'poll'] as const;
const HANDED_OVER_RANK = 30;

export type DetectionDeps = { events?: EventSink; clock: Clock };

/** Everything about one shipment's promise the detector and the settler need, in one read. */
export async function loadPromise(trx: Kysely<Database>, shipmentId: string) {
  const row = await trx
    .selectFrom('shipments as s')
    .innerJoin('orders as o', 'o.id', 's.order_id')
    .leftJoin('warehouses as w', 'w.id', 's.warehouse_id')
    .leftJoin('promise_policies as p', (j) => j.onRef('p.seller_id', '=', 'o.seller_id').onRef('p.version', '=', 'o.policy_version'))
    .select([
      's.id as shipment_id',
      's.seller_id',
      's.order_id',
      's.supplier_id',
      's.warehouse_id',
      's.carrier_account_id',
      's.carrier',
      's.service',
      's.lines as shipment_lines',
      's.handover_by',
      's.fulfillment_rank',
      'o.external_id',
      'o.status as order_status',
      'o.currency',
      'o.deliver_by',
      'o.ship_to',
      'o.lines as order_lines',
      'o.policy_version',
      'w.region as origin_region',
      'p.compensation_rules',
    ])
    .where('s.id', '=', shipmentId)
    .executeTakeFirst();
  if (!row || !row.deliver_by) return null;
  return { ...row, deliver_by: row.deliver_by, rules: rulesOf(row.compensation_rules as CompensationRulesInput | null) };
}
export type PromiseContext = NonNullable<Awaited<ReturnType<typeof loadPromise>>>;

/** Arms (or moves) the shipment's one pending timer of a kind. `later`: never move it earlier (an old scan arriving late). */
export async function armTimer(trx: Kysely<Database>, ctx: PromiseContext, kind: TimerKind, dueAt: Date, later = false) {
  await sql`
    insert into promise_timers (id, seller_id, order_id, shipment_id, kind, due_at, status)
    values (${newSortableId('tmr', dueAt.getTime())}, ${ctx.seller_id}, ${ctx.order_id}, ${ctx.shipment_id}, ${kind}, ${dueAt}, 'pending')
    on conflict (shipment_id, kind) where status = 'pending'
    do update set due_at = ${later ? sql`greatest(promise_timers.due_at, excluded.due_at)` : sql`excluded.due_at`}, locked_until = null`.execute(trx);
}

export async function cancelTimers(trx: Kysely<Database>, shipmentId: string, kinds: readonly TimerKind[]) {
  if (kinds.length === 0) return;
  await trx.updateTable('promise_timers').set({ status: 'cancelled' }).where('shipment_id', '=', shipmentId).where('status', '=', 'pending').where('kind', 'in', kinds).execute();
}

const ALL_TIMERS: TimerKind[] = ['acceptance', 'handover', 'delivery', 'silence'];

export type DetectInput = {
  kind: BreachKind;
  trigger: string;
  cause: BreachCause;
  partnerId: string | null;
  milestoneIds: string[];
  timerId?: string;
  notes: string[];
  /** Not compensated before this (a missed handover waits for deliver_by + grace). */
  processAfter?: Date | null;
};

/** Inserts the breach unless this shipment already has one of this kind (a second detection is the same breach). */
export async function detectBreach(trx: Kysely<Database>, deps: DetectionDeps, ctx: PromiseContext, input: DetectInput, now: Date): Promise<string | null> {
  const id = newSortableId('brc', now.getTime());
  const inserted = await trx
    .insertInto('breaches')
    .values({
      id,
      seller_id: ctx.seller_id,
      order_id: ctx.order_id,
      shipment_id: ctx.shipment_id,
      kind: input.kind,
      trigger: input.trigger,
      cause: input.cause,
      partner_id: input.partnerId,
      evidence: JSON.stringify({ milestone_ids: input.milestoneIds, ...(input.timerId ? { timer_id: input.timerId } : {}), notes: input.notes }),
      status: 'detected',
      detected_at: now,
      process_after: input.processAfter ?? null,
    })
    .onConflict((oc) => oc.columns(['shipment_id', 'kind']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return null;
  await deps.events?.emit(trx, ctx.seller_id, {
    type: 'breach.detected',
    data: { order_id: ctx.order_id, shipment_id: ctx.shipment_id, breach_id: id, kind: input.kind, cause: input.cause, trigger: input.trigger, milestone_ids: input.milestoneIds },
  });
  return id;
}

const milestoneIdsOf = async (trx: Kysely<Database>, shipmentId: string, types?: readonly string[]) => {
  let q = trx.selectFrom('milestones').select('id').where('shipment_id', '=', shipmentId);
  if (types) q = q.where('type', 'in', types as any);
  return (await q.orderBy('seq').execute()).map((r) => r.id);
};

const firstAt = async (trx: Kysely<Database>, shipmentId: string, types: readonly string[]) =>
  (
    await trx
      .selectFrom('milestones')
      .select(sql<Date | null>`min(occurred_at)`.as('at'))
      .where('shipment_id', '=', shipmentId)
      .where('type', 'in', types as any)
      .executeTakeFirst()
  )?.at ?? null;

/** One outcome row per shipment, written once; the learning model's event log (migration 0007). */
export async function writeOutcome(
  trx: Kysely<Database>,
  ctx: PromiseContext,
  o: { outcome: 'kept' | 'broken'; breachKind: BreachKind | null; cause: BreachCause | null; compensationMinor: number; now: Date },
) {
  const handedOverAt = await firstAt(trx, ctx.shipment_id, ['handed_over', 'in_transit', 'out_for_delivery', 'delivered']);
  const deliveredAt = await firstAt(trx, ctx.shipment_id, ['delivered']);
  // What the supplier and the carrier promised themselves: the model judges each against its own quote
  // (success-model componentKeys), not against the slack the engine added. Null on pre-0014 shipments.
  const quoted = await trx.selectFrom('shipments').select(['handover_eta', 'estimated_delivery']).where('id', '=', ctx.shipment_id).executeTakeFirst();
  // The outcome's vocabulary has no 'platform': a platform-side cause is nobody in the route.
  const cause: OutcomeCause | null = o.cause === 'platform' ? 'customer' : o.cause;
  const shipTo = ctx.ship_to as { region?: string | null } | null;
  await trx
    .insertInto('promise_outcomes')
    .values({
      id: newSortableId('out', o.now.getTime()),
      seller_id: ctx.seller_id,
      order_id: ctx.order_id,
      shipment_id: ctx.shipment_id,
      outcome: o.outcome,
      breach_kind: o.breachKind,
      cause,
      supplier_id: ctx.supplier_id,
      warehouse_id: ctx.warehouse_id,
      carrier_account_id: ctx.carrier_account_id,
      carrier: ctx.carrier,
      service: ctx.service,
      origin_region: ctx.origin_region ?? null,
      destination_region: shipTo?.region ?? null,
      deliver_by: ctx.deliver_by,
      handover_by: ctx.handover_by,
      handed_over_at: handedOverAt,
      delivered_at: deliveredAt,
      handover_eta: quoted?.handover_eta ?? null,
      estimated_delivery: quoted?.estimated_delivery ?? null,
      currency: ctx.currency,
      compensation_minor: o.compensationMinor,
      settled_at: o.now,
    })
    .onConflict((oc) => oc.column('shipment_id').doNothing())
    .execute();
}

/** A shipment kept its promise: the outcome, and the order's exposure voided once every shipment is kept. */
async function keep(trx: Transaction<Database>, ctx: PromiseContext, now: Date) {
  await writeOutcome(trx, ctx, { outcome: 'kept', breachKind: null, cause: null, compensationMinor: 0, now });
  const open = await trx
    .selectFrom('shipments as s')
    .leftJoin('promise_outcomes as po', 'po.shipment_id', 's.id')
    .select('s.id')
    .where('s.order_id', '=', ctx.order_id)
    // A shipment the repair saga replaced no longer carries the promise; its replacement does.
    .where('s.superseded_at', 'is', null)
    .where((eb) => eb.or([eb('po.outcome', 'is', null), eb('po.outcome', '<>', 'kept')]))
    .execute();
  if (open.length === 0) await releaseExposureIn(trx, { sellerId: ctx.seller_id, orderId: ctx.order_id, currency: ctx.currency, now });
}

/**
 * Called by recordShipmentMilestone for every newly recorded milestone, in its transaction: arms and
 * cancels the shipment's timers, detects the breaches a milestone proves, settles a kept promise.
 */
export async function onMilestoneRecorded(
  trx: Transaction<Database>,
  deps: DetectionDeps,
  input: MilestoneInput,
  recorded: { milestoneId: string; isTerminalAlready: boolean },
): Promise<void> {
  // After delivered/returned/cancelled nothing changes the promise any more.
  if (recorded.isTerminalAlready) return;
  const ctx = await loadPromise(trx, input.shipmentId);
  if (!ctx || ctx.order_status === 'declined') return;
  const now = deps.clock.now();
  const at = input.occurredAt;
  const isCarrierScan = (CARRIER_SOURCES as readonly string[]).includes(input.source);
  const silence = () => armTimer(trx, ctx, 'silence', timerDueAt('silence', ctx.rules, { sentAt: at, handoverBy: null, deliverBy: ctx.deliver_by, lastScanAt: at })!, true);
  const evidence = async (types?: readonly string[]) => [...new Set([...(await milestoneIdsOf(trx, ctx.shipment_id, types)), recorded.milestoneId])];

  switch (input.type) {
    case 'instruction_sent': {
      if (ctx.order_status !== 'promised') return;
      const when = { sentAt: at, handoverBy: ctx.handover_by, deliverBy: ctx.deliver_by };
      for (const kind of ['acceptance', 'handover', 'delivery'] as const) {
        const due = timerDueAt(kind, ctx.rules, when);
        if (due) await armTimer(trx, ctx, kind, due);
      }
      return;
    }
    case 'supplier_accepted':
      return cancelTimers(trx, ctx.shipment_id, ['acceptance']);
    case 'supplier_refused':
      await cancelTimers(trx, ctx.shipment_id, ['acceptance', 'handover']);
      await detectBreach(trx, deps, ctx, { kind: 'refused', trigger: 'supplier_refused', cause: 'supplier', partnerId: ctx.supplier_id, milestoneIds: [recorded.milestoneId], notes: ['the supplier refused the drop-ship instruction'] }, now);
      return;
    case 'handed_over':
    case 'in_transit':
    case 'out_for_delivery':
      await cancelTimers(trx, ctx.shipment_id, ['acceptance', 'handover']);
      if (input.type === 'handed_over' || isCarrierScan) await silence();
      return;
    case 'exception':
      // An exception is not a breach by itself; silence after it is (the silence timer says lost).
      if (isCarrierScan) await silence();
      return;
    case 'delivered': {
      await cancelTimers(trx, ctx.shipment_id, ALL_TIMERS);
      if (isOnTime(at, ctx.deliver_by, ctx.rules)) {
        // A missed handover that still made it in time was no breach after all.
        await trx
          .updateTable('breaches')
          .set({ status: 'closed', resolved_at: now, locked_until: null })
          .where('shipment_id', '=', ctx.shipment_id)
          .where('kind', '=', 'late')
          .where('status', '=', 'detected')
          .execute();
        const open = await trx.selectFrom('breaches').select('id').where('shipment_id', '=', ctx.shipment_id).where('status', 'not in', ['closed', 'repaired', 'rejected']).executeTakeFirst();
        if (!open && ctx.order_status === 'promised') await keep(trx, ctx, now);
        return;
      }
      const handedOverAt = await firstAt(trx, ctx.shipment_id, ['handed_over', 'in_transit', 'out_for_delivery']);
      const supplierLate = ctx.handover_by !== null && (handedOverAt === null || handedOverAt.getTime() > ctx.handover_by.getTime());
      await detectBreach(
        trx,
        deps,
        ctx,
        {
          kind: 'late',
          trigger: 'delivered_late',
          cause: supplierLate ? 'supplier' : 'carrier',
          partnerId: supplierLate ? ctx.supplier_id : ctx.carrier_account_id,
          milestoneIds: await evidence(['handed_over', 'delivered']),
          notes: [`delivered ${at.toISOString()} after deliver_by ${ctx.deliver_by.toISOString()} plus ${ctx.rules.grace_hours} h grace`, supplierLate ? 'handed over after the cut-off' : 'handed over by the cut-off'],
        },
        now,
      );
      return;
    }
    case 'returned':
      // Returned to sender: the customer never gets the goods, so it is owed like a loss. The carrier is
      // named as cause; its chargeback terms (0 % by default) decide whether it pays anything back.
      await cancelTimers(trx, ctx.shipment_id, ALL_TIMERS);
      await detectBreach(trx, deps, ctx, { kind: 'lost', trigger: 'returned', cause: 'carrier', partnerId: ctx.carrier_account_id, milestoneIds: await evidence(['exception', 'returned']), notes: ['returned to sender'] }, now);
      return;
    case 'cancelled':
      await cancelTimers(trx, ctx.shipment_id, ALL_TIMERS);
      // Pledge records the cancellations the customer, platform or seller asked for: not a broken promise.
      if (input.source === 'pledge') return;
      await detectBreach(
        trx,
        deps,
        ctx,
        {
          kind: 'cancelled',
          trigger: 'partner_cancelled',
          cause: input.source === 'supplier' ? 'supplier' : 'carrier',
          partnerId: input.source === 'supplier' ? ctx.supplier_id : ctx.carrier_account_id,
          milestoneIds: [recorded.milestoneId],
          notes: [`cancelled by ${input.source}`],
        },
        now,
      );
      return;
  }
}

/** What a due timer detects, or null when the promise no longer needs it (the timer is then cancelled). */
export function timerBreach(kind: TimerKind, ctx: PromiseContext): Omit<DetectInput, 'milestoneIds' | 'timerId'> | null {
  if (ctx.order_status !== 'promised') return null;
  const handedOver = ctx.fulfillment_rank >= HANDED_OVER_RANK;
  switch (kind) {
    case 'acceptance':
      return ctx.fulfillment_rank >= 20 ? null : { kind: 'refused', trigger: 'acceptance_timer', cause: 'supplier', partnerId: ctx.supplier_id, notes: [`not accepted within ${ctx.rules.acceptance_hours} h of the instruction`] };
    case 'handover':
      return handedOver
        ? null
        : {
            kind: 'late',
            trigger: 'handover_timer',
            cause: 'supplier',
            partnerId: ctx.supplier_id,
            notes: [`not handed over by the cut-off ${ctx.handover_by?.toISOString()} plus ${ctx.rules.handover_slack_hours} h`],
            processAfter: new Date(ctx.deliver_by.getTime() + ctx.rules.grace_hours * 3_600_000),
          };
    case 'delivery':
      return {
        kind: 'late',
        trigger: 'delivery_timer',
        cause: handedOver ? 'carrier' : 'supplier',
        partnerId: handedOver ? ctx.carrier_account_id : ctx.supplier_id,
        notes: [`not delivered by deliver_by ${ctx.deliver_by.toISOString()} plus ${ctx.rules.grace_hours} h grace`],
      };
    case 'silence':
      return { kind: 'lost', trigger: 'silence_timer', cause: 'carrier', partnerId: ctx.carrier_account_id, notes: [`no carrier scan for ${ctx.rules.silence_days} days`] };
  }
}

/** Milestones a fired timer cites: what was known when it fired. */
export const timerEvidence = (trx: Kysely<Database>, shipmentId: string) => milestoneIdsOf(trx, shipmentId);
