import type { Kysely, Transaction } from 'kysely';
import type { Database, ShipmentRow } from '../../db/database.js';
import { addressFromShipTo, type ShipToWire } from '../../lib/address.js';
import type { Clock } from '../../lib/clock.js';
import type { NetworkService } from '../../network/network-service.js';
import type { InstructionRelay } from '../../orders/instruction-relay.js';
import type { PartnerAdapters } from '../../orders/partner-adapters.js';
import { closeUnsentInstruction } from '../../orders/unsent-instruction.js';
import { enqueueLabelVoid } from '../../orders/label-void.js';
import { buildEngineInput } from '../../orders/engine-input.js';
import type { LearningSettings } from '../../learning/learning-service.js';
import type { createQuoteGatherer } from '../../orders/quote-gatherer.js';
import { decide } from '../../promise-engine/index.js';
import type { DropshipInstruction, SupplierProtocol } from '../../suppliers/contract.js';
import { UpstreamError } from '../../upstream/contract.js';
import { cancelPlan, chosenRoute, exclusionsFor, withoutExcluded, type RepairRoute, type RouteExclusions } from './repair-quote.js';
import { StepFailed, StepWait, type SagaStep } from './runner.js';

const CALL_TIMEOUT_MS = 10_000;

export type RepairStepDeps = {
  db: Kysely<Database>;
  clock: Clock;
  network: Pick<NetworkService, 'forOrder' | 'connections'>;
  gather: ReturnType<typeof createQuoteGatherer>;
  adapters: Pick<PartnerAdapters, 'suppliers'>;
  relay: Pick<InstructionRelay, 'dispatch'>;
  health: { isDegraded(partnerId: string): boolean };
  /** How long the re-quote waits for partner answers (a background repair can wait longer than an order). */
  quoteDeadlineMs: number;
  /** What the success model has learned: the re-quote weighs routes as a new order would. */
  learning?: LearningSettings;
};

export type RepairCtx = { deps: RepairStepDeps; saga: { id: string; seller_id: string; order_id: string; shipment_id: string; breach_id: string } };

export type RequoteOutput = { route: RepairRoute; excluded: RouteExclusions };
export type ReserveOutput = { shipment_id: string };
type ReserveUndo = { shipment_id: string; replaced_shipment_id: string };

export const REPAIR_STEP_NAMES = ['requote', 'cancel_original', 'reserve_route', 'send_instruction', 'finish'] as const;

/** Deterministic per saga: a re-run of the reserve step after a crash finds the same shipment. */
export const replacementShipmentId = (saga: RepairCtx['saga']) => `${saga.shipment_id}_r${saga.id.slice(-8)}`;


async function shipment(db: Kysely<Database> | Transaction<Database>, id: string): Promise<ShipmentRow> {
  return db.selectFrom('shipments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** (a) Re-quote the failing shipment's lines without its supplier, against the order's unchanged deliver_by. No side effects. */
const requote: SagaStep<RepairCtx> = {
  name: 'requote',
  async invoke({ deps, saga }) {
    const { db } = deps;
    const [order, failing, breach] = await Promise.all([
      db.selectFrom('orders').selectAll().where('id', '=', saga.order_id).executeTakeFirstOrThrow(),
      shipment(db, saga.shipment_id),
      db.selectFrom('breaches').select(['cause', 'partner_id']).where('id', '=', saga.breach_id).executeTakeFirstOrThrow(),
    ]);
    if (order.status !== 'promised' || !order.deliver_by) throw new StepFailed(`the order is ${order.status}: nothing to re-route`);
    const now = deps.clock.now();
    if (order.deliver_by.getTime() <= now.getTime()) throw new StepFailed('deliver_by has passed: no route can still meet it');
    const prices = new Map((order.lines as { sku: string; unit_price_minor: number }[]).map((l) => [l.sku, l.unit_price_minor]));
    const lines = (failing.lines as { sku: string; quantity: number }[]).map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceMinor: prices.get(l.sku) ?? 0 }));

    let network;
    try {
      network = await deps.network.forOrder(saga.seller_id, lines.map((l) => l.sku), now.getTime());
    } catch (err) {
      if ((err as { code?: string }).code === 'UNKNOWN_SKU') throw new StepFailed(`the catalog no longer offers these SKUs: ${(err as Error).message}`);
      throw err;
    }
    const excluded = exclusionsFor(failing, breach);
    const usable = withoutExcluded(network, excluded);
    const shipTo = addressFromShipTo(order.ship_to as ShipToWire);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error('re-quote deadline reached')), deps.quoteDeadlineMs);
    let quotes;
    try {
      quotes = await deps.gather({ orderId: order.id, lines, shipTo, network: usable, now, deadlineAt: performance.now() + deps.quoteDeadlineMs, signal: abort.signal });
    } finally {
      clearTimeout(timer);
      abort.abort(new Error('re-quote done'));
    }
    const degraded = new Set([...usable.suppliers.keys(), ...usable.warehouses.keys(), ...usable.carrierAccounts.keys()].filter((id) => deps.health.isDegraded(id)));
    const decision = decide(
      buildEngineInput({ network: usable, lines, currency: order.currency, quotes, now, deliverBy: order.deliver_by, destinationRegion: shipTo.region ?? null, degradedPartners: degraded, learning: deps.learning }),
    );
    // Nobody answered: an outage, not a verdict on the routes. Retried with backoff (then the saga fails).
    if (decision.outcome === 'decline' && decision.code === 'NO_QUOTES') throw new Error(`no partner answered the re-quote: ${decision.reasons.join('; ')}`);
    const outcome = chosenRoute(decision, quotes, excluded);
    if (!outcome.ok) throw new StepFailed(outcome.reason);
    const output: RequoteOutput = { route: outcome.route, excluded };
    return { output };
  },
};

