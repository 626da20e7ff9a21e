import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { newSortableId } from '../../lib/ids.js';
import type { WebhookEvent } from './event-types.js';

/**
 * Records an event and one pending delivery per subscribed endpoint, inside the caller's
 * transaction: the event exists if and only if the change that caused it committed.
 */
export interface EventSink {
  /** Returns the event id, or null when no endpoint of this seller subscribes to the type (nothing is written). */
  emit(trx: Kysely<Database>, sellerId: string, event: WebhookEvent): Promise<string | null>;
}

export function createEventSink(deps: { clock: Clock }): EventSink {
  return {
    async emit(trx, sellerId, event) {
      const endpoints = await trx
        .selectFrom('webhook_endpoints')
        .select('id')
        .where('seller_id', '=', sellerId)
        .where('deleted_at', 'is', null)
        .where(sql<boolean>`events @> ${JSON.stringify([event.type])}::jsonb`)
        .execute();
      if (endpoints.length === 0) return null;
      const now = deps.clock.now();
      const eventId = newSortableId('evt', now.getTime());
      // Frozen here: every attempt, retry and redelivery sends these exact bytes.
      const payload = JSON.stringify({ type: event.type, timestamp: now.toISOString(), data: event.data });
      await trx.insertInto('webhook_events').values({ id: eventId, seller_id: sellerId, type: event.type, payload, occurred_at: now }).execute();
      await trx
        .insertInto('webhook_deliveries')
        .values(
          endpoints.map((e) => ({
            id: newSortableId('whd', now.getTime()),
            seller_id: sellerId,
            event_id: eventId,
            endpoint_id: e.id,
            status: 'pending' as const,
            next_attempt_at: now,
          })),
        )
        .execute();
      return eventId;
    },
  };
}
