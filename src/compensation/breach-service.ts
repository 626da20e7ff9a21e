import { sql, type Kysely, type Transaction } from 'kysely';
import type { BreachStatus, CompensationStatus, Database, OutcomeBreachKind } from '../db/database.js';
import { AppError, invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { PledgeMetrics } from '../lib/metrics.js';
import { canonicalJson, sha256Hex } from '../lib/crypto.js';
import { newSortableId } from '../lib/ids.js';
import type { Principal } from '../sellers/seller-service.js';
import type { EventSink } from '../webhooks/outbound/event-sink.js';
import { cancelTimers, detectBreach, loadPromise, type PromiseContext, timerBreach, timerEvidence, writeOutcome } from './breach-detection.js';
import { postCompensationIn, releaseExposureIn } from './compensation-ledger.js';
import {
  type ChargebackTerms,
  chargebackMinor,
  computeCompensation,
  DEFAULT_CHARGEBACK_TERMS,
  isRepairable,
  needsApproval,
  shipmentValueMinor,
} from './compensation-policy.js';

/** The repair saga (src/compensation/repair-saga.ts), optional: it sets the breach to repaired or repair_failed itself. */
export type RepairStarter = { start(trx: Transaction<Database>, input: { breachId: string }): Promise<void> };

export type BreachServiceDeps = {
  db: Kysely<Database>;
  clock: Clock;
  events?: EventSink;
  repairs?: RepairStarter;
  log?: { warn(obj: object, msg: string): void };
  metrics?: Pick<PledgeMetrics, 'breachWork'>;
  /** A claim is retried after this when its transaction failed (default 30 s). */
  retryAfterMs?: number;
  /** Test seam: throw here to simulate a crash after the claim, before the commit. */
  faults?: { beforeBreachCommit?: (breachId: string) => void };
};

export type CompensationQuery = { status?: CompensationStatus; order_id?: string; cursor?: string; limit: number };
export type BreachQuery = { order_id?: string; kind?: OutcomeBreachKind; status?: BreachStatus; cursor?: string | undefined; limit?: number };

const BATCH = 50;
// Once a breach is settled as broken, the shipment's other deadlines have nothing left to detect.
const ALL_TIMERS = ['acceptance', 'handover', 'delivery', 'silence'] as const;
const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
/** A cursor is the last id of a page (compensations `cmp_`, breaches `brc_`): sortable by creation time. */
function decodeCursor(cursor: string, prefix: 'cmp' | 'brc' = 'cmp'): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!new RegExp(`^${prefix}_[0-9a-f]{32}$`).test(id)) throw invalid('cursor', 'not a cursor returned by this API');
  return id;
}

const selectCompensations = (db: Kysely<Database>) =>
  db
    .selectFrom('compensations as c')
    .leftJoin('breaches as b', 'b.id', 'c.breach_id')
    .select([
      'c.id',
      'c.seller_id',
      'c.order_id',
      'c.breach_id',
      'b.kind as breach_kind',
      'c.currency',
      'c.amount_minor',
      'c.breakdown',
      'c.policy_version',
      'c.status',
      'c.requested_by',
      'c.created_at',
      'c.decided_by',
      'c.decided_at',
      'c.reason',
      'c.journal_transaction_id',
    ]);
type CompensationRow = Awaited<ReturnType<ReturnType<typeof selectCompensations>['executeTakeFirstOrThrow']>>;

/** API shape (the finance page's contract): never the row itself. */
const compensationView = (r: CompensationRow) => ({
  id: r.id,
  order_id: r.order_id,
  breach_id: r.breach_id,
  breach_kind: r.breach_kind,
  currency: r.currency,
  amount_minor: Number(r.amount_minor),
  breakdown: r.breakdown,
  policy_version: r.policy_version,
  status: r.status,
  requested_by: r.requested_by,
  created_at: r.created_at.toISOString(),
  decided_by: r.decided_by,
  decided_at: r.decided_at?.toISOString() ?? null,
  reason: r.reason,
  journal_transaction_id: r.journal_transaction_id,
});
export type CompensationView = ReturnType<typeof compensationView>;

/**
 * Broken promises end to end: fires due timers into breaches, settles breaches (repair, or compensation
 * under the order's policy version, posted or held for approval), and the finance approval flow.
 */
