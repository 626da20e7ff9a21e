import type { Insertable, Kysely } from 'kysely';
import type { Database, NewShipmentRow, OrderRow, OutboxTable } from '../db/database.js';
import { AppError, invalid, notFound } from '../errors.js';
import { addressFromShipTo } from '../lib/address.js';
import type { Clock } from '../lib/clock.js';
import { canonicalJson, sha256Hex } from '../lib/crypto.js';
import { newId, newSortableId } from '../lib/ids.js';
import type { PledgeMetrics } from '../lib/metrics.js';
import type { NetworkService, OrderNetwork } from '../network/network-service.js';
import type { LearningSettings } from '../learning/learning-service.js';
import { decide } from '../promise-engine/index.js';
import { snapshotEngineInput, type EngineInputSnapshot } from '../replay/engine-snapshot.js';
import type { EngineDecision, EngineInput } from '../promise-engine/types.js';
import type { DropshipInstruction } from '../suppliers/contract.js';
import type { Upstream } from '../upstream/contract.js';
import { buildEngineInput, quotedHandoverEta } from './engine-input.js';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from './idempotency.js';
import type { InstructionRelay } from './instruction-relay.js';
import type { EventSink } from '../webhooks/outbound/event-sink.js';
import type { CompensationLedger } from '../compensation/compensation-ledger.js';
import { orderDecidedEvent } from '../webhooks/outbound/order-events.js';
import { asStoredJson, orderView, type OrderView, type VoucherView } from './order-view.js';
import type { createQuoteGatherer, GatheredQuotes } from './quote-gatherer.js';
import { newVoucherCode, signVoucher, voucherView } from './vouchers.js';

export type ShipToInput = {
  name: string;
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postal_code: string;
  country: string;
  phone?: string | null;
  email?: string | null;
};
export type OrderRequest = {
  external_id: string;
  currency: string;
  ship_to: ShipToInput;
  lines: { sku: string; quantity: number; unit_price_minor: number }[];
  deliver_by?: string;
};

export type PlaceResult = { status: number; body: unknown; isReplay: boolean };

export type OrderServiceDeps = {
  db: Kysely<Database>;
  clock: Clock;
  network: NetworkService;
  gather: ReturnType<typeof createQuoteGatherer>;
  relay: InstructionRelay;
  health: Pick<Upstream, 'isDegraded'>;
  metrics: PledgeMetrics;
  voucherKey: Buffer;
  promiseDeadlineMs: number;
  instructionWaitMs: number;
  /** Test seam: simulate a crash right after the order is committed. */
  faults?: { afterCommit?: (orderId: string) => void };
  /** Seller webhooks: order.promised / order.declined, recorded in the commit transaction. */
  events?: EventSink;
  /** The compensation journal: the promise's expected breach cost is reserved in the commit transaction. */
  exposure?: Pick<CompensationLedger, 'reserveExposure'>;
  /** Learned estimates (src/learning) replace kept/broken counts and price their uncertainty; absent: counts only. */
  learning?: LearningSettings;
};

/** The engine's learned posteriors for this order: lanes run from each warehouse's region to the ship-to region. */
const DAY_MS = 86_400_000;

/** What the commit wrote, enough to answer without reading the order back. */
type Committed = { orderId: string; shipmentIds: string[]; order: OrderRow; voucher: VoucherView | null };

