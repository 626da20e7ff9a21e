import { sql, type Kysely } from 'kysely';
import type { CarrierId, CarrierRate } from '../carriers/contract.js';
import type { Database, OutboxRow } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import type { PledgeMetrics } from '../lib/metrics.js';
import { recordShipmentMilestones } from '../milestones/record.js';
import type { NetworkService } from '../network/network-service.js';
import type { DropshipInstruction, SupplierProtocol } from '../suppliers/contract.js';
import { UpstreamError } from '../upstream/contract.js';
import type { EventSink } from '../webhooks/outbound/event-sink.js';
import { enqueueLabelVoid, LabelVoidGaveUp, voidShipmentLabel } from './label-void.js';
import type { PartnerAdapters } from './partner-adapters.js';
import { createPollingLoop } from '../lib/polling-loop.js';

/** How long one worker owns an outbox row; another instance takes it over after this. */
const LEASE_MS = 60_000;
const CALL_TIMEOUT_MS = 10_000;
export const MAX_ATTEMPTS = 40;

/** Exponential backoff with full jitter, 1 s doubling up to 10 min: 40 attempts span well over 24 h... of retries. */
export function backoffMs(attempt: number, random: number): number {
  const ceiling = Math.min(600_000, 1000 * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}

type FrozenInstruction = Omit<DropshipInstruction, 'trackingNumber' | 'labelUrl' | 'handoverBy'> & { handoverBy: string };
type RateRefRecord = { source: 'live' | 'cached'; ref: unknown; service: string; carrier: string };

export type InstructionRelayDeps = {
  db: Kysely<Database>;
  clock: Clock;
  adapters: PartnerAdapters;
  network: NetworkService;
  metrics: PledgeMetrics;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  random?: () => number;
  /** Test seam: simulate a crash after the supplier got the instruction but before we recorded it. */
  faults?: { beforeRecordInstruction?: (shipmentId: string) => void };
  /** Seller webhooks: instruction.sent / instruction.failed, recorded in the same transaction as the outcome. */
  events?: EventSink;
};

/**
 * Sends each shipment's drop-ship instruction from the outbox: buy the label, then instruct the
 * supplier with Idempotency-Key = shipment id. The body is rebuilt from frozen, persisted parts, so
 * every retry sends the same bytes and the supplier creates one order, whatever crashed in between.
 */
export function createInstructionRelay(deps: InstructionRelayDeps) {
  const { db, clock } = deps;
  const random = deps.random ?? Math.random;

  async function claimOne(shipmentId: string): Promise<OutboxRow | undefined> {
    const now = clock.now();
    return db
      .updateTable('outbox')
      .set({ locked_until: new Date(now.getTime() + LEASE_MS), attempts: sql`attempts + 1` })
      .where('shipment_id', '=', shipmentId)
      .where('kind', '=', 'dropship_instruction')
      .where('completed_at', 'is', null)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .returningAll()
      .executeTakeFirst();
  }

  async function claimDue(limit: number): Promise<OutboxRow[]> {
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('outbox')
        .select('id')
        .where('completed_at', 'is', null)
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
        .orderBy('next_attempt_at')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute();
      if (due.length === 0) return [];
      return trx
        .updateTable('outbox')
        .set({ locked_until: new Date(now.getTime() + LEASE_MS), attempts: sql`attempts + 1` })
        .where(
          'id',
          'in',
          due.map((d) => d.id),
        )
        .returningAll()
        .execute();
    });
  }

  async function execute(row: OutboxRow): Promise<void> {
    if (row.kind === 'void_label') return executeVoid(row);
    const shipment = await db.selectFrom('shipments').selectAll().where('id', '=', row.shipment_id).executeTakeFirstOrThrow();
    const connections = await deps.network.connections(row.seller_id);
    const supplier = connections.suppliers.get(shipment.supplier_id);
    const account = connections.carrierAccounts.get(shipment.carrier_account_id);
    const frozen = row.payload as FrozenInstruction;
    if (shipment.superseded_at) {
      // Re-routed by a repair saga (compensation/repair-saga.ts): sending it now would make two live
      // instructions for the same goods. The saga closes such rows itself; this guards a stray one.
      await db.updateTable('outbox').set({ completed_at: clock.now(), locked_until: null, last_error: 'shipment superseded by a repair' }).where('id', '=', row.id).where('completed_at', 'is', null).execute();
      return;
    }
    try {
      if (!supplier || !account) throw new PermanentFailure('supplier or carrier account no longer configured');
      const carrier = deps.adapters.carriers[account.row.carrier as CarrierId];
      let trackingNumber = shipment.tracking_number;
      let labelUrl = shipment.label_url;
      if (!trackingNumber) {
        const rate = shipment.rate_ref as RateRefRecord;
        let rateRef = rate.ref;
        if (rate.source === 'cached') rateRef = await freshRateRef(row, shipment, rate, account.connection, carrier);
        const label = await carrier.buy(account.connection, rateRef, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS), idempotencyKey: shipment.id });
        trackingNumber = label.trackingNumber;
        labelUrl = label.labelUrl;
        // Persist before instructing: a retry must send the supplier the very same tracking number, and
        // a label that never travels must be found again to void it (label-void.ts).
        await db
          .updateTable('shipments')
          .set({ tracking_number: trackingNumber, label_url: labelUrl, label_ref: label.carrierRef })
          .where('id', '=', shipment.id)
          .where('tracking_number', 'is', null)
          .execute();
      }
      const instruction: DropshipInstruction = { ...frozen, handoverBy: new Date(frozen.handoverBy), trackingNumber, labelUrl };
      const adapter = deps.adapters.suppliers[supplier.row.protocol as SupplierProtocol];
      const receipt = await adapter.instruct(supplier.connection, instruction, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS), idempotencyKey: shipment.id });
      deps.faults?.beforeRecordInstruction?.(shipment.id);
      const now = clock.now();
      await db.transaction().execute(async (trx) => {
        // Only the worker that closes the outbox row records the outcome: a worker whose lease ran out
        // and raced another must not emit a second instruction.sent.
        const closed = await trx
          .updateTable('outbox')
          .set({ completed_at: now, locked_until: null, last_error: null })
          .where('id', '=', row.id)
          .where('completed_at', 'is', null)
          .executeTakeFirst();
        if (closed.numUpdatedRows === 0n) return;
        await trx
          .updateTable('shipments')
          .set({ instruction_status: 'sent', supplier_order_ref: receipt.supplierOrderRef, instruction_sent_at: now, instruction_error: null })
          .where('id', '=', shipment.id)
          .execute();
        await deps.events?.emit(trx, row.seller_id, {
          type: 'instruction.sent',
          data: { order_id: shipment.order_id, shipment_id: shipment.id, supplier_id: shipment.supplier_id, supplier_order_ref: receipt.supplierOrderRef, carrier: shipment.carrier, service: shipment.service, tracking_number: trackingNumber },
        });
        // The first milestones, in the same transaction: the log never says sent when the shipment does not,
        // or the reverse. Last, and together: the global chain lock they take is held until COMMIT.
        const milestone = { sellerId: row.seller_id, orderId: shipment.order_id, shipmentId: shipment.id, occurredAt: now, source: 'pledge' as const };
        const details = { supplier_order_ref: receipt.supplierOrderRef, carrier: shipment.carrier, service: shipment.service, tracking_number: trackingNumber };
        await recordShipmentMilestones(trx, [
          { ...milestone, type: 'instruction_sent', sourceEventId: `instruction:${shipment.id}`, details },
          ...(receipt.status === 'accepted' ? [{ ...milestone, type: 'supplier_accepted' as const, sourceEventId: `receipt:${shipment.id}`, details }] : []),
        ]);
      });
      deps.metrics.instructions.inc({ outcome: 'sent' });
    } catch (err) {
      await recordFailure(row, shipment.id, shipment.supplier_id, err);
    }
  }

  async function freshRateRef(
    row: OutboxRow,
    shipment: { id: string; warehouse_id: string },
    rate: RateRefRecord,
    connection: Parameters<PartnerAdapters['carriers'][CarrierId]['rates']>[0],
    carrier: PartnerAdapters['carriers'][CarrierId],
  ): Promise<unknown> {
    const frozen = row.payload as FrozenInstruction;
    const connections = await deps.network.connections(row.seller_id);
    const warehouse = connections.warehouses.get(shipment.warehouse_id);
    if (!warehouse) throw new PermanentFailure('warehouse no longer configured');
    const lines = await db.selectFrom('shipments').select('lines').where('id', '=', shipment.id).executeTakeFirstOrThrow();
    const weightGrams = await shipmentWeight(row.seller_id, shipment.warehouse_id, lines.lines as { sku: string; quantity: number }[]);
    const rates: CarrierRate[] = await carrier.rates(
      connection,
      {
        shipmentRef: shipment.id,
        from: { name: warehouse.row.name, line1: warehouse.row.name, city: warehouse.row.city ?? '', region: warehouse.row.region, postalCode: warehouse.row.postal_code, country: warehouse.row.country },
        to: frozen.shipTo,
        parcel: { weightGrams },
        shipDate: clock.now(),
        currency: 'USD',
      },
      { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) },
    );
    const same = rates.find((r) => r.service === rate.service && r.carrier === rate.carrier);
    if (!same) throw new PermanentFailure(`service ${rate.carrier} ${rate.service} is no longer offered`);
    return same.rateRef;
  }

  async function shipmentWeight(sellerId: string, warehouseId: string, lines: { sku: string; quantity: number }[]) {
    const offers = await db
      .selectFrom('catalog_offers')
      .select(['sku', 'weight_grams'])
      .where('seller_id', '=', sellerId)
      .where('warehouse_id', '=', warehouseId)
      .execute();
    const bySku = new Map(offers.map((o) => [o.sku, o.weight_grams]));
    return Math.max(1, lines.reduce((sum, l) => sum + (bySku.get(l.sku) ?? 0) * l.quantity, 0));
  }

  /** An outbox row released for another attempt after the backoff its attempt count earns. */
  const retryLater = (row: OutboxRow, message: string, now: Date) => ({ locked_until: null, last_error: message, next_attempt_at: new Date(now.getTime() + backoffMs(row.attempts, random())) });

  /** A queued label void: settle it on the shipment and close the row, or retry with the same backoff. */
  async function executeVoid(row: OutboxRow): Promise<void> {
    const now = clock.now();
    try {
      const result = await voidShipmentLabel(deps, row);
      await db.transaction().execute(async (trx) => {
        const closed = await trx
          .updateTable('outbox')
          .set({ completed_at: now, locked_until: null, last_error: result?.note ?? null })
          .where('id', '=', row.id)
          .where('completed_at', 'is', null)
          .executeTakeFirst();
        if (closed.numUpdatedRows === 0n || !result) return;
        await trx
          .updateTable('shipments')
          .set({ label_void_status: result.status, label_voided_at: result.status === 'voided' ? now : null })
          .where('id', '=', row.shipment_id)
          .where('label_void_status', 'is', null)
          .execute();
      });
      deps.metrics.labelVoids.inc({ outcome: result?.status ?? 'already_settled' });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const isFinal = err instanceof LabelVoidGaveUp || row.attempts >= MAX_ATTEMPTS;
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('outbox')
          .set(isFinal ? { completed_at: now, locked_until: null, last_error: message } : retryLater(row, message, now))
          .where('id', '=', row.id)
          .where('completed_at', 'is', null)
          .execute();
        if (isFinal) await trx.updateTable('shipments').set({ label_void_status: 'failed' }).where('id', '=', row.shipment_id).where('label_void_status', 'is', null).execute();
      });
      deps.metrics.labelVoids.inc({ outcome: isFinal ? 'failed' : 'retry' });
      deps.log.warn({ shipmentId: row.shipment_id, attempt: row.attempts, err: message }, isFinal ? 'label void given up' : 'label void will be retried');
    }
  }

  async function recordFailure(row: OutboxRow, shipmentId: string, supplierId: string, err: unknown) {
    const now = clock.now();
    const message = err instanceof Error ? err.message : String(err);
    const isPermanent = err instanceof PermanentFailure || (err instanceof UpstreamError && err.failure === 'rejected') || row.attempts >= MAX_ATTEMPTS;
    if (isPermanent) {
      await db.transaction().execute(async (trx) => {
        const closed = await trx
          .updateTable('outbox')
          .set({ completed_at: now, locked_until: null, last_error: message })
          .where('id', '=', row.id)
          .where('completed_at', 'is', null)
          .executeTakeFirst();
        if (closed.numUpdatedRows === 0n) return;
        await trx.updateTable('shipments').set({ instruction_status: 'failed', instruction_error: message }).where('id', '=', shipmentId).execute();
        // The supplier never took the order: a label bought for it will not travel.
        await enqueueLabelVoid(trx, { id: shipmentId, seller_id: row.seller_id }, `instruction failed: ${message}`.slice(0, 500), now);
        await deps.events?.emit(trx, row.seller_id, {
          type: 'instruction.failed',
          data: { order_id: (row.payload as FrozenInstruction).orderRef, shipment_id: shipmentId, supplier_id: supplierId, error: message },
        });
        // A refusal is the supplier breaking the promise it quoted: it counts against its record.
        await trx
          .insertInto('partner_stats')
          .values({ partner_kind: 'supplier', partner_id: supplierId, seller_id: row.seller_id, broken_count: 1, kept_count: 0, updated_at: now })
          .onConflict((oc) => oc.columns(['partner_kind', 'partner_id']).doUpdateSet({ broken_count: sql`partner_stats.broken_count + 1`, updated_at: now }))
          .execute();
      });
      deps.metrics.instructions.inc({ outcome: 'failed' });
      deps.log.error({ shipmentId, err: message }, 'drop-ship instruction failed permanently');
    } else {
      await db
        .updateTable('outbox')
        .set(retryLater(row, message, now))
        .where('id', '=', row.id)
        .execute();
      deps.metrics.instructions.inc({ outcome: 'retry' });
      deps.log.warn({ shipmentId, attempt: row.attempts, err: message }, 'drop-ship instruction will be retried');
    }
  }

  async function tick(limit = 20): Promise<number> {
    const rows = await claimDue(limit);
    await Promise.all(rows.map(execute));
    return rows.length;
  }

  const worker = createPollingLoop(tick, (err) => deps.log.error({ err: String(err) }, 'outbox relay tick failed'));

  return {
    /** Claims and sends these shipments' instructions now (the order path calls this right after commit). */
    async dispatch(shipmentIds: string[]): Promise<void> {
      await Promise.all(
        shipmentIds.map(async (id) => {
          const row = await claimOne(id);
          if (row) await execute(row);
        }),
      );
    },
    tick,
    start(intervalMs: number) {
      worker.start(intervalMs);
    },
    async stop() {
      await worker.stop();
    },
  };
}
export type InstructionRelay = ReturnType<typeof createInstructionRelay>;

class PermanentFailure extends Error {}
