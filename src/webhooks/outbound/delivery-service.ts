import { sql, type Kysely } from 'kysely';
import type { Database, WebhookDeliveryAttemptRow, WebhookDeliveryRow, WebhookDeliveryStatus } from '../../db/database.js';
import { AppError, invalid, notFound } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';

export type DeliveryRecord = {
  delivery: WebhookDeliveryRow;
  event: { id: string; type: string; payload: string; occurred_at: Date };
  attempts: WebhookDeliveryAttemptRow[];
};

export type DeliveryQuery = { limit: number; cursor?: string | undefined; endpoint_id?: string | undefined; status?: WebhookDeliveryStatus | undefined; event_type?: string | undefined };

/** What a seller sees of its deliveries: every attempt with status and latency, and manual redelivery. */
export function createDeliveryService(deps: { db: Kysely<Database>; clock: Clock }) {
  const { db } = deps;

  async function withDetails(rows: WebhookDeliveryRow[]): Promise<DeliveryRecord[]> {
    if (rows.length === 0) return [];
    const [events, attempts] = await Promise.all([
      db
        .selectFrom('webhook_events')
        .select(['id', 'type', 'payload', 'occurred_at'])
        .where('id', 'in', [...new Set(rows.map((r) => r.event_id))])
        .execute(),
      db
        .selectFrom('webhook_delivery_attempts')
        .selectAll()
        .where(
          'delivery_id',
          'in',
          rows.map((r) => r.id),
        )
        .orderBy('id')
        .execute(),
    ]);
    const eventById = new Map(events.map((e) => [e.id, e]));
    const attemptsBy = new Map<string, WebhookDeliveryAttemptRow[]>();
    for (const a of attempts) attemptsBy.set(a.delivery_id, [...(attemptsBy.get(a.delivery_id) ?? []), a]);
    return rows.map((delivery) => ({ delivery, event: eventById.get(delivery.event_id)!, attempts: attemptsBy.get(delivery.id) ?? [] }));
  }

  async function get(sellerId: string, id: string): Promise<DeliveryRecord> {
    const row = await db.selectFrom('webhook_deliveries').selectAll().where('seller_id', '=', sellerId).where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('webhook delivery');
    return (await withDetails([row]))[0]!;
  }

  return {
    /** Newest first, filtered, with a cursor. Throws VALIDATION_FAILED (bad cursor). */
    async list(sellerId: string, q: DeliveryQuery): Promise<{ data: DeliveryRecord[]; next_cursor: string | null }> {
      let query = db.selectFrom('webhook_deliveries').selectAll('webhook_deliveries').where('webhook_deliveries.seller_id', '=', sellerId);
      if (q.cursor) query = query.where('webhook_deliveries.id', '<', decodeCursor(q.cursor));
      if (q.endpoint_id) query = query.where('endpoint_id', '=', q.endpoint_id);
      if (q.status) query = query.where('status', '=', q.status);
      if (q.event_type) {
        const type = q.event_type;
        query = query.where((eb) => eb.exists(eb.selectFrom('webhook_events').select(sql`1`.as('one')).whereRef('webhook_events.id', '=', 'webhook_deliveries.event_id').where('webhook_events.type', '=', type)));
      }
      const rows = await query.orderBy('webhook_deliveries.id', 'desc').limit(q.limit + 1).execute();
      const page = rows.slice(0, q.limit);
      return { data: await withDetails(page), next_cursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]!.id) : null };
    },

    /** Throws NOT_FOUND (also for another seller's delivery). */
    get,

    /**
     * Sends the same event (same webhook-id, same body) again as soon as the worker runs, starting a
     * fresh retry round. Throws NOT_FOUND, CONFLICT (an attempt is in flight, or the endpoint was deleted).
     */
    async redeliver(sellerId: string, id: string): Promise<DeliveryRecord> {
      const now = deps.clock.now();
      const updated = await db
        .updateTable('webhook_deliveries')
        .set({ status: 'pending', attempts: 0, next_attempt_at: now, locked_until: null, delivered_at: null })
        .where('seller_id', '=', sellerId)
        .where('id', '=', id)
        .where((eb) => eb.not(eb.and([eb('status', '=', 'pending'), eb('locked_until', '>', now)])))
        .where((eb) =>
          eb.exists(eb.selectFrom('webhook_endpoints').select(sql`1`.as('one')).whereRef('webhook_endpoints.id', '=', 'webhook_deliveries.endpoint_id').where('webhook_endpoints.deleted_at', 'is', null)),
        )
        .returning('id')
        .executeTakeFirst();
      if (!updated) {
        const current = await get(sellerId, id);
        const endpoint = await db.selectFrom('webhook_endpoints').select('deleted_at').where('id', '=', current.delivery.endpoint_id).executeTakeFirstOrThrow();
        if (endpoint.deleted_at) throw new AppError('CONFLICT', 'The endpoint of this delivery was deleted; it cannot be redelivered');
        throw new AppError('CONFLICT', 'An attempt of this delivery is in flight; try again when it has finished');
      }
      return get(sellerId, id);
    },
  };
}
export type DeliveryService = ReturnType<typeof createDeliveryService>;

const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^whd_[0-9a-f]{32}$/.test(id)) throw invalid('cursor', 'not a cursor returned by this API');
  return id;
}
