import { type Kysely, sql } from 'kysely';

// Frozen: never edit a released migration; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sellers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_prefix', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('seller_admin','ops','finance','auditor')`))
    .addColumn('label', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  for (const table of ['suppliers', 'warehouses', 'carrier_accounts'] as const) {
    let builder = db.schema
      .createTable(table)
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('base_url', 'text', (c) => c.notNull())
      .addColumn('credentials_sealed', 'text')
      .addColumn('max_concurrency', 'integer', (c) => c.notNull())
      .addColumn('rate_limit_per_second', 'integer', (c) => c.notNull())
      .addColumn('timeout_ms', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`));
    if (table === 'suppliers') {
      builder = builder
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('is_active', 'boolean', (c) => c.notNull().defaultTo(true));
    } else if (table === 'warehouses') {
      builder = builder
        .addColumn('supplier_id', 'text', (c) => c.references('suppliers.id'))
        .addColumn('country', 'text', (c) => c.notNull())
        .addColumn('region', 'text')
        .addColumn('postal_code', 'text', (c) => c.notNull())
        .addColumn('city', 'text');
    } else {
      builder = builder.addColumn('carrier', 'text', (c) => c.notNull());
    }
    await builder.execute();
    await db.schema.createIndex(`${table}_seller_idx`).on(table).column('seller_id').execute();
  }

  await db.schema
    .createTable('catalog_offers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('supplier_id', 'text', (c) => c.notNull().references('suppliers.id'))
    .addColumn('supplier_sku', 'text', (c) => c.notNull())
    .addColumn('warehouse_id', 'text', (c) => c.notNull().references('warehouses.id'))
    .addColumn('unit_cost_minor', 'bigint', (c) => c.notNull().check(sql`unit_cost_minor >= 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('weight_grams', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('catalog_offers_unique', ['seller_id', 'sku', 'supplier_id', 'warehouse_id'])
    .execute();

  await db.schema
    .createTable('promise_policies')
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('min_confidence', 'double precision', (c) => c.notNull())
    .addColumn('default_delivery_days', 'integer', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('compensation_minor', 'jsonb', (c) => c.notNull())
    .addColumn('voucher_terms', 'text', (c) => c.notNull())
    .addColumn('voucher_validity_days', 'integer', (c) => c.notNull())
    .addColumn('stale_quote_penalty', 'double precision', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('promise_policies_pk', ['seller_id', 'version'])
    .execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seller_id', 'text', (c) => c.notNull().references('sellers.id'))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('ship_to', 'jsonb', (c) => c.notNull())
    .addColumn('lines', 'jsonb', (c) => c.notNull())
    .addColumn('requested_deliver_by', 'timestamptz')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('decline_code', 'text')
    .addColumn('decline_reasons', 'jsonb')
    .addColumn('deliver_by', 'timestamptz')
    .addColumn('confidence', 'double precision')
    .addColumn('landed_cost_minor', 'bigint')
    .addColumn('expected_breach_cost_minor', 'bigint')
    .addColumn('decided_in_ms', 'integer', (c) => c.notNull())
    .addColumn('policy_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('orders_seller_id_idx').on('orders').columns(['seller_id', 'id']).execute();

  await db.schema
    .createTable('shipments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('seller_id', 'text', (c) => c.notNull())
    .addColumn('supplier_id', 'text', (c) => c.notNull())
    .addColumn('warehouse_id', 'text', (c) => c.notNull())
    .addColumn('carrier_account_id', 'text', (c) => c.notNull())
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('lines', 'jsonb', (c) => c.notNull())
    .addColumn('rate_ref', 'jsonb', (c) => c.notNull())
    .addColumn('landed_cost_minor', 'bigint', (c) => c.notNull())
    .addColumn('shipping_cost_minor', 'bigint', (c) => c.notNull())
    .addColumn('confidence', 'double precision', (c) => c.notNull())
    .addColumn('estimated_delivery', 'timestamptz', (c) => c.notNull())
    .addColumn('instruction_status', 'text', (c) => c.notNull())
    .addColumn('instruction_error', 'text')
    .addColumn('supplier_order_ref', 'text')
    .addColumn('tracking_number', 'text')
    .addColumn('label_url', 'text')
    .addColumn('instruction_sent_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('shipments_order_idx').on('shipments').column('order_id').execute();

  await db.schema
    .createTable('decisions')
    .addColumn('order_id', 'text', (c) => c.primaryKey().references('orders.id'))
    .addColumn('seller_id', 'text', (c) => c.notNull())
    .addColumn('policy_version', 'integer', (c) => c.notNull())
    .addColumn('deadline_ms', 'integer', (c) => c.notNull())
    .addColumn('record', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('seller_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'jsonb')
    .addColumn('order_id', 'text')
    .addColumn('locked_until', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['seller_id', 'key'])
    .execute();

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('seller_id', 'text', (c) => c.notNull())
    .addColumn('shipment_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
    .addColumn('locked_until', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // One instruction per shipment, ever: the payload is frozen at commit time.
    .addUniqueConstraint('outbox_shipment_kind_unique', ['shipment_id', 'kind'])
    .execute();
  await sql`create index outbox_due_idx on outbox (next_attempt_at) where completed_at is null`.execute(db);

  await db.schema
    .createTable('vouchers')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('seller_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull().unique().references('orders.id'))
    .addColumn('terms', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('partner_stats')
    .addColumn('partner_kind', 'text', (c) => c.notNull())
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addColumn('seller_id', 'text', (c) => c.notNull())
    .addColumn('kept_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('broken_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('partner_stats_pk', ['partner_kind', 'partner_id'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('0001 is the base schema; restore from backup instead of migrating down');
}
