import type { Kysely } from 'kysely';
import type { Database, PlatformEventStatus, PlatformId } from '../../db/database.js';
import { AppError, invalid, notFound } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import type { SecretBox } from '../../lib/crypto.js';
import { standardSecretKey } from './signatures.js';
import type { WooPromiseOn } from './woocommerce/wire.js';

export type IntegrationInput =
  | { platform: 'shopify'; shopDomain: string; secrets: string[] }
  | { platform: 'woocommerce'; secrets: string[]; promiseOn: WooPromiseOn }
  | { platform: 'standard'; secrets: string[] };

/** What the intake needs to check one delivery: whose it is and the secrets that may have signed it. */
export type PlatformConnection = {
  sellerId: string;
  platform: PlatformId;
  shopDomain: string | null;
  secrets: string[];
  promiseOn: WooPromiseOn;
};

const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;
export const normalizeShopDomain = (domain: string) => domain.trim().toLowerCase();

export const webhookPath = (platform: PlatformId, sellerId: string) => (platform === 'shopify' ? '/webhooks/shopify' : `/webhooks/${platform}/${sellerId}`);

/** Sellers connect their stores here; secrets are sealed at rest and never returned. */
export function createPlatformIntegrations(deps: { db: Kysely<Database>; secrets: SecretBox; clock: Clock }) {
  const { db } = deps;

  function view(row: { seller_id: string; platform: PlatformId; shop_domain: string | null; secrets_sealed: string; settings: Record<string, unknown>; created_at: Date; updated_at: Date }) {
    return {
      platform: row.platform,
      shop_domain: row.shop_domain,
      promise_on: row.platform === 'woocommerce' ? ((row.settings.promise_on as WooPromiseOn | undefined) ?? 'paid') : null,
      webhook_path: webhookPath(row.platform, row.seller_id),
      secret_count: (JSON.parse(deps.secrets.open(row.secrets_sealed)) as string[]).length,
      created_at: row.created_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
    };
  }

  function connection(row: { seller_id: string; platform: PlatformId; shop_domain: string | null; secrets_sealed: string; settings: Record<string, unknown> }): PlatformConnection {
    return {
      sellerId: row.seller_id,
      platform: row.platform,
      shopDomain: row.shop_domain,
      secrets: JSON.parse(deps.secrets.open(row.secrets_sealed)) as string[],
      promiseOn: (row.settings.promise_on as WooPromiseOn | undefined) ?? 'paid',
    };
  }

  return {
    /**
     * Connects (or reconfigures) a platform for a seller.
     * @throws VALIDATION_FAILED (bad domain or secret), CONFLICT (the shop belongs to another seller)
     */
    async put(sellerId: string, input: IntegrationInput) {
      let shopDomain: string | null = null;
      if (input.platform === 'shopify') {
        shopDomain = normalizeShopDomain(input.shopDomain);
        if (!SHOP_DOMAIN.test(shopDomain)) throw invalid('shop_domain', 'must be the shop\'s myshopify.com domain, e.g. my-shop.myshopify.com');
        const owner = await db.selectFrom('platform_integrations').select('seller_id').where('shop_domain', '=', shopDomain).executeTakeFirst();
        if (owner && owner.seller_id !== sellerId) throw shopTaken(shopDomain);
      }
      if (input.platform === 'standard') {
        input.secrets.forEach((s, i) => {
          if (!s.startsWith('whsec_') || !standardSecretKey(s)) throw invalid(i === 0 ? 'secret' : 'previous_secret', 'must be whsec_ followed by base64 of 24 to 64 bytes');
        });
      }
      const now = deps.clock.now();
      const values = {
        seller_id: sellerId,
        platform: input.platform,
        shop_domain: shopDomain,
        secrets_sealed: deps.secrets.seal(JSON.stringify(input.secrets)),
        settings: JSON.stringify(input.platform === 'woocommerce' ? { promise_on: input.promiseOn } : {}),
        updated_at: now,
      };
      try {
        const row = await db
          .insertInto('platform_integrations')
          .values(values)
          .onConflict((oc) => oc.columns(['seller_id', 'platform']).doUpdateSet({ shop_domain: values.shop_domain, secrets_sealed: values.secrets_sealed, settings: values.settings, updated_at: now }))
          .returningAll()
          .executeTakeFirstOrThrow();
        return view(row);
      } catch (err) {
        // Two sellers claiming one shop at the same moment: the unique index decides.
        if ((err as { code?: string }).code === '23505' && shopDomain) throw shopTaken(shopDomain);
        throw err;
      }
    },

    async list(sellerId: string) {
      const rows = await db.selectFrom('platform_integrations').selectAll().where('seller_id', '=', sellerId).orderBy('platform').execute();
      return rows.map(view);
    },

    /** @throws NOT_FOUND */
    async remove(sellerId: string, platform: PlatformId) {
      const r = await db.deleteFrom('platform_integrations').where('seller_id', '=', sellerId).where('platform', '=', platform).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw notFound('integration');
    },

    async byShopDomain(domain: string): Promise<PlatformConnection | undefined> {
      const row = await db.selectFrom('platform_integrations').selectAll().where('shop_domain', '=', normalizeShopDomain(domain)).where('platform', '=', 'shopify').executeTakeFirst();
      return row ? connection(row) : undefined;
    },

    async forSeller(sellerId: string, platform: PlatformId): Promise<PlatformConnection | undefined> {
      const row = await db.selectFrom('platform_integrations').selectAll().where('seller_id', '=', sellerId).where('platform', '=', platform).executeTakeFirst();
      return row ? connection(row) : undefined;
    },

    /** Recent deliveries, newest first: what each became, or why it was ignored. */
    async events(sellerId: string, opts: { limit: number; platform?: PlatformId; status?: PlatformEventStatus; externalRef?: string }) {
      let q = db.selectFrom('platform_events').selectAll().where('seller_id', '=', sellerId);
      if (opts.platform) q = q.where('platform', '=', opts.platform);
      if (opts.status) q = q.where('status', '=', opts.status);
      if (opts.externalRef) q = q.where('external_ref', '=', opts.externalRef);
      const rows = await q.orderBy('id', 'desc').limit(opts.limit).execute();
      return rows.map((r) => ({
        id: String(r.id),
        platform: r.platform,
        topic: r.topic,
        external_ref: r.external_ref,
        status: r.status,
        order_id: r.order_id,
        reason: r.reason,
        attempts: r.attempts,
        received_at: r.created_at.toISOString(),
        processed_at: r.processed_at?.toISOString() ?? null,
      }));
    },
  };
}
export type PlatformIntegrations = ReturnType<typeof createPlatformIntegrations>;

const shopTaken = (domain: string) =>
  new AppError('CONFLICT', `${domain} is connected to another seller; a shop can feed one seller only`, [{ field: 'shop_domain', message: 'connected to another seller' }]);
