import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { SecretBox } from '../lib/crypto.js';
import { sha256Hex } from '../lib/crypto.js';
import type { SandboxWorld } from '../sandbox/index.js';
import { createSellerService, generateApiKey } from '../sellers/seller-service.js';

export const DEMO_SELLER_ID = 'sel_demo';

/**
 * Creates (first start) or re-wires (every start) the demo seller to the sandbox. The sandbox listens
 * on a new port each start, so partner URLs are rewritten; ids stay stable so orders keep their links.
 */
export async function ensureDemoSeller(deps: {
  db: Kysely<Database>;
  secrets: SecretBox;
  world: SandboxWorld;
  sandboxUrl: string;
  /** PLEDGE_DEMO_API_KEY, or a key remembered from an earlier start. */
  apiKey: string | undefined;
}): Promise<{ apiKey: string; isNewKey: boolean }> {
  const { db, secrets, world, sandboxUrl } = deps;
  const sellers = createSellerService({ db });
  let apiKey = deps.apiKey;
  let isNewKey = false;
  if (!(await sellers.sellerExists(DEMO_SELLER_ID))) {
    apiKey ??= generateApiKey();
    isNewKey = true;
    await sellers.createSeller({ id: DEMO_SELLER_ID, name: 'Demo Seller (sandbox)', apiKey });
  } else if (apiKey) {
    const known = await db.selectFrom('api_keys').select('id').where('key_hash', '=', sha256Hex(apiKey)).executeTakeFirst();
    if (!known) await sellers.createApiKey(DEMO_SELLER_ID, 'seller_admin', 'PLEDGE_DEMO_API_KEY', apiKey);
  } else {
    apiKey = generateApiKey();
    isNewKey = true;
    await sellers.createApiKey(DEMO_SELLER_ID, 'seller_admin', 'demo', apiKey);
  }

  const limits = { max_concurrency: 32, rate_limit_per_second: 1000, timeout_ms: 3000 };
  const sealed = (apiKey: string) => secrets.seal(JSON.stringify({ api_key: apiKey }));
  await db.transaction().execute(async (trx) => {
    for (const s of world.suppliers) {
      const values = { id: s.id, seller_id: DEMO_SELLER_ID, name: s.name, base_url: sandboxUrl + s.path, protocol: 'pledge-supplier-v1', credentials_sealed: sealed(s.apiKey), ...limits };
      await trx.insertInto('suppliers').values(values).onConflict((oc) => oc.column('id').doUpdateSet({ base_url: values.base_url, credentials_sealed: values.credentials_sealed })).execute();
    }
    for (const w of world.warehouses) {
      const values = {
        id: w.id,
        seller_id: DEMO_SELLER_ID,
        supplier_id: w.supplierId,
        name: w.name,
        base_url: sandboxUrl + w.path,
        credentials_sealed: sealed(w.apiKey),
        country: w.address.country,
        region: w.address.region,
        postal_code: w.address.postalCode,
        city: w.address.city,
        ...limits,
      };
      await trx.insertInto('warehouses').values(values).onConflict((oc) => oc.column('id').doUpdateSet({ base_url: values.base_url, credentials_sealed: values.credentials_sealed })).execute();
    }
    for (const c of world.carrierAccounts) {
      const values = { id: c.id, seller_id: DEMO_SELLER_ID, carrier: c.carrier, name: c.name, base_url: sandboxUrl + c.path, credentials_sealed: sealed(c.apiKey), ...limits };
      await trx.insertInto('carrier_accounts').values(values).onConflict((oc) => oc.column('id').doUpdateSet({ base_url: values.base_url, credentials_sealed: values.credentials_sealed })).execute();
    }
    for (const o of world.catalog) {
      await trx
        .insertInto('catalog_offers')
        .values({
          id: `off_${o.sku.toLowerCase().replace(/[^a-z0-9]+/g, '_')}_${o.warehouseId}`,
          seller_id: DEMO_SELLER_ID,
          sku: o.sku,
          supplier_id: o.supplierId,
          supplier_sku: o.supplierSku,
          warehouse_id: o.warehouseId,
          unit_cost_minor: o.unitCostMinor,
          currency: o.currency,
          weight_grams: o.weightGrams,
        })
        .onConflict((oc) => oc.constraint('catalog_offers_unique').doNothing())
        .execute();
    }
  });
  return { apiKey: apiKey!, isNewKey };
}
