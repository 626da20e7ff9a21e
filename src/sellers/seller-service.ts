import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ApiKeyRole, Database } from '../db/database.js';
import { sha256Hex } from '../lib/crypto.js';
import { newId } from '../lib/ids.js';
import { DEFAULT_POLICY } from '../network/policy.js';

export type Principal = { sellerId: string; keyId: string; role: ApiKeyRole };

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export function generateApiKey(): string {
  let out = 'pk_';
  for (const b of randomBytes(32)) out += BASE62[b % 62];
  return out;
}

const AUTH_CACHE_MS = 30_000;

export function createSellerService(deps: { db: Kysely<Database> }) {
  const { db } = deps;
  // Keys are checked on every request; a short positive cache keeps the hot path off the database.
  // A revoked key stays valid here for at most AUTH_CACHE_MS.
  const authCache = new Map<string, { principal: Principal; until: number }>();

  async function insertKey(trx: Kysely<Database>, sellerId: string, role: ApiKeyRole, label: string | null, rawKey?: string) {
    const key = rawKey ?? generateApiKey();
    const id = newId('key', 10);
    await trx
      .insertInto('api_keys')
      .values({ id, seller_id: sellerId, key_hash: sha256Hex(key), key_prefix: key.slice(0, 8), role, label })
      .execute();
    return { id, key, role, label };
  }

  return {
    /** Creates a seller with a default promise policy and its first admin key, shown only here. */
    async createSeller(input: { name: string; apiKey?: string; id?: string }) {
      const sellerId = input.id ?? newId('sel', 12);
      return db.transaction().execute(async (trx) => {
        await trx.insertInto('sellers').values({ id: sellerId, name: input.name }).execute();
        await trx
          .insertInto('promise_policies')
          .values({
            seller_id: sellerId,
            version: 1,
            min_confidence: DEFAULT_POLICY.minConfidence,
            default_delivery_days: DEFAULT_POLICY.defaultDeliveryDays,
            currency: DEFAULT_POLICY.currency,
            compensation_minor: JSON.stringify(DEFAULT_POLICY.compensationMinor),
            voucher_terms: DEFAULT_POLICY.voucherTerms,
            voucher_validity_days: DEFAULT_POLICY.voucherValidityDays,
            stale_quote_penalty: DEFAULT_POLICY.staleQuotePenalty,
            broken_promise_cost_minor: DEFAULT_POLICY.brokenPromiseCostMinor,
          })
          .execute();
        const key = await insertKey(trx, sellerId, 'seller_admin', 'initial', input.apiKey);
        return { seller: { id: sellerId, name: input.name }, apiKey: key };
      });
    },

    /** `rawKey` lets an operator pin a known key (PLEDGE_DEMO_API_KEY); otherwise one is generated. */
    async createApiKey(sellerId: string, role: ApiKeyRole, label: string | null, rawKey?: string) {
      return insertKey(db, sellerId, role, label, rawKey);
    },

    async findSeller(sellerId: string) {
      return db.selectFrom('sellers').selectAll().where('id', '=', sellerId).executeTakeFirst();
    },

    async sellerExists(sellerId: string) {
      return (await db.selectFrom('sellers').select('id').where('id', '=', sellerId).executeTakeFirst()) !== undefined;
    },

    async authenticate(rawKey: string, nowMs = Date.now()): Promise<Principal | null> {
      const hash = sha256Hex(rawKey);
      const cached = authCache.get(hash);
      if (cached && cached.until > nowMs) return cached.principal;
      const row = await db
        .selectFrom('api_keys')
        .select(['id', 'seller_id', 'role'])
        .where('key_hash', '=', hash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (!row) {
        authCache.delete(hash);
        return null;
      }
      const principal = { sellerId: row.seller_id, keyId: row.id, role: row.role };
      if (authCache.size > 10_000) authCache.clear();
      authCache.set(hash, { principal, until: nowMs + AUTH_CACHE_MS });
      return principal;
    },
  };
}
export type SellerService = ReturnType<typeof createSellerService>;
