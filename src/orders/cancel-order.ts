import type { Kysely } from 'kysely';
import { releaseExposureIn } from '../compensation/compensation-ledger.js';
import type { CancelOutcome, Database, ShipmentRow } from '../db/database.js';
import { AppError, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { recordShipmentMilestone } from '../milestones/record.js';
import type { NetworkService } from '../network/network-service.js';
import type { SupplierProtocol } from '../suppliers/contract.js';
import { UpstreamError } from '../upstream/contract.js';
import type { EventSink } from '../webhooks/outbound/event-sink.js';
import type { PartnerAdapters } from './partner-adapters.js';
import { enqueueLabelVoid } from './label-void.js';
import { closeUnsentInstruction } from './unsent-instruction.js';
import { detectBreach, loadPromise } from '../compensation/breach-detection.js';

const CALL_TIMEOUT_MS = 10_000;

export type OrderCancellationDeps = {
  db: Kysely<Database>;
  clock: Clock;
  adapters: Pick<PartnerAdapters, 'suppliers'>;
  network: Pick<NetworkService, 'connections'>;
  log: { warn(obj: object, msg: string): void };
  /** Seller webhooks: order.cancelled, recorded in the cancelling transaction. */
  events?: EventSink;
};

/** Who carried the cancellation out: the seller through the API, or its platform through a webhook. */
export type CancelledBy = 'seller' | 'platform' | 'customer';
/**
 * Whose decision it was. The customer's (or unknown): the promise is withdrawn, not broken, and the
 * exposure is released. The seller's (it cannot or will not fulfil): a broken promise, a `cancelled`
 * breach owed per the policy's cancelled rule, with no partner to charge back.
 */
export type CancelInitiator = 'customer' | 'seller' | 'unknown';

/**
 * Cancels a promised order: the order is marked cancelled at once, then each shipment's instruction
 * is settled. Not yet sent: its outbox row is closed so the relay never sends it. Sent: the supplier
 * is asked to cancel (`too_late` once the parcel is handed over). Being sent right now (the relay
 * holds its lease): `reconcile` settles it once the relay has recorded the outcome.
 */
export function createOrderCancellations(deps: OrderCancellationDeps) {
  const { db, clock } = deps;

  async function settle(s: ShipmentRow): Promise<CancelOutcome | null> {
    const now = clock.now();
    if (s.instruction_status === 'failed') return record(s.id, 'not_sent', {});
    if (s.instruction_status === 'pending') {
      const closed = await db.transaction().execute((trx) => closeUnsentInstruction(trx, s.id, now, 'order cancelled before the instruction was sent'));
      return closed ? 'not_sent' : null;
    }
    if (s.instruction_status !== 'sent' || !s.supplier_order_ref) return null;

    const supplier = (await deps.network.connections(s.seller_id, now.getTime())).suppliers.get(s.supplier_id);
    if (!supplier) return record(s.id, 'refused', { instruction_error: 'cancel not sent: the supplier is no longer configured' });
    try {
      const adapter = deps.adapters.suppliers[supplier.row.protocol as SupplierProtocol];
      const result = await adapter.cancel(supplier.connection, s.supplier_order_ref, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
      return result.status === 'cancelled'
        ? record(s.id, 'cancelled', { instruction_status: 'cancelled' })
        : record(s.id, 'too_late', { instruction_error: 'cancel refused by the supplier: already handed over to the carrier' });
    } catch (err) {
      if (err instanceof UpstreamError && err.failure === 'rejected') return record(s.id, 'refused', { instruction_error: `cancel refused by the supplier: ${err.message}` });
      deps.log.warn({ shipmentId: s.id, err: (err as Error).message }, 'supplier cancel failed; will retry');
      return null;
    }
  }

  async function record(shipmentId: string, outcome: CancelOutcome, extra: { instruction_status?: 'cancelled'; instruction_error?: string }): Promise<CancelOutcome> {
    await db.transaction().execute(async (trx) => {
      const settled = await trx
        .updateTable('shipments')
        .set({ cancel_outcome: outcome, ...extra })
        .where('id', '=', shipmentId)
        .where('cancel_outcome', 'is', null)
        .returning(['id', 'seller_id'])
        .executeTakeFirst();
      // Stopped at the supplier (or never sent): its label will not travel. too_late / refused: it may.
      if (settled && (outcome === 'cancelled' || outcome === 'not_sent')) await enqueueLabelVoid(trx, settled, `order cancelled (${outcome})`, clock.now());
    });
    return outcome;
  }

  async function unsettled(where: { orderId?: string }, limit: number) {
    let q = db
      .selectFrom('shipments')
      .innerJoin('orders', 'orders.id', 'shipments.order_id')
      .selectAll('shipments')
      .where('orders.status', '=', 'cancelled')
      .where('shipments.cancel_outcome', 'is', null);
    if (where.orderId) q = q.where('orders.id', '=', where.orderId);
    return q.orderBy('shipments.id').limit(limit).execute();
  }

  return {
    /**
     * Cancels a promised order and whatever of its instructions can still be stopped. Idempotent: a
     * cancelled order stays cancelled with its first reason.
     * @throws NOT_FOUND, CONFLICT (a declined order has nothing to cancel)
     */
    async cancel(sellerId: string, orderId: string, reason: string, by: CancelledBy = 'seller', initiatedBy: CancelInitiator = 'customer'): Promise<void> {
      const now = clock.now();
      // One transaction: the status, a `cancelled` milestone per shipment (which cancels its breach
      // timers), the exposure released (a cancellation is neither kept nor broken: no outcome row),
      // and the order.cancelled event.
      const updated = await db.transaction().execute(async (trx) => {
        const order = await trx
          .updateTable('orders')
          .set({ status: 'cancelled', cancelled_at: now, cancel_reason: reason })
          .where('id', '=', orderId)
          .where('seller_id', '=', sellerId)
          .where('status', '=', 'promised')
          .returning(['id', 'external_id', 'currency'])
          .executeTakeFirst();
        if (!order) return undefined;
        const shipments = await trx.selectFrom('shipments').select('id').where('order_id', '=', orderId).where('superseded_at', 'is', null).orderBy('id').execute();
        const milestoneIds: string[] = [];
        for (const s of shipments) {
          const recorded = await recordShipmentMilestone(trx, {
            sellerId,
            orderId,
            shipmentId: s.id,
            type: 'cancelled',
            occurredAt: now,
            source: 'pledge',
            sourceEventId: `cancel:${s.id}`,
            details: { reason, cancelled_by: by, initiated_by: initiatedBy },
          });
          milestoneIds.push(recorded.milestoneId);
        }
        const first = shipments[0] ? await loadPromise(trx, shipments[0].id) : null;
        if (initiatedBy === 'seller' && first) {
          // One breach for the order (on its first shipment), so a split order is not owed twice; the
          // breach worker settles the exposure when it posts the compensation.
          await detectBreach(
            trx,
            { clock, ...(deps.events ? { events: deps.events } : {}) },
            first,
            { kind: 'cancelled', trigger: 'seller_cancelled', cause: 'seller', partnerId: null, milestoneIds, notes: [`cancelled by the seller: ${reason}`] },
            now,
          );
        } else {
          await releaseExposureIn(trx, { sellerId, orderId, currency: order.currency, now, memo: `order cancelled (${by}, initiated by ${initiatedBy}): exposure voided` });
        }
        await deps.events?.emit(trx, sellerId, { type: 'order.cancelled', data: { order_id: orderId, external_id: order.external_id, reason, cancelled_by: by, initiated_by: initiatedBy } });
        return order;
      });
      if (!updated) {
        const order = await db.selectFrom('orders').select('status').where('id', '=', orderId).where('seller_id', '=', sellerId).executeTakeFirst();
        if (!order) throw notFound('order');
        if (order.status === 'declined') throw new AppError('CONFLICT', 'This order was declined: there is nothing to cancel');
      }
      await Promise.all((await unsettled({ orderId }, 100)).map(settle));
    },

    /** Settles shipments of cancelled orders left unsettled (in flight at cancel time, supplier unreachable). */
    async reconcile(limit = 20): Promise<number> {
      const rows = await unsettled({}, limit);
      const outcomes = await Promise.all(rows.map(settle));
      return outcomes.filter((o) => o !== null).length;
    },
  };
}
export type OrderCancellations = ReturnType<typeof createOrderCancellations>;
