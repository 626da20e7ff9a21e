import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, WebhookEndpointRow } from '../../db/database.js';
import { AppError, notFound } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import type { SecretBox } from '../../lib/crypto.js';
import { newId } from '../../lib/ids.js';
import type { WebhookEventType } from './event-types.js';
import { encodeSecret, SECRET_BYTES } from './signing.js';

export const MAX_ENDPOINTS_PER_SELLER = 20;
/** How long the replaced secret keeps signing after a rotation, so receivers can switch without a gap. */
export const DEFAULT_ROTATION_OVERLAP_MS = 24 * 3_600_000;

export type EndpointServiceDeps = {
  db: Kysely<Database>;
  clock: Clock;
  secrets: SecretBox;
  checkUrl: (url: string) => Promise<{ ok: true } | { ok: false; reason: string }>;
  randomKey?: () => Buffer;
};

export type NewEndpoint = { url: string; events: WebhookEventType[]; description?: string | null | undefined };

/** A seller's webhook endpoints: registration (SSRF-checked URL), listing, deletion and secret rotation. */
export function createEndpointService(deps: EndpointServiceDeps) {
  const { db, clock } = deps;
  const newSecret = () => encodeSecret(deps.randomKey?.() ?? randomBytes(SECRET_BYTES));

  async function find(sellerId: string, id: string): Promise<WebhookEndpointRow> {
    const row = await db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('seller_id', '=', sellerId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw notFound('webhook endpoint');
    return row;
  }

  return {
    /**
     * Registers an endpoint and returns its signing secret (shown once; stored sealed).
     * Throws PARTNER_URL_REJECTED (SSRF guard), CONFLICT (too many endpoints).
     */
    async create(sellerId: string, input: NewEndpoint): Promise<{ row: WebhookEndpointRow; secret: string }> {
      const verdict = await deps.checkUrl(input.url);
      if (!verdict.ok) throw new AppError('PARTNER_URL_REJECTED', `url: ${verdict.reason}`, [{ field: 'url', message: verdict.reason }]);
      const count = await db
        .selectFrom('webhook_endpoints')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('seller_id', '=', sellerId)
        .where('deleted_at', 'is', null)
        .executeTakeFirstOrThrow();
      if (Number(count.n) >= MAX_ENDPOINTS_PER_SELLER) {
        throw new AppError('CONFLICT', `A seller may have at most ${MAX_ENDPOINTS_PER_SELLER} webhook endpoints; delete one first`);
      }
      const secret = newSecret();
      const row = await db
        .insertInto('webhook_endpoints')
        .values({
          id: newId('we', 12),
          seller_id: sellerId,
          url: input.url,
          description: input.description ?? null,
          events: JSON.stringify([...new Set(input.events)]),
          secret_sealed: deps.secrets.seal(secret),
          created_at: clock.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { row, secret };
    },

    async list(sellerId: string): Promise<WebhookEndpointRow[]> {
      return db.selectFrom('webhook_endpoints').selectAll().where('seller_id', '=', sellerId).where('deleted_at', 'is', null).orderBy('created_at').orderBy('id').execute();
    },

    /** Throws NOT_FOUND (also for another seller's endpoint). */
    get: find,

    /** Stops deliveries to it: pending ones end `failed`; the history stays listable. Throws NOT_FOUND. */
    async remove(sellerId: string, id: string): Promise<void> {
      await find(sellerId, id);
      const now = clock.now();
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('webhook_endpoints').set({ deleted_at: now }).where('id', '=', id).where('seller_id', '=', sellerId).execute();
        await trx
          .updateTable('webhook_deliveries')
          .set({ status: 'failed', next_attempt_at: null, last_error: 'endpoint deleted' })
          .where('endpoint_id', '=', id)
          .where('status', '=', 'pending')
          .execute();
      });
    },

    /**
     * Issues a new secret; the current one keeps signing (a second signature) for `overlapMs`.
     * Rotating again during an overlap drops the oldest secret. Throws NOT_FOUND.
     */
    async rotateSecret(sellerId: string, id: string, overlapMs = DEFAULT_ROTATION_OVERLAP_MS): Promise<{ row: WebhookEndpointRow; secret: string }> {
      const current = await find(sellerId, id);
      const secret = newSecret();
      const now = clock.now();
      const row = await db
        .updateTable('webhook_endpoints')
        .set({
          secret_sealed: deps.secrets.seal(secret),
          previous_secret_sealed: overlapMs > 0 ? current.secret_sealed : null,
          previous_secret_expires_at: overlapMs > 0 ? new Date(now.getTime() + overlapMs) : null,
        })
        .where('id', '=', id)
        .where('seller_id', '=', sellerId)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { row, secret };
    },
  };
}
export type EndpointService = ReturnType<typeof createEndpointService>;

/** The secrets that sign right now: the current one, then the previous one while its overlap lasts. */
export function liveSecrets(row: Pick<WebhookEndpointRow, 'secret_sealed' | 'previous_secret_sealed' | 'previous_secret_expires_at'>, box: SecretBox, now: Date): string[] {
  const out = [box.open(row.secret_sealed)];
  if (row.previous_secret_sealed && row.previous_secret_expires_at && row.previous_secret_expires_at.getTime() > now.getTime()) out.push(box.open(row.previous_secret_sealed));
  return out;
}
