import { type Kysely, sql } from 'kysely';

// Frozen: never edit a released migration; add a new one.
// Inbound platform webhooks (Shopify, WooCommerce, Standard Webhooks) and order cancellation.
export async function up(db: Kysely<any>): Promise<void> {
  // One connection per seller and platform; secrets sealed (AES-256-GCM), never returned.
  await db.schema
    .createTable('platform_integrations')
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('platform', 'text', (c) => c.notNull().check(sql`platform in ('shopify','woocommerce','standard')`))
    .addColumn('shop_domain', 'text')
    .addColumn('secrets_sealed', 'text', (c) => c.notNull())
    .addColumn('settings', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('platform_integrations_pk', ['seller_id', 'platform'])
    .execute();
  // A shop belongs to one seller: the shop domain header alone picks the seller and the secret.
  await sql`create unique index platform_integrations_shop_idx on platform_integrations (shop_domain) where shop_domain is not null`.execute(db);

  // Every accepted delivery, written before any work: the unique key is the deduplication.
  await db.schema
    .createTable('platform_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('external_ref', 'text', (c) => c.notNull())
    // The mapped intent (an OrderRequest or a cancellation), never the raw body.
    .addColumn('payload', 'jsonb')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('received','processed','ignored','failed')`))
    .addColumn('order_id', 'text')
    .addColumn('reason', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
    .addColumn('locked_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('processed_at', 'timestamptz')
    .addUniqueConstraint('platform_events_dedupe_unique', ['seller_id', 'platform', 'dedupe_key'])
    .execute();
  await sql`create index platform_events_due_idx on platform_events (next_attempt_at) where status = 'received'`.execute(db);
  await db.schema.createIndex('platform_events_seller_idx').on('platform_events').columns(['seller_id', 'id']).execute();

  // One row per platform order: which Pledge order it became, or why not (held, rejected, cancelled).
  await db.schema
    .createTable('platform_orders')
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('external_ref', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.references('orders.id'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('held','placed','rejected','cancelled')`))
    .addColumn('reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('platform_orders_pk', ['seller_id', 'platform', 'external_ref'])
    .execute();

  await db.schema.alterTable('orders').addColumn('cancelled_at', 'timestamptz').execute();
  await db.schema.alterTable('orders').addColumn('cancel_reason', 'text').execute();
  // null: nothing to settle yet; not_sent | cancelled | too_late | refused once the instruction is settled.
  await db.schema.alterTable('shipments').addColumn('cancel_outcome', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('shipments').dropColumn('cancel_outcome').execute();
  await db.schema.alterTable('orders').dropColumn('cancel_reason').execute();
  await db.schema.alterTable('orders').dropColumn('cancelled_at').execute();
  await db.schema.dropTable('platform_orders').execute();
  await db.schema.dropTable('platform_events').execute();
  await db.schema.dropTable('platform_integrations').execute();
}
