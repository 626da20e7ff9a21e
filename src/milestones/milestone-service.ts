import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { CarrierAdapter, CarrierId, CarrierMilestone, TrackingUpdate, WebhookRequest } from '../carriers/contract.js';
import { carrierTrackingWebhooks } from '../carriers/registry.js';
import type { Database, TrackingMode } from '../db/database.js';
import { AppError, notFound, type FieldError } from '../errors.js';
import { listMilestones, type MilestoneSource, type MilestoneType } from '../ledger/milestones.js';
import type { Clock } from '../lib/clock.js';
import type { SecretBox } from '../lib/crypto.js';
import type { PledgeMetrics } from '../lib/metrics.js';
import type { NetworkService } from '../network/network-service.js';
import { PledgeV1SupplierEvent, SIGNATURE_HEADER } from '../suppliers/pledge-v1/wire.js';
import { recordShipmentMilestone, type RecordOutcome } from './record.js';
import { newCallbackSecret, newWebhookSecret } from './secrets.js';
import { advance, INITIAL_STATE } from './state-machine.js';
import { fromSupplierEvent, verifySupplierSignature } from './supplier-events.js';
import { createPollingLoop } from '../lib/polling-loop.js';

/** After a rotation the previous supplier secret keeps verifying this long, so callbacks in flight land. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 3_600_000;
/** A shipment tracked by polling is asked about at most this often. */
export const DEFAULT_POLL_EVERY_MS = 15 * 60_000;
const POLL_CALL_TIMEOUT_MS = 10_000;
const MAX_EVENT_ID_LENGTH = 200;

// A carrier never reports a milestone Pledge does not know: the compiler checks the subset.
const asMilestoneType = (m: CarrierMilestone): MilestoneType => m;


export type IngestResult = {
  outcome: 'recorded' | 'duplicate' | 'ignored';
  shipment_id: string | null;
  milestone_id: string | null;
  type: MilestoneType | null;
  fulfillment_state: MilestoneType | null;
  reason?: string;
};

export type MilestoneServiceDeps = {
  db: Kysely<Database>;
  secrets: SecretBox;
  clock: Clock;
  metrics: Pick<PledgeMetrics, 'milestoneEvents'>;
  network: Pick<NetworkService, 'connections' | 'invalidate'>;
  carriers: Record<CarrierId, Pick<CarrierAdapter, 'track'>>;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  pollEveryMs?: number;
};

const jsonIssues = (error: z.ZodError): FieldError[] =>
  error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(body)', message: i.message }));

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError('VALIDATION_FAILED', 'the body is not valid JSON', [{ field: '(body)', message: 'not valid JSON' }]);
  }
}

/**
 * Where milestones come from: signed supplier callbacks, carrier tracking webhooks and polling.
 * Every accepted event is recorded (recordShipmentMilestone: the ledger's chained log) in the transaction that moves the
 * shipment's state; a request refused (401, 400, 404) stores nothing.
 */
