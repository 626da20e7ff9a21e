import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Timestamps come back as Date and may be written as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** jsonb: read as T, written as its JSON text (pg and PGlite both accept that). */
type Json<T> = ColumnType<T, string, string>;

export interface SellersTable {
  id: string;
  name: string;
  created_at: CreatedAt;
}

export type ApiKeyRole = 'seller_admin' | 'ops' | 'finance' | 'auditor';
export interface ApiKeysTable {
  id: string;
  seller_id: string;
  key_hash: string;
  key_prefix: string;
  role: ApiKeyRole;
  label: string | null;
  created_at: CreatedAt;
  revoked_at: Timestamp | null;
}

/** Shared by every partner table: where it lives and how hard Pledge may call it. */
interface PartnerColumns {
  id: string;
  seller_id: string;
  name: string;
  base_url: string;
  credentials_sealed: string | null;
  max_concurrency: number;
  rate_limit_per_second: number;
  timeout_ms: number;
  created_at: CreatedAt;
}

export interface SuppliersTable extends PartnerColumns {
  protocol: string;
  is_active: Generated<boolean>;
}

export interface WarehousesTable extends PartnerColumns {
  supplier_id: string | null;
  country: string;
  region: string | null;
  postal_code: string;
  city: string | null;
}

export interface CarrierAccountsTable extends PartnerColumns {
  carrier: string;
}

export interface CatalogOffersTable {
  id: string;
  seller_id: string;
  sku: string;
  supplier_id: string;
  supplier_sku: string;
  warehouse_id: string;
  unit_cost_minor: number;
  currency: string;
  weight_grams: number;
  created_at: CreatedAt;
}

export type CompensationByBreach = { late: number; lost: number; refused: number; cancelled: number };
export interface PromisePoliciesTable {
  seller_id: string;
  version: number;
  min_confidence: number;
  default_delivery_days: number;
  currency: string;
  compensation_minor: Json<CompensationByBreach>;
  voucher_terms: string;
  voucher_validity_days: number;
  stale_quote_penalty: number;
  created_at: CreatedAt;
}

export interface OrdersTable {
  id: string;
  seller_id: string;
  external_id: string;
  currency: string;
  ship_to: Json<unknown>;
  lines: Json<unknown>;
  requested_deliver_by: Timestamp | null;
  status: 'promised' | 'declined';
  decline_code: string | null;
  decline_reasons: Json<string[]> | null;
  deliver_by: Timestamp | null;
  confidence: number | null;
  landed_cost_minor: number | null;
  expected_breach_cost_minor: number | null;
  decided_in_ms: number;
  policy_version: number;
  created_at: CreatedAt;
}

export type InstructionStatus = 'pending' | 'sent' | 'failed';
export interface ShipmentsTable {
  id: string;
  order_id: string;
  seller_id: string;
  supplier_id: string;
  warehouse_id: string;
  carrier_account_id: string;
  carrier: string;
  service: string;
  lines: Json<unknown>;
  rate_ref: Json<unknown>;
  landed_cost_minor: number;
  shipping_cost_minor: number;
  confidence: number;
  estimated_delivery: Timestamp;
  instruction_status: InstructionStatus;
  instruction_error: string | null;
  supplier_order_ref: string | null;
  tracking_number: string | null;
  label_url: string | null;
  instruction_sent_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface DecisionsTable {
  order_id: string;
  seller_id: string;
  policy_version: number;
  deadline_ms: number;
  record: Json<unknown>;
  created_at: CreatedAt;
}

export interface IdempotencyKeysTable {
  seller_id: string;
  key: string;
  request_hash: string;
  state: 'in_flight' | 'completed';
  response_status: number | null;
  response_body: Json<unknown> | null;
  order_id: string | null;
  locked_until: Timestamp;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export type OutboxKind = 'dropship_instruction';
export interface OutboxTable {
  id: Generated<number>;
  seller_id: string;
  shipment_id: string;
  kind: OutboxKind;
  payload: Json<unknown>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  locked_until: Timestamp | null;
  completed_at: Timestamp | null;
  last_error: string | null;
  created_at: CreatedAt;
}

export interface VouchersTable {
  code: string;
  seller_id: string;
  order_id: string;
  terms: string;
  expires_at: Timestamp;
  signature: string;
  created_at: CreatedAt;
}

export type PartnerKind = 'supplier' | 'warehouse' | 'carrier';
export interface PartnerStatsTable {
  partner_kind: PartnerKind;
  partner_id: string;
  seller_id: string;
  kept_count: Generated<number>;
  broken_count: Generated<number>;
  updated_at: Timestamp;
}

export interface Database {
  sellers: SellersTable;
  api_keys: ApiKeysTable;
  suppliers: SuppliersTable;
  warehouses: WarehousesTable;
  carrier_accounts: CarrierAccountsTable;
  catalog_offers: CatalogOffersTable;
  promise_policies: PromisePoliciesTable;
  orders: OrdersTable;
  shipments: ShipmentsTable;
  decisions: DecisionsTable;
  idempotency_keys: IdempotencyKeysTable;
  outbox: OutboxTable;
  vouchers: VouchersTable;
  partner_stats: PartnerStatsTable;
}

export type OrderRow = Selectable<OrdersTable>;
export type NewOrderRow = Insertable<OrdersTable>;
export type ShipmentRow = Selectable<ShipmentsTable>;
export type NewShipmentRow = Insertable<ShipmentsTable>;
export type SupplierRow = Selectable<SuppliersTable>;
export type WarehouseRow = Selectable<WarehousesTable>;
export type CarrierAccountRow = Selectable<CarrierAccountsTable>;
export type CatalogOfferRow = Selectable<CatalogOffersTable>;
export type PromisePolicyRow = Selectable<PromisePoliciesTable>;
export type OutboxRow = Selectable<OutboxTable>;