export function createBreachService(deps: BreachServiceDeps) {
  const { db, clock } = deps;
  const retryAfterMs = deps.retryAfterMs ?? 30_000;
  let loop: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const count = (step: string) => deps.metrics?.breachWork.inc({ step });

  // ---- timers ----

  /** Fires one due timer in its own transaction; false when none is due (or all are held by other instances). */
  async function fireOne(now: Date): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      const timer = await trx
        .selectFrom('promise_timers')
        .selectAll()
        .where('status', '=', 'pending')
        .where('due_at', '<=', now)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
        .orderBy('due_at')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!timer) return false;
      const ctx = await loadPromise(trx, timer.shipment_id);
      const found = ctx ? timerBreach(timer.kind, ctx) : null;
      if (!ctx || !found) {
        await trx.updateTable('promise_timers').set({ status: 'cancelled', locked_until: null }).where('id', '=', timer.id).execute();
        return true;
      }
      await trx.updateTable('promise_timers').set({ status: 'fired', fired_at: now, locked_until: null, attempts: sql`attempts + 1` }).where('id', '=', timer.id).execute();
      await detectBreach(trx, { clock, events: deps.events }, ctx, { ...found, milestoneIds: await timerEvidence(trx, ctx.shipment_id), timerId: timer.id }, now);
      count('timer_fired');
      return true;
    });
  }

  // ---- breaches ----

  async function alreadyCompensated(trx: Kysely<Database>, shipmentId: string): Promise<number> {
    const row = await trx
      .selectFrom('compensations as c')
      .innerJoin('breaches as b', 'b.id', 'c.breach_id')
      .select(sql<number>`coalesce(sum(c.amount_minor), 0)::bigint`.as('sum'))
      .where('b.shipment_id', '=', shipmentId)
      .where('c.status', 'in', ['posted', 'pending_approval'])
      .executeTakeFirstOrThrow();
    return Number(row.sum);
  }

  async function chargebackTerms(trx: Kysely<Database>, cause: string, partnerId: string | null): Promise<ChargebackTerms | null> {
    if (!partnerId) return null;
    if (cause === 'supplier') {
      const row = await trx.selectFrom('suppliers').select('chargeback_terms').where('id', '=', partnerId).executeTakeFirst();
      return row ? (row.chargeback_terms ?? DEFAULT_CHARGEBACK_TERMS.supplier) : null;
    }
    if (cause === 'carrier') {
      const row = await trx.selectFrom('carrier_accounts').select('chargeback_terms').where('id', '=', partnerId).executeTakeFirst();
      return row ? (row.chargeback_terms ?? DEFAULT_CHARGEBACK_TERMS.carrier) : null;
    }
    return null;
  }

  /** Posts a compensation row to the journal and tells the seller, in the caller's transaction. */
  async function post(trx: Transaction<Database>, comp: { id: string; seller_id: string; order_id: string; breach_id: string | null; currency: string; amount_minor: number }, now: Date, decidedBy: string | null) {
    const breach = comp.breach_id ? await trx.selectFrom('breaches').selectAll().where('id', '=', comp.breach_id).executeTakeFirstOrThrow() : null;
    const terms = breach ? await chargebackTerms(trx, breach.cause, breach.partner_id) : null;
    const journal = await postCompensationIn(trx, {
      sellerId: comp.seller_id,
      orderId: comp.order_id,
      currency: comp.currency,
      ref: comp.breach_id ?? comp.id,
      kind: breach?.kind ?? 'goodwill',
      amountMinor: comp.amount_minor,
      releaseExposure: breach !== null,
      partnerId: terms ? breach!.partner_id : null,
      chargebackMinor: terms ? chargebackMinor(comp.amount_minor, terms) : 0,
      now,
    });
    await trx
      .updateTable('compensations')
      .set({ status: 'posted', journal_transaction_id: journal.compensation.id, ...(decidedBy ? { decided_by: decidedBy, decided_at: now } : {}) })
      .where('id', '=', comp.id)
      .execute();
    if (breach) {
      await trx.updateTable('breaches').set({ status: 'compensated', resolved_at: now, locked_until: null }).where('id', '=', breach.id).execute();
      await cancelTimers(trx, breach.shipment_id, ALL_TIMERS);
      const ctx = await loadPromise(trx, breach.shipment_id);
      if (ctx) await writeOutcome(trx, ctx, { outcome: 'broken', breachKind: breach.kind, cause: breach.cause, compensationMinor: comp.amount_minor, now });
    }
    await deps.events?.emit(trx, comp.seller_id, {
      type: 'compensation.posted',
      data: { order_id: comp.order_id, breach_id: comp.breach_id, compensation_id: comp.id, kind: breach?.kind ?? 'goodwill', amount_minor: comp.amount_minor, currency: comp.currency, journal_transaction_id: journal.compensation.id },
    });
    return journal;
  }

  async function settle(trx: Transaction<Database>, breach: { id: string; kind: OutcomeBreachKind; cause: string }, ctx: PromiseContext, now: Date): Promise<string> {
    const deliveredAt = (
      await trx.selectFrom('milestones').select(sql<Date | null>`min(occurred_at)`.as('at')).where('shipment_id', '=', ctx.shipment_id).where('type', '=', 'delivered').executeTakeFirst()
    )?.at;
    const value = shipmentValueMinor(ctx.order_lines as never, ctx.shipment_lines as never);
    const { amountMinor, breakdown } = computeCompensation({
      kind: breach.kind,
      rules: ctx.rules,
      valueMinor: value,
      deliverBy: ctx.deliver_by,
      lateAt: deliveredAt ?? now,
      alreadyCompensatedMinor: await alreadyCompensated(trx, ctx.shipment_id),
    });
    if (amountMinor === 0) {
      // Nothing more is owed (already compensated for this shipment): the promise still broke.
      await trx.updateTable('breaches').set({ status: 'closed', resolved_at: now, locked_until: null }).where('id', '=', breach.id).execute();
      await cancelTimers(trx, ctx.shipment_id, ALL_TIMERS);
      await writeOutcome(trx, ctx, { outcome: 'broken', breachKind: breach.kind, cause: breach.cause as never, compensationMinor: 0, now });
      return 'closed';
    }
    const comp = { id: newSortableId('cmp', now.getTime()), seller_id: ctx.seller_id, order_id: ctx.order_id, breach_id: breach.id, currency: ctx.currency, amount_minor: amountMinor };
    const pending = needsApproval(amountMinor, ctx.rules);
    await trx
      .insertInto('compensations')
      .values({ ...comp, breakdown: JSON.stringify(breakdown), policy_version: ctx.policy_version, status: 'pending_approval', requested_by: 'system', created_at: now })
      .execute();
    if (pending) {
      // The exposure stays reserved until finance decides.
      await trx.updateTable('breaches').set({ status: 'awaiting_approval', locked_until: null }).where('id', '=', breach.id).execute();
      return 'pending_approval';
    }
    await post(trx, comp, now, null);
    return 'posted';
  }

  /** Claims one open breach (SKIP LOCKED) and settles it in that one transaction; false when none is ready. */
  async function processOne(now: Date): Promise<boolean> {
    let claimedId: string | undefined;
    try {
      return await db.transaction().execute(async (trx) => {
        const breach = await trx
          .selectFrom('breaches')
          .selectAll()
          .where('status', 'in', ['detected', 'repair_failed'])
          .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
          .orderBy('detected_at')
          .limit(1)
          .forUpdate()
          .skipLocked()
          .executeTakeFirst();
        if (!breach) return false;
        claimedId = breach.id;
        let step = 'closed';
        const ctx = await loadPromise(trx, breach.shipment_id);
        // A cancelled order owes nothing more, except for the cancellation itself when the seller broke it.
        if (!ctx || (ctx.order_status === 'cancelled' && breach.kind !== 'cancelled')) {
          await trx.updateTable('breaches').set({ status: 'closed', resolved_at: now, locked_until: null }).where('id', '=', breach.id).execute();
        } else if (breach.status === 'detected' && deps.repairs && isRepairable(breach, now, ctx.deliver_by)) {
          await deps.repairs.start(trx, { breachId: breach.id });
          step = 'repairing';
          await trx.updateTable('breaches').set({ status: 'repairing', locked_until: null }).where('id', '=', breach.id).where('status', '=', 'detected').execute();
        } else if (breach.process_after && breach.process_after > now) {
          // Not owed yet: hold the claim until then (a delivery by the date closes it meanwhile).
          await trx.updateTable('breaches').set({ locked_until: breach.process_after }).where('id', '=', breach.id).execute();
          step = 'held';
        } else {
          step = await settle(trx, breach, ctx, now);
        }
        deps.faults?.beforeBreachCommit?.(breach.id);
        return step;
      }).then((step) => {
        if (step) count(step);
        return step !== false;
      });
    } catch (err) {
      if (!claimedId) throw err;
      // Rolled back: the breach is still open; retry it after a pause so one bad row never blocks the rest.
      count('failed');
      deps.log?.warn({ breachId: claimedId, err: (err as Error).message }, 'breach processing failed; will retry');
      await db
        .updateTable('breaches')
        .set({ attempts: sql`attempts + 1`, last_error: (err as Error).message.slice(0, 500), locked_until: new Date(now.getTime() + retryAfterMs) })
        .where('id', '=', claimedId)
        .execute();
      return true;
    }
  }

  async function tick(opts: { now?: Date } = {}) {
    const now = opts.now ?? clock.now();
    let fired = 0;
    let processed = 0;
    while (fired < BATCH && (await fireOne(now))) fired++;
    while (processed < BATCH && (await processOne(now))) processed++;
    return { fired, processed };
  }

  // ---- finance ----

  async function lockCompensation(trx: Transaction<Database>, sellerId: string, id: string) {
    const row = await trx.selectFrom('compensations').selectAll().where('seller_id', '=', sellerId).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw notFound('compensation');
    return row;
  }

  function assertDecidable(row: { status: CompensationStatus; requested_by: string }, principal: Principal) {
    if (row.status !== 'pending_approval') throw new AppError('CONFLICT', `This compensation is already ${row.status}`);
    if (row.requested_by === principal.keyId) {
      throw new AppError('FOUR_EYES', 'A compensation is approved or rejected by another API key than the one that requested it', [{ field: 'authorization', message: 'same key as the requester' }]);
    }
  }

  async function view(trx: Kysely<Database>, sellerId: string, id: string) {
    const row = await selectCompensations(trx).where('c.seller_id', '=', sellerId).where('c.id', '=', id).executeTakeFirstOrThrow();
    return compensationView(row);
  }

  return {
    tick,

    /** Starts the loop on this instance; several instances share the work through SKIP LOCKED. */
    start(intervalMs: number) {
      if (loop) return;
      loop = setInterval(() => {
        if (running) return;
        running = tick()
          .catch((err) => deps.log?.warn({ err: (err as Error).message }, 'breach tick failed'))
          .finally(() => (running = undefined));
      }, intervalMs);
      loop.unref();
    },
    async stop() {
      clearInterval(loop);
      loop = undefined;
      await running;
    },

    /** Newest first. @throws VALIDATION_FAILED (cursor) */
    async listCompensations(sellerId: string, q: CompensationQuery) {
      let query = selectCompensations(db).where('c.seller_id', '=', sellerId);
      if (q.status) query = query.where('c.status', '=', q.status);
      if (q.order_id) query = query.where('c.order_id', '=', q.order_id);
      if (q.cursor) query = query.where('c.id', '<', decodeCursor(q.cursor));
      const rows = await query.orderBy('c.id', 'desc').limit(q.limit + 1).execute();
      const page = rows.slice(0, q.limit);
      return { data: page.map(compensationView), next_cursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]!.id) : null };
    },

    /**
     * A manual goodwill compensation: always waits for another key's approval. Idempotent on the key.
     * @throws NOT_FOUND (order), CONFLICT (declined order), IDEMPOTENCY_KEY_REUSED (same key, other body)
     */
    async requestCompensation(principal: Principal, input: { order_id: string; amount_minor: number; reason: string }, idempotencyKey: string): Promise<{ compensation: CompensationView; isReplay: boolean }> {
      const requestHash = sha256Hex(canonicalJson(input));
      return db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom('compensations').select(['id', 'request_hash']).where('seller_id', '=', principal.sellerId).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
        if (existing) {
          if (existing.request_hash !== requestHash) {
            throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for another compensation request', [{ field: 'idempotency-key', message: 'already used with another body' }]);
          }
          return { compensation: await view(trx, principal.sellerId, existing.id), isReplay: true };
        }
        const order = await trx.selectFrom('orders').select(['id', 'currency', 'status', 'policy_version']).where('seller_id', '=', principal.sellerId).where('id', '=', input.order_id).executeTakeFirst();
        if (!order) throw new AppError('NOT_FOUND', 'order not found', [{ field: 'order_id', message: 'no such order' }]);
        if (order.status === 'declined') throw new AppError('CONFLICT', 'A declined order was never promised: nothing to compensate', [{ field: 'order_id', message: 'declined' }]);
        const now = clock.now();
        const id = newSortableId('cmp', now.getTime());
        await trx
          .insertInto('compensations')
          .values({
            id,
            seller_id: principal.sellerId,
            order_id: order.id,
            breach_id: null,
            currency: order.currency,
            amount_minor: input.amount_minor,
            breakdown: JSON.stringify({ rule: 'goodwill', amount_minor: input.amount_minor }),
            policy_version: order.policy_version,
            status: 'pending_approval',
            requested_by: principal.keyId,
            reason: input.reason,
            created_at: now,
            idempotency_key: idempotencyKey,
            request_hash: requestHash,
          })
          .execute();
        return { compensation: await view(trx, principal.sellerId, id), isReplay: false };
      });
    },

    /**
     * Posts a pending compensation to the journal and emits compensation.posted, in one transaction.
     * @throws NOT_FOUND, FOUR_EYES (same key as the requester), CONFLICT (already decided)
     */
    async approve(principal: Principal, id: string): Promise<CompensationView> {
      return db.transaction().execute(async (trx) => {
        const row = await lockCompensation(trx, principal.sellerId, id);
        assertDecidable(row, principal);
        await post(trx, { ...row, amount_minor: Number(row.amount_minor) }, clock.now(), principal.keyId);
        return view(trx, principal.sellerId, id);
      });
    },

    /**
     * Rejects a pending compensation with a reason; a breach's reserved exposure is released (the promise
     * still counts as broken for the outcome log, with nothing paid).
     * @throws NOT_FOUND, FOUR_EYES, CONFLICT
     */
    async reject(principal: Principal, id: string, reason: string): Promise<CompensationView> {
      return db.transaction().execute(async (trx) => {
        const row = await lockCompensation(trx, principal.sellerId, id);
        assertDecidable(row, principal);
        const now = clock.now();
        await trx.updateTable('compensations').set({ status: 'rejected', decided_by: principal.keyId, decided_at: now, reason }).where('id', '=', id).execute();
        if (row.breach_id) {
          const breach = await trx.selectFrom('breaches').selectAll().where('id', '=', row.breach_id).executeTakeFirstOrThrow();
          await trx.updateTable('breaches').set({ status: 'rejected', resolved_at: now, locked_until: null }).where('id', '=', breach.id).execute();
          await cancelTimers(trx, breach.shipment_id, ALL_TIMERS);
          await releaseExposureIn(trx, { sellerId: row.seller_id, orderId: row.order_id, currency: row.currency, now, memo: 'compensation rejected by finance: exposure voided' });
          const ctx = await loadPromise(trx, breach.shipment_id);
          if (ctx) await writeOutcome(trx, ctx, { outcome: 'broken', breachKind: breach.kind, cause: breach.cause, compensationMinor: 0, now });
        }
        return view(trx, principal.sellerId, id);
      });
    },

    /** Breaches with their evidence and a proof link per milestone; amounts only for roles that may see money. */
    async listBreaches(principal: Principal, q: BreachQuery) {
      let query = db
        .selectFrom('breaches as b')
        .leftJoin('compensations as c', 'c.breach_id', 'b.id')
        .select(['b.id', 'b.order_id', 'b.shipment_id', 'b.kind', 'b.trigger', 'b.cause', 'b.partner_id', 'b.evidence', 'b.status', 'b.detected_at', 'b.resolved_at', 'c.id as compensation_id', 'c.status as compensation_status', 'c.amount_minor', 'c.currency'])
        .where('b.seller_id', '=', principal.sellerId);
      if (q.order_id) query = query.where('b.order_id', '=', q.order_id);
      if (q.kind) query = query.where('b.kind', '=', q.kind);
      if (q.status) query = query.where('b.status', '=', q.status);
      if (q.cursor) query = query.where('b.id', '<', decodeCursor(q.cursor, 'brc'));
      // Newest first by id: ids are time-sortable (detection time), so a cursor never skips or repeats one.
      const limit = q.limit ?? 50;
      const rows = await query.orderBy('b.id', 'desc').limit(limit + 1).execute();
      const page = rows.slice(0, limit);
      const seesMoney = principal.role !== 'ops';
      return {
        next_cursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
        data: page.map((r) => ({
          id: r.id,
          order_id: r.order_id,
          shipment_id: r.shipment_id,
          kind: r.kind,
          trigger: r.trigger,
          cause: r.cause,
          partner_id: r.partner_id,
          status: r.status,
          detected_at: r.detected_at.toISOString(),
          resolved_at: r.resolved_at?.toISOString() ?? null,
          evidence: {
            milestones: r.evidence.milestone_ids.map((id) => ({ id, proof_url: `/v1/milestones/${id}/proof` })),
            timer_id: r.evidence.timer_id ?? null,
            notes: r.evidence.notes,
          },
          compensation: r.compensation_id
            ? { id: r.compensation_id, status: r.compensation_status!, ...(seesMoney ? { amount_minor: Number(r.amount_minor), currency: r.currency! } : {}) }
            : null,
        })),
      };
    },

    /** @throws NOT_FOUND */
    async orderBreaches(principal: Principal, orderId: string) {
      const order = await db.selectFrom('orders').select('id').where('seller_id', '=', principal.sellerId).where('id', '=', orderId).executeTakeFirst();
      if (!order) throw notFound('order');
      // An order has a handful of breaches (one per shipment and kind, plus repairs): one page holds them.
      return this.listBreaches(principal, { order_id: orderId, limit: 200 });
    },
  };
}
export type BreachService = ReturnType<typeof createBreachService>;