export function createOrderService(deps: OrderServiceDeps) {
  const { db, clock } = deps;
  const inFlight = new Set<Promise<unknown>>();


  async function render(sellerId: string, orderId: string): Promise<OrderView> {
    const order = await db.selectFrom('orders').selectAll().where('seller_id', '=', sellerId).where('id', '=', orderId).executeTakeFirst();
    if (!order) throw notFound('order');
    return renderRow(order);
  }

  async function renderRow(order: OrderRow): Promise<OrderView> {
    const [shipments, voucher] = await Promise.all([
      db.selectFrom('shipments').selectAll().where('order_id', '=', order.id).orderBy('id').execute(),
      db.selectFrom('vouchers').selectAll().where('order_id', '=', order.id).executeTakeFirst(),
    ]);
    return orderView(order, shipments, voucher ? voucherView(voucher) : null);
  }

  function engineInput(network: OrderNetwork, req: OrderRequest, quotes: GatheredQuotes, now: Date, deliverBy: Date): EngineInput {
    const degraded = new Set<string>();
    for (const id of [...network.suppliers.keys(), ...network.warehouses.keys(), ...network.carrierAccounts.keys()]) {
      if (deps.health.isDegraded(id)) degraded.add(id);
    }
    return buildEngineInput({
      network,
      lines: req.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceMinor: l.unit_price_minor })),
      currency: req.currency,
      quotes,
      now,
      deliverBy,
      destinationRegion: req.ship_to.region ?? null,
      degradedPartners: degraded,
      learning: deps.learning,
    });
  }

  async function commit(
    sellerId: string,
    orderId: string,
    idempotencyKey: string,
    req: OrderRequest,
    network: OrderNetwork,
    decision: EngineDecision,
    quotes: GatheredQuotes,
    now: Date,
    deliverBy: Date,
    decidedInMs: number,
    engineSnapshot?: EngineInputSnapshot,
  ): Promise<Committed> {
    const policy = network.policy;
    const shipmentIds: string[] = [];
    let order: OrderRow | undefined;
    let voucher: VoucherView | null = null;
    await db.transaction().execute(async (trx) => {
      const isPromise = decision.outcome === 'promise';
      const orderValues = {
        id: orderId,
        seller_id: sellerId,
        external_id: req.external_id,
        currency: req.currency,
        ship_to: JSON.stringify(req.ship_to),
        lines: JSON.stringify(req.lines),
        requested_deliver_by: req.deliver_by ? parseDeliverBy(req.deliver_by) : null,
        status: isPromise ? ('promised' as const) : ('declined' as const),
        decline_code: isPromise ? null : decision.code,
        decline_reasons: isPromise ? null : JSON.stringify(decision.reasons),
        deliver_by: isPromise ? deliverBy : null,
        confidence: isPromise ? decision.confidence : null,
        landed_cost_minor: isPromise ? decision.landedCostMinor : null,
        expected_breach_cost_minor: isPromise ? decision.expectedBreachCostMinor : null,
        decided_in_ms: decidedInMs,
        policy_version: policy.version,
        created_at: now,
      };
      // The row as a SELECT would return it (jsonb columns come back with jsonb's key order), so the
      // answer is rendered without reading it back.
      order = {
        ...orderValues,
        ship_to: asStoredJson(req.ship_to),
        lines: asStoredJson(req.lines),
        decline_reasons: isPromise ? null : asStoredJson(decision.reasons),
        cancelled_at: null,
        cancel_reason: null,
      };
      const decisionValues = {
        order_id: orderId,
        seller_id: sellerId,
        policy_version: policy.version,
        deadline_ms: deps.promiseDeadlineMs,
        record: JSON.stringify({
          outcome: decision.outcome,
          ...(decision.outcome === 'decline' ? { code: decision.code, reasons: decision.reasons } : {}),
          deliver_by: deliverBy.toISOString(),
          candidates: decision.candidates,
          quotes: quotes.log,
          // What decide() saw (minus the policy), so a policy replay can re-decide this order.
          ...(engineSnapshot ? { engine_input: engineSnapshot } : {}),
        }),
      };
      // The order's rows go in one statement (data-modifying CTEs; foreign keys are checked at its end):
      // one round trip instead of one per row.
      const emitDecided = () => deps.events?.emit(trx, sellerId, orderDecidedEvent({ orderId, externalId: req.external_id, currency: req.currency, deliverBy }, decision, shipmentIds));
      if (decision.outcome !== 'promise') {
        await trx
          .with('new_order', (c) => c.insertInto('orders').values(orderValues))
          .with('new_decision', (c) => c.insertInto('decisions').values(decisionValues))
          .updateTable('idempotency_keys')
          .set({ order_id: orderId })
          .where('seller_id', '=', sellerId)
          .where('key', '=', idempotencyKey)
          .execute();
        return void (await emitDecided());
      }
      const shipmentRows: NewShipmentRow[] = [];
      const outboxRows: Insertable<OutboxTable>[] = [];

      const shipTo = { ...req.ship_to, line2: req.ship_to.line2 ?? null, region: req.ship_to.region ?? null, phone: req.ship_to.phone ?? null, email: req.ship_to.email ?? null };
      for (const [i, plan] of decision.shipments.entries()) {
        const shipmentId = `${orderId.replace(/^ord_/, 'shp_')}_${i + 1}`;
        shipmentIds.push(shipmentId);
        const cachedRate = quotes.carrierRates[`${plan.warehouseId}|${plan.carrierAccountId}`]?.status === 'cached';
        const row: NewShipmentRow = {
          id: shipmentId,
          order_id: orderId,
          seller_id: sellerId,
          supplier_id: plan.supplierId,
          warehouse_id: plan.warehouseId,
          carrier_account_id: plan.carrierAccountId,
          carrier: plan.rate.carrier,
          service: plan.rate.service,
          lines: JSON.stringify(plan.lines.map((l) => ({ sku: l.sku, supplier_sku: l.supplierSku, quantity: l.quantity, unit_cost_minor: l.unitCostMinor }))),
          // A cached rate was bought for another shipment's address: the relay re-rates before buying.
          rate_ref: JSON.stringify({ source: cachedRate ? 'cached' : 'live', ref: plan.rate.rateRef, service: plan.rate.service, carrier: plan.rate.carrier }),
          landed_cost_minor: plan.landedCostMinor,
          shipping_cost_minor: plan.shippingCostMinor,
          confidence: plan.probability,
          estimated_delivery: plan.estimatedDelivery,
          handover_by: plan.handoverBy,
          // The supplier's own quoted ETA: the learner judges its handover against this, not the cut-off.
          handover_eta: quotedHandoverEta(quotes, plan.supplierId, plan.warehouseId),
          instruction_status: 'pending',
        };
        shipmentRows.push(row);
        const instruction: Omit<DropshipInstruction, 'trackingNumber' | 'labelUrl' | 'handoverBy'> & { handoverBy: string } = {
          shipmentRef: shipmentId,
          orderRef: orderId,
          warehouseRef: plan.warehouseId,
          items: plan.lines.map((l) => ({ supplierSku: l.supplierSku, quantity: l.quantity })),
          shipTo: addressFromShipTo(shipTo),
          carrier: plan.rate.carrier,
          service: plan.rate.service,
          handoverBy: plan.handoverBy.toISOString(),
        };
        outboxRows.push({ seller_id: sellerId, shipment_id: shipmentId, kind: 'dropship_instruction', payload: JSON.stringify(instruction), next_attempt_at: now });
      }
      const code = newVoucherCode();
      const expiresAt = new Date(now.getTime() + policy.voucher_validity_days * DAY_MS).toISOString();
      const signature = signVoucher(deps.voucherKey, { code, order_id: orderId, seller_id: sellerId, terms: policy.voucher_terms, expires_at: expiresAt });
      await trx
        .with('new_order', (c) => c.insertInto('orders').values(orderValues))
        .with('new_decision', (c) => c.insertInto('decisions').values(decisionValues))
        .with('new_shipments', (c) => c.insertInto('shipments').values(shipmentRows))
        .with('new_outbox', (c) => c.insertInto('outbox').values(outboxRows))
        .with('new_voucher', (c) => c.insertInto('vouchers').values({ code, seller_id: sellerId, order_id: orderId, terms: policy.voucher_terms, expires_at: expiresAt, signature }))
        .updateTable('idempotency_keys')
        .set({ order_id: orderId })
        .where('seller_id', '=', sellerId)
        .where('key', '=', idempotencyKey)
        .execute();
      voucher = voucherView({ code, terms: policy.voucher_terms, expires_at: new Date(expiresAt), signature });
      await emitDecided();
      // Last before COMMIT: the reservation takes the seller's journal lock, held until then.
      await deps.exposure?.reserveExposure(trx, { sellerId, orderId, currency: req.currency, amountMinor: decision.expectedBreachCostMinor, now });
    });
    return { orderId, shipmentIds, order: order!, voucher };
  }

  async function decideAndCommit(sellerId: string, idempotencyKey: string, req: OrderRequest, network: OrderNetwork, t0: number, now: Date) {
    const orderId = newSortableId('ord', now.getTime());
    const deliverBy = req.deliver_by ? parseDeliverBy(req.deliver_by) : new Date(now.getTime() + network.policy.default_delivery_days * DAY_MS);
    const deadlineAt = t0 + deps.promiseDeadlineMs;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error('promise deadline reached')), Math.max(0, deadlineAt - performance.now()));
    let quotes: GatheredQuotes;
    try {
      quotes = await deps.gather({ orderId, lines: req.lines, shipTo: addressFromShipTo(req.ship_to), network, now, deadlineAt, signal: abort.signal });
    } finally {
      clearTimeout(timer);
      abort.abort(new Error('decision made'));
    }
    const input = engineInput(network, req, quotes, now, deliverBy);
    const decision = decide(input);
    const decidedInMs = Math.round(performance.now() - t0);
    deps.metrics.decisionLatency.observe({ outcome: decision.outcome }, decidedInMs);
    deps.metrics.orders.inc({ status: decision.outcome === 'promise' ? 'promised' : 'declined' });
    return commit(sellerId, orderId, idempotencyKey, req, network, decision, quotes, now, deliverBy, decidedInMs, snapshotEngineInput(input));
  }

  /** Finish the drop-ship instructions inline for a while; the relay completes whatever is left. */
  async function dispatchWithin(shipmentIds: string[], waitMs: number) {
    if (shipmentIds.length === 0) return;
    const work = deps.relay.dispatch(shipmentIds);
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([work.catch(() => {}), new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
  }

  return {
    /** Places an order: validate, claim the idempotency key, decide by the deadline, commit, instruct. */
    async place(sellerId: string, req: OrderRequest, idempotencyKey: string): Promise<PlaceResult> {
      const t0 = performance.now();
      const now = clock.now();
      if (req.deliver_by && parseDeliverBy(req.deliver_by).getTime() <= now.getTime()) throw invalid('deliver_by', 'must be in the future');
      const network = await deps.network.forOrder(sellerId, req.lines.map((l) => l.sku), now.getTime());
      if (req.currency !== network.policy.currency) {
        throw new AppError('CURRENCY_MISMATCH', `currency: this seller prices in ${network.policy.currency}, not ${req.currency}`, [
          { field: 'currency', message: `must be ${network.policy.currency}` },
        ]);
      }

      const claim = await claimIdempotencyKey(db, sellerId, idempotencyKey, sha256Hex(canonicalJson(req)), now);
      if (claim.kind === 'replay') return { status: claim.status, body: claim.body, isReplay: true };
      if (claim.kind === 'resume' && claim.orderId) {
        const body = await render(sellerId, claim.orderId);
        await completeIdempotencyKey(db, sellerId, idempotencyKey, 201, body);
        return { status: 201, body, isReplay: true };
      }

      let committed: Committed;
      try {
        committed = await decideAndCommit(sellerId, idempotencyKey, req, network, t0, now);
      } catch (err) {
        await releaseIdempotencyKey(db, sellerId, idempotencyKey).catch(() => {});
        throw err;
      }
      deps.faults?.afterCommit?.(committed.orderId);
      await dispatchWithin(committed.shipmentIds, deps.instructionWaitMs);
      // Only the shipments are read back: the relay has moved their instruction on since the commit.
      const shipments =
        committed.shipmentIds.length === 0 ? [] : await db.selectFrom('shipments').selectAll().where('order_id', '=', committed.orderId).orderBy('id').execute();
      const body = orderView(committed.order, shipments, committed.voucher);
      await completeIdempotencyKey(db, sellerId, idempotencyKey, 201, body);
      return { status: 201, body, isReplay: false };
    },

    get: render,

    async list(sellerId: string, opts: { limit: number; cursor?: string; status?: 'promised' | 'declined' | 'cancelled' }) {
      let q = db.selectFrom('orders').selectAll().where('seller_id', '=', sellerId);
      if (opts.cursor) q = q.where('id', '<', decodeCursor(opts.cursor));
      if (opts.status) q = q.where('status', '=', opts.status);
      const rows = await q.orderBy('id', 'desc').limit(opts.limit + 1).execute();
      const page = rows.slice(0, opts.limit);
      const data = await Promise.all(page.map(renderRow));
      return { data, next_cursor: rows.length > opts.limit ? encodeCursor(page[page.length - 1]!.id) : null };
    },

    async decision(sellerId: string, orderId: string) {
      const row = await db.selectFrom('decisions').selectAll().where('seller_id', '=', sellerId).where('order_id', '=', orderId).executeTakeFirst();
      if (!row) throw notFound('order');
      // The engine-input snapshot is replay's raw material (tens of kB of quotes), not part of the explanation.
      const { engine_input: _snapshot, ...record } = row.record as Record<string, unknown>;
      return { order_id: row.order_id, policy_version: row.policy_version, deadline_ms: row.deadline_ms, decided_at: row.created_at.toISOString(), ...record };
    },

    /** Waits for inline instruction work still running (graceful shutdown). */
    async drain() {
      await Promise.allSettled([...inFlight]);
    },
  };
}
export type OrderService = ReturnType<typeof createOrderService>;

/** A bare date means the end of that day in UTC: "deliver by Friday" includes Friday. */
export const parseDeliverBy = (value: string) => new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59.999Z` : value);

const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^ord_[0-9a-f]{32}$/.test(id)) throw invalid('cursor', 'not a cursor returned by this API');
  return id;
}