/**
 * (b) Stop the first instruction: the new one is only reserved once this one is confirmed dead, so a
 * supplier never holds two live instructions for the same goods. `too_late`: the parcel has left, the
 * saga fails rather than ship twice. Irreversible: a cancelled supplier order cannot be un-cancelled.
 */
const cancelOriginal: SagaStep<RepairCtx> = {
  name: 'cancel_original',
  compensate: 'irreversible',
  async invoke({ deps, saga }) {
    const { db } = deps;
    const s = await shipment(db, saga.shipment_id);
    const plan = cancelPlan(s);
    const undo = { irreversible: 'a cancelled supplier order cannot be un-cancelled', shipment_id: s.id, supplier_order_ref: s.supplier_order_ref };
    switch (plan.kind) {
      case 'already_cancelled':
        return { output: { outcome: s.cancel_outcome ?? 'cancelled' }, undo };
      case 'unknown':
        throw new StepFailed(plan.reason);
      case 'nothing_live':
        // Refused when instructed: the supplier never took the order, nothing to cancel.
        return {
          output: { outcome: 'not_sent' },
          undo,
          commit: async (trx) => {
            await trx.updateTable('shipments').set({ cancel_outcome: 'not_sent' }).where('id', '=', s.id).where('cancel_outcome', 'is', null).execute();
            // The label was bought before the supplier refused: it will not travel.
            await enqueueLabelVoid(trx, s, 'repair: the supplier refused the instruction', deps.clock.now());
          },
        };
      case 'close_outbox': {
        const now = deps.clock.now();
        const closed = await db.transaction().execute((trx) => closeUnsentInstruction(trx, s.id, now, 'superseded by a repair before it was sent'));
        if (closed) return { output: { outcome: 'not_sent' }, undo };
        // The relay holds it (or just finished it): look again once it has recorded the outcome.
        throw new StepWait('the instruction is being sent by the relay', 2_000);
      }
      case 'supplier_cancel': {
        const supplier = (await deps.network.connections(s.seller_id, deps.clock.now().getTime())).suppliers.get(s.supplier_id);
        if (!supplier) throw new StepFailed(`supplier ${s.supplier_id} is no longer configured: the cancel cannot be confirmed`);
        let result: { status: 'cancelled' | 'too_late' };
        try {
          const adapter = deps.adapters.suppliers[supplier.row.protocol as SupplierProtocol];
          result = await adapter.cancel(supplier.connection, plan.supplierOrderRef, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
        } catch (err) {
          if (err instanceof UpstreamError && err.failure === 'rejected') throw new StepFailed(`the supplier refused the cancel: ${err.message}`);
          throw err; // transient: retried with backoff
        }
        if (result.status === 'too_late') {
          await db
            .updateTable('shipments')
            .set({ cancel_outcome: 'too_late', instruction_error: 'repair: cancel refused by the supplier, already handed over to the carrier' })
            .where('id', '=', s.id)
            .where('cancel_outcome', 'is', null)
            .execute();
          throw new StepFailed('the supplier answered too_late: the parcel has left, re-routing would ship twice');
        }
        return {
          output: { outcome: 'cancelled' },
          undo,
          commit: async (trx) => {
            await trx.updateTable('shipments').set({ instruction_status: 'cancelled', cancel_outcome: 'cancelled' }).where('id', '=', s.id).execute();
            await enqueueLabelVoid(trx, s, 'repair: re-routed, the original order cancelled at the supplier', deps.clock.now());
          },
        };
      }
    }
  },
};

/**
 * (c) The replacement shipment and its outbox row (the frozen instruction), the old shipment marked
 * superseded, in one transaction. Compensate: close the outbox row if it has not been sent.
 */
const reserveRoute: SagaStep<RepairCtx> = {
  name: 'reserve_route',
  async invoke({ deps, saga }, outputs) {
    const { route } = outputs.requote as RequoteOutput;
    const now = deps.clock.now();
    if (new Date(route.handover_by).getTime() <= now.getTime()) throw new StepFailed('the new route\'s pickup cut-off has passed since the re-quote');
    const id = replacementShipmentId(saga);
    const undo: ReserveUndo = { shipment_id: id, replaced_shipment_id: saga.shipment_id };
    const output: ReserveOutput = { shipment_id: id };
    return {
      output,
      undo,
      commit: async (trx) => {
        const order = await trx.selectFrom('orders').select(['status', 'ship_to']).where('id', '=', saga.order_id).forUpdate().executeTakeFirstOrThrow();
        if (order.status !== 'promised') throw new StepFailed(`the order is ${order.status}: nothing to re-route`);
        const old = await trx.selectFrom('shipments').select(['superseded_at']).where('id', '=', saga.shipment_id).forUpdate().executeTakeFirstOrThrow();
        if (old.superseded_at) throw new StepFailed('the shipment was already replaced');
        await trx
          .insertInto('shipments')
          .values({
            id,
            order_id: saga.order_id,
            seller_id: saga.seller_id,
            supplier_id: route.supplier_id,
            warehouse_id: route.warehouse_id,
            carrier_account_id: route.carrier_account_id,
            carrier: route.carrier,
            service: route.service,
            lines: JSON.stringify(route.lines),
            rate_ref: JSON.stringify({ source: route.rate_source, ref: route.rate_ref, service: route.service, carrier: route.carrier }),
            landed_cost_minor: route.landed_cost_minor,
            shipping_cost_minor: route.shipping_cost_minor,
            confidence: route.probability,
            estimated_delivery: route.estimated_delivery,
            handover_by: route.handover_by,
            handover_eta: route.handover_eta ?? null,
            instruction_status: 'pending',
            replaces_shipment_id: saga.shipment_id,
          })
          .execute();
        const instruction: Omit<DropshipInstruction, 'trackingNumber' | 'labelUrl' | 'handoverBy'> & { handoverBy: string } = {
          shipmentRef: id,
          orderRef: saga.order_id,
          warehouseRef: route.warehouse_id,
          items: route.lines.map((l) => ({ supplierSku: l.supplier_sku, quantity: l.quantity })),
          shipTo: addressFromShipTo(order.ship_to as ShipToWire),
          carrier: route.carrier,
          service: route.service,
          handoverBy: route.handover_by,
        };
        await trx
          .insertInto('outbox')
          .values({ seller_id: saga.seller_id, shipment_id: id, kind: 'dropship_instruction', payload: JSON.stringify(instruction), next_attempt_at: now })
          .execute();
        await trx.updateTable('shipments').set({ superseded_at: now }).where('id', '=', saga.shipment_id).execute();
        // The superseded shipment has no deadlines left: its pending breach timers would fire on a dead route.
        await trx.updateTable('promise_timers').set({ status: 'cancelled' }).where('shipment_id', '=', saga.shipment_id).where('status', '=', 'pending').execute();
        await trx.updateTable('repair_sagas').set({ replacement_shipment_id: id }).where('id', '=', saga.id).execute();
      },
    };
  },
  async compensate({ deps }, raw) {
    const undo = raw as ReserveUndo;
    const { db } = deps;
    const s = await shipment(db, undo.shipment_id);
    const now = deps.clock.now();
    // Abandoned: the replacement leaves the order's live view and the original (cancelled) comes back,
    // so the order shows what really happened to its goods.
    const abandon = async (trx: Transaction<Database>) => {
      await trx.updateTable('shipments').set({ superseded_at: now }).where('id', '=', s.id).execute();
      await trx.updateTable('shipments').set({ superseded_at: null }).where('id', '=', undo.replaced_shipment_id).execute();
    };
    if (s.superseded_at) return;
    if (s.instruction_status === 'pending') {
      const closed = await db.transaction().execute(async (trx) => {
        if (!(await closeUnsentInstruction(trx, s.id, now, 'repair abandoned before the instruction was sent'))) return false;
        await abandon(trx);
        return true;
      });
      if (!closed) throw new StepWait('the replacement instruction is being sent by the relay', 2_000);
      return;
    }
    if (s.instruction_status === 'sent' && s.supplier_order_ref) {
      // Sent after all (a race with the relay): cancel it with the supplier like the original.
      const supplier = (await deps.network.connections(s.seller_id, now.getTime())).suppliers.get(s.supplier_id);
      if (!supplier) throw new Error(`supplier ${s.supplier_id} is no longer configured`);
      const adapter = deps.adapters.suppliers[supplier.row.protocol as SupplierProtocol];
      const result = await adapter.cancel(supplier.connection, s.supplier_order_ref, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
      // too_late: the replacement is on its way and stays the live route.
      if (result.status === 'too_late') return { commit: async (trx) => void (await trx.updateTable('shipments').set({ cancel_outcome: 'too_late' }).where('id', '=', s.id).execute()) };
      return {
        commit: async (trx) => {
          await trx.updateTable('shipments').set({ instruction_status: 'cancelled', cancel_outcome: 'cancelled' }).where('id', '=', s.id).execute();
          await enqueueLabelVoid(trx, s, 'repair abandoned: the replacement cancelled at the supplier', now);
          await abandon(trx);
        },
      };
    }
    // failed (refused by the new supplier) or already cancelled: nothing live to stop, but a label bought
    // for it will not travel.
    return {
      commit: async (trx) => {
        await enqueueLabelVoid(trx, s, 'repair abandoned', now);
        await abandon(trx);
      },
    };
  },
};

/** (d) The relay sends it: exactly once, Idempotency-Key = the new shipment id. Waits while the relay retries. */
const sendInstruction: SagaStep<RepairCtx> = {
  name: 'send_instruction',
  async invoke({ deps }, outputs) {
    const { shipment_id: id } = outputs.reserve_route as ReserveOutput;
    await deps.relay.dispatch([id]);
    const s = await shipment(deps.db, id);
    if (s.instruction_status === 'sent') return { output: { shipment_id: id, supplier_order_ref: s.supplier_order_ref, tracking_number: s.tracking_number } };
    if (s.instruction_status === 'failed') throw new StepFailed(`the new supplier refused the instruction: ${s.instruction_error ?? 'no reason given'}`);
    if (s.instruction_status === 'cancelled') throw new StepFailed('the replacement was cancelled (the order was cancelled meanwhile)');
    const row = await deps.db.selectFrom('outbox').select(['next_attempt_at', 'locked_until']).where('shipment_id', '=', id).where('kind', '=', 'dropship_instruction').executeTakeFirst();
    const at = Math.max(row?.next_attempt_at.getTime() ?? 0, row?.locked_until?.getTime() ?? 0);
    throw new StepWait('the relay will retry the instruction', Math.max(1_000, at - deps.clock.now().getTime()));
  },
};

/** (e) Nothing left to call: the breach closes as repaired in this step's transaction (runner hook). */
const finish: SagaStep<RepairCtx> = {
  name: 'finish',
  async invoke() {
    return {};
  },
};

export const repairSteps: readonly SagaStep<RepairCtx>[] = [requote, cancelOriginal, reserveRoute, sendInstruction, finish];
