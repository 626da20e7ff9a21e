import { sql, type Kysely } from 'kysely';
import type { Database, PlatformEventRow, PlatformOrderStatus } from '../../db/database.js';
import { AppError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import type { OrderCancellations } from '../../orders/cancel-order.js';
import type { OrderService } from '../../orders/order-service.js';
import type { AcceptResult, Delivery, Intent } from './contract.js';
import { createPollingLoop } from '../../lib/polling-loop.js';

/** How long one worker owns a received event; another takes it over after this (crash). */
const LEASE_MS = 60_000;
const MAX_ATTEMPTS = 12;
/** A concurrent delivery of the same platform order holds the idempotency key: wait for it this long. */
const IN_FLIGHT_PATIENCE_MS = 5_000;
const RECONCILE_EVERY_MS = 5_000;

export type InboundWebhookDeps = {
  db: Kysely<Database>;
  clock: Clock;
  orders: Pick<OrderService, 'place'>;
  cancellations: Pick<OrderCancellations, 'cancel' | 'reconcile'>;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** How long the platform waits for the promise before it gets its 200 anyway (read per delivery). */
  ackWithinMs: () => number;
  random?: () => number;
};

type Finish = { status: 'processed' | 'ignored'; order_id: string | null; reason: string | null };

/** Exponential backoff with jitter, 1 s doubling up to 10 min. */
const backoffMs = (attempt: number, random: number) => {
  const ceiling = Math.min(600_000, 1000 * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
};
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Platform deliveries become Pledge orders here. `accept` writes the event first (the unique
 * dedupe key makes a second delivery a no-op), then places the order with an idempotency key derived
 * from the platform order, racing it against the acknowledgement deadline; whatever is not done in
 * time finishes in the background, and `tick` finishes events left `received` by a crash.
 */
export function createInboundWebhooks(deps: InboundWebhookDeps) {
  const { db, clock } = deps;
  const random = deps.random ?? Math.random;
  const inFlight = new Set<Promise<unknown>>();
  let lastReconcileMs = 0;

  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => {});
    return work;
  }

  const linkOf = (ev: PlatformEventRow) =>
    db
      .selectFrom('platform_orders')
      .selectAll()
      .where('seller_id', '=', ev.seller_id)
      .where('platform', '=', ev.platform)
      .where('external_ref', '=', ev.external_ref)
      .executeTakeFirst();

  /** Records what a platform order became, unless it was already placed (or cancelled, which wins). */
  async function setLink(ev: PlatformEventRow, status: Exclude<PlatformOrderStatus, 'placed' | 'cancelled'>, reason: string) {
    const now = clock.now();
    await db
      .insertInto('platform_orders')
      .values({ seller_id: ev.seller_id, platform: ev.platform, external_ref: ev.external_ref, status, reason, updated_at: now })
      .onConflict((oc) =>
        oc
          .columns(['seller_id', 'platform', 'external_ref'])
          .doUpdateSet({ status, reason, updated_at: now })
          .where('platform_orders.order_id', 'is', null)
          .where('platform_orders.status', '<>', 'cancelled'),
      )
      .execute();
  }

  async function place(ev: PlatformEventRow, intent: Extract<Intent, { kind: 'place' }>): Promise<Finish> {
    const link = await linkOf(ev);
    if (link?.status === 'cancelled') {
      return { status: 'ignored', order_id: link.order_id, reason: link.order_id ? 'already placed, and since cancelled on the platform' : 'cancelled on the platform before Pledge placed it' };
    }
    if (link?.order_id) return { status: 'processed', order_id: link.order_id, reason: 'already placed' };

    const patience = performance.now() + IN_FLIGHT_PATIENCE_MS;
    let body: { id: string; status: string; code?: string };
    for (;;) {
      try {
        body = (await deps.orders.place(ev.seller_id, intent.request, intent.idempotencyKey)).body as typeof body;
        break;
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        if (err.code === 'IDEMPOTENCY_KEY_IN_FLIGHT') {
          if (performance.now() < patience) {
            await sleep(200);
            continue;
          }
          throw err;
        }
        // UNKNOWN_SKU, CURRENCY_MISMATCH...: this order cannot ship; acknowledged, never retried.
        const reason = `${err.code}: ${err.message}`;
        await setLink(ev, 'rejected', reason);
        return { status: 'ignored', order_id: null, reason };
      }
    }

    const now = clock.now();
    const linked = await db
      .insertInto('platform_orders')
      .values({ seller_id: ev.seller_id, platform: ev.platform, external_ref: ev.external_ref, order_id: body.id, status: 'placed', updated_at: now })
      .onConflict((oc) =>
        oc.columns(['seller_id', 'platform', 'external_ref']).doUpdateSet({
          order_id: body.id,
          // A cancellation that arrived while we were placing wins.
          status: sql<PlatformOrderStatus>`case when platform_orders.status = 'cancelled' then 'cancelled' else 'placed' end`,
          reason: null,
          updated_at: now,
        }),
      )
      .returning('status')
      .executeTakeFirstOrThrow();
    if (linked.status === 'cancelled') {
      await cancelOrder(ev.seller_id, body.id, 'cancelled on the platform while Pledge was placing it');
      return { status: 'processed', order_id: body.id, reason: 'placed, then cancelled: the platform cancelled it meanwhile' };
    }
    return { status: 'processed', order_id: body.id, reason: body.status === 'declined' ? `declined by the promise engine (${body.code})` : null };
  }

  async function hold(ev: PlatformEventRow, intent: Extract<Intent, { kind: 'hold' }>): Promise<Finish> {
    const link = await linkOf(ev);
    if (link?.order_id) return { status: 'processed', order_id: link.order_id, reason: 'already placed' };
    if (link?.status === 'cancelled') return { status: 'ignored', order_id: null, reason: 'cancelled on the platform' };
    await setLink(ev, 'held', intent.reason);
    return { status: 'processed', order_id: null, reason: intent.reason };
  }

  /** @returns false when the order was declined (nothing to cancel) */
  async function cancelOrder(sellerId: string, orderId: string, reason: string, initiatedBy: 'customer' | 'seller' | 'unknown' = 'unknown'): Promise<boolean> {
    try {
      await deps.cancellations.cancel(sellerId, orderId, reason, 'platform', initiatedBy);
      return true;
    } catch (err) {
      if (err instanceof AppError && err.code === 'CONFLICT') return false;
      throw err;
    }
  }

  async function cancel(ev: PlatformEventRow, intent: Extract<Intent, { kind: 'cancel' }>): Promise<Finish> {
    const now = clock.now();
    // Not placed yet (or never will be): remember the cancellation so a late create is ignored.
    const early = await db
      .insertInto('platform_orders')
      .values({ seller_id: ev.seller_id, platform: ev.platform, external_ref: ev.external_ref, status: 'cancelled', reason: intent.reason, updated_at: now })
      .onConflict((oc) =>
        oc.columns(['seller_id', 'platform', 'external_ref']).doUpdateSet({ status: 'cancelled', reason: intent.reason, updated_at: now }).where('platform_orders.order_id', 'is', null),
      )
      .returning('status')
      .executeTakeFirst();
    if (early) return { status: 'processed', order_id: null, reason: 'cancelled before Pledge placed it' };

    const link = (await linkOf(ev))!;
    const orderId = link.order_id!;
    const cancelled = await cancelOrder(ev.seller_id, orderId, intent.reason, intent.initiatedBy);
    await db
      .updateTable('platform_orders')
      .set({ status: 'cancelled', reason: intent.reason, updated_at: now })
      .where('seller_id', '=', ev.seller_id)
      .where('platform', '=', ev.platform)
      .where('external_ref', '=', ev.external_ref)
      .execute();
    return { status: 'processed', order_id: orderId, reason: cancelled ? null : 'the order was declined: nothing to cancel' };
  }

  function run(ev: PlatformEventRow): Promise<Finish> {
    const intent = ev.payload as Intent;
    switch (intent.kind) {
      case 'place':
        return place(ev, intent);
      case 'hold':
        return hold(ev, intent);
      case 'cancel':
        return cancel(ev, intent);
    }
  }

  async function execute(ev: PlatformEventRow): Promise<Omit<AcceptResult, 'outcome'>> {
    const eventId = String(ev.id);
    try {
      const done = await run(ev);
      await db
        .updateTable('platform_events')
        .set({ status: done.status, order_id: done.order_id, reason: done.reason, locked_until: null, processed_at: clock.now() })
        .where('id', '=', ev.id)
        .execute();
      return { event_id: eventId, ...done };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const now = clock.now();
      const isFinal = ev.attempts >= MAX_ATTEMPTS;
      await db
        .updateTable('platform_events')
        .set(
          isFinal
            ? { status: 'failed', reason: message, locked_until: null, processed_at: now }
            : { reason: message, locked_until: null, next_attempt_at: new Date(now.getTime() + backoffMs(ev.attempts, random())) },
        )
        .where('id', '=', ev.id)
        .execute();
      deps.log[isFinal ? 'error' : 'warn']({ eventId, attempt: ev.attempts, err: message }, isFinal ? 'platform event failed permanently' : 'platform event will be retried');
      return { event_id: eventId, status: isFinal ? 'failed' : 'received', order_id: null, reason: message };
    }
  }

  async function claim(id: string): Promise<PlatformEventRow | undefined> {
    const now = clock.now();
    return db
      .updateTable('platform_events')
      .set({ locked_until: new Date(now.getTime() + LEASE_MS), attempts: sql`attempts + 1` })
      .where('id', '=', id as unknown as number)
      .where('status', '=', 'received')
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .returningAll()
      .executeTakeFirst();
  }

  async function claimDue(limit: number): Promise<PlatformEventRow[]> {
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('platform_events')
        .select('id')
        .where('status', '=', 'received')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
        .orderBy('next_attempt_at')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute();
      if (due.length === 0) return [];
      return trx
        .updateTable('platform_events')
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

  async function tick(limit = 20): Promise<number> {
    const rows = await claimDue(limit);
    await Promise.all(rows.map((r) => track(execute(r))));
    const nowMs = clock.now().getTime();
    if (nowMs - lastReconcileMs >= RECONCILE_EVERY_MS) {
      lastReconcileMs = nowMs;
      await deps.cancellations.reconcile().catch((err) => deps.log.warn({ err: String(err) }, 'cancellation reconcile failed'));
    }
    return rows.length;
  }

  const worker = createPollingLoop(tick, (err) => deps.log.error({ err: String(err) }, 'platform event worker tick failed'));

  return {
    /**
     * Records a verified delivery, then promises within the acknowledgement deadline. Never throws
     * for business reasons: the platform gets a 200 for every delivery it should not retry.
     */
    async accept(d: Delivery): Promise<AcceptResult> {
      const now = clock.now();
      const declined = d.mapped.kind === 'decline' ? d.mapped.reason : null;
      const inserted = await db
        .insertInto('platform_events')
        .values({
          seller_id: d.sellerId,
          platform: d.platform,
          dedupe_key: d.dedupeKey,
          topic: d.topic,
          external_ref: d.mapped.externalRef,
          payload: d.mapped.kind === 'intent' ? JSON.stringify(d.mapped.intent) : null,
          status: declined ? 'ignored' : 'received',
          reason: declined,
          next_attempt_at: now,
          processed_at: declined ? now : null,
        })
        .onConflict((oc) => oc.columns(['seller_id', 'platform', 'dedupe_key']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) {
        const first = await db
          .selectFrom('platform_events')
          .select(['id', 'status', 'order_id', 'reason'])
          .where('seller_id', '=', d.sellerId)
          .where('platform', '=', d.platform)
          .where('dedupe_key', '=', d.dedupeKey)
          .executeTakeFirst();
        return { outcome: 'duplicate', event_id: first ? String(first.id) : null, status: first?.status ?? 'received', order_id: first?.order_id ?? null, reason: first?.reason ?? null };
      }
      const eventId = String(inserted.id);
      if (declined) return { outcome: 'declined', event_id: eventId, status: 'ignored', order_id: null, reason: declined };

      const work = track(
        (async () => {
          const ev = await claim(eventId);
          return ev ? execute(ev) : null; // a worker took it first: it finishes it
        })(),
      );
      let timeout: NodeJS.Timeout | undefined;
      const done = await Promise.race([work.catch(() => null), new Promise<null>((r) => (timeout = setTimeout(() => r(null), deps.ackWithinMs())))]);
      clearTimeout(timeout);
      return done ? { outcome: 'accepted', ...done } : { outcome: 'accepted', event_id: eventId, status: 'received', order_id: null, reason: null };
    },

    tick,
    start(intervalMs: number) {
      worker.start(intervalMs);
    },
    async stop() {
      await worker.stop();
    },
    /** Waits for deliveries still being promised in the background (graceful shutdown). */
    async drain() {
      await Promise.allSettled([...inFlight]);
    },
  };
}
export type InboundWebhooks = ReturnType<typeof createInboundWebhooks>;