export function createMilestoneService(deps: MilestoneServiceDeps) {
  const { db, secrets, clock } = deps;
  const pollEveryMs = deps.pollEveryMs ?? DEFAULT_POLL_EVERY_MS;

  const count = (source: MilestoneSource | 'supplier', outcome: string) => deps.metrics.milestoneEvents.inc({ source, outcome });

  async function record(
    shipment: { id: string; seller_id: string; order_id: string },
    source: MilestoneSource,
    m: { type: MilestoneType; occurredAt: Date; sourceEventId: string; details: Record<string, unknown> },
    alsoInTransaction?: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<IngestResult> {
    const outcome: RecordOutcome = await db.transaction().execute(async (trx) => {
      const result = await recordShipmentMilestone(trx, {
        sellerId: shipment.seller_id,
        orderId: shipment.order_id,
        shipmentId: shipment.id,
        type: m.type,
        occurredAt: m.occurredAt,
        source,
        sourceEventId: m.sourceEventId,
        details: m.details,
      });
      if (!result.isDuplicate && alsoInTransaction) await alsoInTransaction(trx);
      return result;
    });
    count(source, outcome.isDuplicate ? 'duplicate' : 'recorded');
    return {
      outcome: outcome.isDuplicate ? 'duplicate' : 'recorded',
      shipment_id: shipment.id,
      milestone_id: outcome.milestoneId,
      type: m.type,
      fulfillment_state: outcome.state.state,
    };
  }

  function rejected(source: MilestoneSource | 'supplier', err: AppError): never {
    count(source, 'rejected');
    throw err;
  }

  function openSecret(sealed: string | null): string | null {
    return sealed ? secrets.open(sealed) : null;
  }

  /**
   * @throws NOT_FOUND (unknown supplier, or no shipment with that supplier_order_ref),
   *   UNAUTHORIZED (missing, malformed, stale or wrong Pledge-Signature; no secret configured),
   *   VALIDATION_FAILED (not JSON, not a SupplierEvent).
   */
  async function recordSupplierEvent(supplierId: string, req: { rawBody: Buffer; signature: string | string[] | undefined }): Promise<IngestResult> {
    const supplier = await db
      .selectFrom('suppliers')
      .select(['id', 'seller_id', 'callback_secret_sealed', 'previous_callback_secret_sealed', 'previous_callback_secret_expires_at'])
      .where('id', '=', supplierId)
      .executeTakeFirst();
    if (!supplier) rejected('supplier', notFound('supplier'));
    const now = clock.now();
    const current = openSecret(supplier.callback_secret_sealed);
    if (!current) rejected('supplier', new AppError('UNAUTHORIZED', 'this supplier has no callback secret: rotate one first', [{ field: SIGNATURE_HEADER, message: 'no secret configured' }]));
    let verdict = verifySupplierSignature(req.rawBody, req.signature, current, now);
    const previous = openSecret(supplier.previous_callback_secret_sealed);
    if (!verdict.ok && verdict.reason === 'mismatch' && previous && supplier.previous_callback_secret_expires_at && supplier.previous_callback_secret_expires_at > now) {
      verdict = verifySupplierSignature(req.rawBody, req.signature, previous, now);
    }
    if (!verdict.ok) rejected('supplier', new AppError('UNAUTHORIZED', `${SIGNATURE_HEADER}: ${verdict.reason}`, [{ field: SIGNATURE_HEADER, message: verdict.reason }]));

    let body: unknown;
    try {
      body = parseJson(req.rawBody);
    } catch (err) {
      rejected('supplier', err as AppError);
    }
    const parsed = PledgeV1SupplierEvent.safeParse(body);
    if (!parsed.success) rejected('supplier', new AppError('VALIDATION_FAILED', `not a supplier event: ${z.prettifyError(parsed.error)}`, jsonIssues(parsed.error)));
    const event = parsed.data;
    if (event.event_id.length > MAX_EVENT_ID_LENGTH) rejected('supplier', new AppError('VALIDATION_FAILED', 'event_id is too long', [{ field: 'event_id', message: `at most ${MAX_EVENT_ID_LENGTH} characters` }]));

    const shipment = await db
      .selectFrom('shipments')
      .select(['id', 'seller_id', 'order_id', 'tracking_number'])
      .where('seller_id', '=', supplier.seller_id)
      .where('supplier_id', '=', supplier.id)
      .where('supplier_order_ref', '=', event.supplier_order_ref)
      .executeTakeFirst();
    if (!shipment) rejected('supplier', new AppError('NOT_FOUND', `no shipment with supplier_order_ref ${event.supplier_order_ref}`, [{ field: 'supplier_order_ref', message: 'unknown reference' }]));

    const m = fromSupplierEvent(event);
    const reported = m.trackingNumber;
    const details = reported && shipment.tracking_number && reported !== shipment.tracking_number ? { ...m.details, label_tracking_number: shipment.tracking_number } : m.details;
    return record(shipment, 'supplier', { ...m, details }, async (trx) => {
      // A parcel handed over without a Pledge-bought label: the supplier's number is how carriers will report it.
      if (reported && !shipment.tracking_number) {
        await trx.updateTable('shipments').set({ tracking_number: reported }).where('id', '=', shipment.id).where('tracking_number', 'is', null).execute();
      }
    });
  }

  async function recordTrackingUpdate(account: { id: string; seller_id: string }, source: MilestoneSource, update: TrackingUpdate): Promise<IngestResult> {
    const shipment = await db
      .selectFrom('shipments')
      .select(['id', 'seller_id', 'order_id'])
      .where('seller_id', '=', account.seller_id)
      .where('carrier_account_id', '=', account.id)
      .where('tracking_number', '=', update.trackingNumber)
      .executeTakeFirst();
    if (!shipment) rejected(source, new AppError('NOT_FOUND', `no shipment with tracking number ${update.trackingNumber} on this carrier account`, [{ field: 'tracking_number', message: 'unknown tracking number' }]));
    if (update.milestone === null) {
      count(source, 'ignored');
      return { outcome: 'ignored', shipment_id: shipment.id, milestone_id: null, type: null, fulfillment_state: null, reason: `carrier status ${String(update.details.carrier_status)} is not a milestone` };
    }
    if (update.sourceEventId.length > MAX_EVENT_ID_LENGTH) rejected(source, new AppError('VALIDATION_FAILED', 'event id is too long', [{ field: 'id', message: `at most ${MAX_EVENT_ID_LENGTH} characters` }]));
    return record(shipment, source, {
      type: asMilestoneType(update.milestone),
      occurredAt: update.occurredAt,
      sourceEventId: update.sourceEventId,
      details: { ...update.details, tracking_number: update.trackingNumber },
    });
  }

  /**
   * @throws NOT_FOUND (unknown carrier account, or no shipment with that tracking number on it),
   *   UNAUTHORIZED (signature or token wrong or missing; no webhook secret configured),
   *   VALIDATION_FAILED (not JSON, not the carrier's tracking format).
   */
  async function recordCarrierWebhook(accountId: string, req: WebhookRequest): Promise<IngestResult> {
    const account = await db.selectFrom('carrier_accounts').select(['id', 'seller_id', 'carrier', 'webhook_secret_sealed']).where('id', '=', accountId).executeTakeFirst();
    if (!account) throw notFound('carrier account');
    const carrier = account.carrier as CarrierId;
    const webhook = carrierTrackingWebhooks[carrier];
    const secret = openSecret(account.webhook_secret_sealed);
    if (!secret) rejected(carrier, new AppError('UNAUTHORIZED', 'this carrier account has no webhook secret: PUT /v1/carrier-accounts/{id}/webhook-secret first'));
    if (!webhook.verify(req, secret)) {
      const field = webhook.verification === 'hmac_signature' ? 'x-hmac-signature' : webhook.verification === 'url_token' ? 'query.token' : 'x-pledge-webhook-token';
      rejected(carrier, new AppError('UNAUTHORIZED', `${carrier} webhook: ${webhook.verification.replace('_', ' ')} missing or wrong`, [{ field, message: 'does not verify' }]));
    }
    let body: unknown;
    try {
      body = parseJson(req.rawBody);
    } catch (err) {
      rejected(carrier, err as AppError);
    }
    const result = webhook.parse(body, clock.now());
    if (result.kind === 'malformed') rejected(carrier, new AppError('VALIDATION_FAILED', `not a ${carrier} tracking webhook: ${result.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, result.errors));
    if (result.kind === 'ignored') {
      count(carrier, 'ignored');
      return { outcome: 'ignored', shipment_id: null, milestone_id: null, type: null, fulfillment_state: null, reason: result.reason };
    }
    return recordTrackingUpdate(account, carrier, result.update);
  }

  /** Asks the carrier about shipments in flight on accounts marked `poll`; returns how many were asked. */
  async function pollOnce(limit = 20): Promise<number> {
    const now = clock.now();
    const due = await db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('shipments as s')
        .innerJoin('carrier_accounts as ca', 'ca.id', 's.carrier_account_id')
        .select(['s.id', 's.seller_id', 's.order_id', 's.carrier_account_id', 's.tracking_number', 'ca.carrier'])
        .where('ca.tracking_mode', '=', 'poll')
        .where('s.instruction_status', '=', 'sent')
        .where('s.tracking_number', 'is not', null)
        .where('s.fulfillment_rank', '<', 100)
        .where((eb) => eb.or([eb('s.tracking_polled_at', 'is', null), eb('s.tracking_polled_at', '<=', new Date(now.getTime() - pollEveryMs))]))
        .orderBy('s.tracking_polled_at', (ob) => ob.asc().nullsFirst())
        .limit(limit)
        .forUpdate('s')
        .skipLocked()
        .execute();
      if (rows.length > 0) {
        // Claimed before calling out, so another instance does not ask about the same parcels.
        await trx.updateTable('shipments').set({ tracking_polled_at: now }).where('id', 'in', rows.map((r) => r.id)).execute();
      }
      return rows;
    });
    await Promise.all(
      due.map(async (s) => {
        const adapter = deps.carriers[s.carrier as CarrierId];
        if (!adapter?.track) return;
        try {
          const connection = (await deps.network.connections(s.seller_id, now.getTime())).carrierAccounts.get(s.carrier_account_id)?.connection;
          if (!connection) return;
          const update = await adapter.track(connection, s.tracking_number!, { signal: AbortSignal.timeout(POLL_CALL_TIMEOUT_MS) });
          if (update) await recordTrackingUpdate({ id: s.carrier_account_id, seller_id: s.seller_id }, 'poll', { ...update, trackingNumber: s.tracking_number! });
        } catch (err) {
          deps.log.warn({ shipmentId: s.id, err: err instanceof Error ? err.message : String(err) }, 'tracking poll failed');
        }
      }),
    );
    return due.length;
  }

  async function ownedCarrierAccount(sellerId: string, accountId: string) {
    const account = await db.selectFrom('carrier_accounts').select(['id', 'carrier', 'tracking_mode']).where('seller_id', '=', sellerId).where('id', '=', accountId).executeTakeFirst();
    if (!account) throw notFound('carrier account');
    return account as { id: string; carrier: CarrierId; tracking_mode: TrackingMode };
  }

  const poller = createPollingLoop(pollOnce, (err) => deps.log.error({ err: String(err) }, 'tracking poll tick failed'));

  return {
    recordSupplierEvent,
    recordCarrierWebhook,
    pollOnce,

    /** An order's milestones per shipment, in the order they were recorded, with what each did to the state. */
    async list(sellerId: string, orderId: string) {
      const order = await db.selectFrom('orders').select('id').where('seller_id', '=', sellerId).where('id', '=', orderId).executeTakeFirst();
      if (!order) throw notFound('order');
      const [shipments, rows] = await Promise.all([
        db
          .selectFrom('shipments')
          .select(['id', 'carrier', 'service', 'tracking_number', 'supplier_order_ref', 'fulfillment_state', 'fulfillment_state_at'])
          .where('seller_id', '=', sellerId)
          .where('order_id', '=', orderId)
          .orderBy('id')
          .execute(),
        listMilestones(db, sellerId, orderId),
      ]);
      return {
        order_id: orderId,
        shipments: shipments.map((s) => {
          let state = INITIAL_STATE;
          const milestones = rows
            .filter((r) => r.shipment_id === s.id)
            .map((r) => {
              const transition = advance(state, { type: r.type, occurredAt: r.occurred_at });
              state = transition.next;
              return {
                id: r.id,
                type: r.type,
                occurred_at: r.occurred_at.toISOString(),
                recorded_at: r.recorded_at.toISOString(),
                source: r.source,
                source_event_id: r.source_event_id,
                effect: transition.effect,
                details: r.details,
                hash: r.hash,
              };
            });
          return {
            shipment_id: s.id,
            carrier: s.carrier,
            service: s.service,
            tracking_number: s.tracking_number,
            supplier_order_ref: s.supplier_order_ref,
            fulfillment_state: s.fulfillment_state,
            fulfillment_state_at: s.fulfillment_state_at?.toISOString() ?? null,
            milestones,
          };
        }),
      };
    },

    /** A new callback secret for the supplier, returned once; the previous one verifies for 24 h more. */
    async rotateSupplierSecret(sellerId: string, supplierId: string) {
      const now = clock.now();
      const secret = newCallbackSecret();
      const row = await db.transaction().execute(async (trx) => {
        const current = await trx.selectFrom('suppliers').select(['id', 'callback_secret_sealed']).where('seller_id', '=', sellerId).where('id', '=', supplierId).forUpdate().executeTakeFirst();
        if (!current) throw notFound('supplier');
        const previousValidUntil = current.callback_secret_sealed ? new Date(now.getTime() + PREVIOUS_SECRET_GRACE_MS) : null;
        await trx
          .updateTable('suppliers')
          .set({ callback_secret_sealed: secrets.seal(secret), previous_callback_secret_sealed: current.callback_secret_sealed, previous_callback_secret_expires_at: previousValidUntil })
          .where('id', '=', supplierId)
          .execute();
        return { previousValidUntil };
      });
      deps.network.invalidate(sellerId);
      return {
        supplier_id: supplierId,
        callback_secret: secret,
        previous_secret_valid_until: row.previousValidUntil?.toISOString() ?? null,
        callback_path: `/v1/partners/suppliers/${supplierId}/events`,
        signature_header: SIGNATURE_HEADER,
      };
    },

    /** Stores the secret the carrier's webhooks are checked with (generated when not given) and says where it goes at the carrier. */
    async setCarrierWebhookSecret(sellerId: string, accountId: string, given: string | undefined) {
      const account = await ownedCarrierAccount(sellerId, accountId);
      const secret = given ?? newWebhookSecret();
      await db.updateTable('carrier_accounts').set({ webhook_secret_sealed: secrets.seal(secret) }).where('id', '=', account.id).execute();
      deps.network.invalidate(sellerId);
      const webhook = carrierTrackingWebhooks[account.carrier];
      const path = `/webhooks/carriers/${account.id}`;
      return {
        carrier_account_id: account.id,
        carrier: account.carrier,
        webhook_secret: secret,
        verification: webhook.verification,
        webhook_path: webhook.verification === 'url_token' ? `${path}?token=${encodeURIComponent(secret)}` : path,
        instructions: webhook.secretPlacement,
      };
    },

    /** `poll` only for carriers whose adapter can track (EasyPost). @throws VALIDATION_FAILED otherwise. */
    async setTrackingMode(sellerId: string, accountId: string, mode: TrackingMode) {
      const account = await ownedCarrierAccount(sellerId, accountId);
      if (mode === 'poll' && !deps.carriers[account.carrier]?.track) {
        throw new AppError('VALIDATION_FAILED', `mode: ${account.carrier} tracking cannot be polled yet; use its webhook`, [{ field: 'mode', message: `${account.carrier} does not support polling` }]);
      }
      await db.updateTable('carrier_accounts').set({ tracking_mode: mode }).where('id', '=', account.id).execute();
      deps.network.invalidate(sellerId);
      return { carrier_account_id: account.id, carrier: account.carrier, tracking_mode: mode };
    },

    startPolling(intervalMs: number) {
      poller.start(intervalMs);
    },
    async stopPolling() {
      await poller.stop();
    },
  };
}
export type MilestoneService = ReturnType<typeof createMilestoneService>;
