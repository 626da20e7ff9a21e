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
  /** Signs the supplier's status callbacks (Pledge-Signature); sealed, shown to the seller once. */
  callback_secret_sealed: ColumnType<string | null, string | null | undefined, string | null>;
  previous_callback_secret_sealed: ColumnType<string | null, string | null | undefined, string | null>;
  previous_callback_secret_expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Migration 0010: { share_bps, cap_minor } charged back when this supplier breaks a promise; null = defaults. */
  chargeback_terms: ColumnType<{ share_bps: number; cap_minor: number | null } | null, string | null | undefined, string | null>;
  /** Migration 0013 (learning): a demoted supplier's handover probability is multiplied by routing_weight. */
  rating_status: ColumnType<'active' | 'demoted', 'active' | 'demoted' | undefined, 'active' | 'demoted'>;
  routing_weight: ColumnType<number, number | undefined, number>;
}

export interface WarehousesTable extends PartnerColumns {
  supplier_id: string | null;
  country: string;
  region: string | null;
  postal_code: string;
  city: string | null;
}

export type TrackingMode = 'webhook' | 'poll';
export interface CarrierAccountsTable extends PartnerColumns {
  carrier: string;
  /** Authenticates the carrier's tracking webhooks (HMAC key or shared token, by carrier); sealed. */
  webhook_secret_sealed: ColumnType<string | null, string | null | undefined, string | null>;
  tracking_mode: ColumnType<TrackingMode, TrackingMode | undefined, TrackingMode>;
  /** Migration 0010: { share_bps, cap_minor } charged back when this carrier breaks a promise; null = defaults. */
  chargeback_terms: ColumnType<{ share_bps: number; cap_minor: number | null } | null, string | null | undefined, string | null>;
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
  /** Migration 0010: the seller's compensation rules (src/compensation/compensation-policy.ts); null = defaults. */
  compensation_rules: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  /** Migration 0015: priced into the route choice beyond the compensation; never posted. */
  broken_promise_cost_minor: ColumnType<number, number | undefined, number>;
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
  status: 'promised' | 'declined' | 'cancelled';
  decline_code: string | null;
  decline_reasons: Json<string[]> | null;
  deliver_by: Timestamp | null;
  confidence: number | null;
  landed_cost_minor: number | null;
  expected_breach_cost_minor: number | null;
  cancelled_at: Timestamp | null;
  cancel_reason: string | null;
  decided_in_ms: number;
  policy_version: number;
  created_at: CreatedAt;
}

export type InstructionStatus = 'pending' | 'sent' | 'failed' | 'cancelled';
/** How a cancelled order's shipment ended: never sent, cancelled by the supplier, or already handed over. */
/** voided: the carrier refunds it; rejected: the carrier refused (already scanned); failed: gave up; not_bought: there was no label. */
export type LabelVoidStatus = 'voided' | 'rejected' | 'failed' | 'not_bought';
export type CancelOutcome = 'not_sent' | 'cancelled' | 'too_late' | 'refused';
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
  cancel_outcome: CancelOutcome | null;
  /** Forward-only (milestones/state-machine.ts): the last milestone that moved it, its rank and time. */
  fulfillment_state: ColumnType<MilestoneTypeColumn | null, MilestoneTypeColumn | null | undefined, MilestoneTypeColumn | null>;
  fulfillment_rank: Generated<number>;
  fulfillment_state_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  tracking_polled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** The pickup cut-off the supplier must hand over by (the engine's plan). */
  handover_by: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** The supplier's quoted handover ETA at commit (0014); null on older rows. */
  handover_eta: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Set on a replacement shipment (repair saga): the shipment it re-routes. */
  replaces_shipment_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Set once the shipment is no longer the order's live route (replaced, or an abandoned replacement). */
  superseded_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: CreatedAt;
  /** Migration 0016: the carrier's id for the label purchase, and what voiding it gave. */
  label_ref: ColumnType<string | null, string | null | undefined, string | null>;
  label_void_status: ColumnType<LabelVoidStatus | null, LabelVoidStatus | null | undefined, LabelVoidStatus | null>;
  label_voided_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
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

/** `void_label`: give back the postage of a label that will never travel (src/orders/label-void.ts). */
export type OutboxKind = 'dropship_instruction' | 'void_label';
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
export type PlatformId = 'shopify' | 'woocommerce' | 'standard';
export interface PlatformIntegrationsTable {
  seller_id: string;
  platform: PlatformId;
  shop_domain: string | null;
  /** Sealed JSON array of secrets, current first (a second one verifies during rotation). */
  secrets_sealed: string;
  settings: Json<Record<string, unknown>>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type PlatformEventStatus = 'received' | 'processed' | 'ignored' | 'failed';
export interface PlatformEventsTable {
  id: Generated<number>;
  seller_id: string;
  platform: PlatformId;
  dedupe_key: string;
  topic: string;
  external_ref: string;
  payload: Json<unknown> | null;
  status: PlatformEventStatus;
  order_id: string | null;
  reason: string | null;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  locked_until: Timestamp | null;
  created_at: CreatedAt;
  processed_at: Timestamp | null;
}

export type PlatformOrderStatus = 'held' | 'placed' | 'rejected' | 'cancelled';
export interface PlatformOrdersTable {
  seller_id: string;
  platform: PlatformId;
  external_ref: string;
  order_id: string | null;
  status: PlatformOrderStatus;
  reason: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type OutcomeBreachKind = 'late' | 'lost' | 'refused' | 'cancelled';
export type OutcomeCause = 'supplier' | 'warehouse' | 'carrier' | 'seller' | 'customer';
/** How one shipment's promise ended; written once when it settles, read by the learning model. */
export interface PromiseOutcomesTable {
  id: string;
  seller_id: string;
  order_id: string;
  shipment_id: string;
  outcome: 'kept' | 'broken';
  breach_kind: OutcomeBreachKind | null;
  cause: OutcomeCause | null;
  supplier_id: string;
  warehouse_id: string;
  carrier_account_id: string;
  carrier: string;
  service: string;
  origin_region: string | null;
  destination_region: string | null;
  deliver_by: Timestamp;
  handover_by: Timestamp | null;
  handed_over_at: Timestamp | null;
  delivered_at: Timestamp | null;
  /** Copied from the shipment (0014): the supplier's quoted handover ETA, the carrier's estimate. Null on older rows. */
  handover_eta: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  estimated_delivery: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  currency: string;
  compensation_minor: ColumnType<number, number | undefined, number>;
  settled_at: Timestamp;
}

export type TimerKind = 'acceptance' | 'handover' | 'delivery' | 'silence';
/** A deadline that, if it passes unmet, is a breach; claimed with SKIP LOCKED and a lease. */
export interface PromiseTimersTable {
  id: string;
  seller_id: string;
  order_id: string;
  shipment_id: string;
  kind: TimerKind;
  due_at: Timestamp;
  status: ColumnType<'pending' | 'fired' | 'cancelled', 'pending' | 'fired' | 'cancelled' | undefined, 'pending' | 'fired' | 'cancelled'>;
  locked_until: Timestamp | null;
  attempts: Generated<number>;
  last_error: string | null;
  fired_at: Timestamp | null;
  created_at: CreatedAt;
}

export type BreachCause = 'supplier' | 'warehouse' | 'carrier' | 'seller' | 'customer' | 'platform';
export type BreachStatus = 'detected' | 'repairing' | 'repaired' | 'repair_failed' | 'compensating' | 'awaiting_approval' | 'compensated' | 'rejected' | 'closed';
export interface BreachesTable {
  id: string;
  seller_id: string;
  order_id: string;
  shipment_id: string;
  kind: OutcomeBreachKind;
  trigger: string;
  cause: BreachCause;
  partner_id: string | null;
  evidence: Json<{ milestone_ids: string[]; timer_id?: string; notes: string[] }>;
  status: BreachStatus;
  detected_at: Timestamp;
  resolved_at: Timestamp | null;
  locked_until: Timestamp | null;
  process_after: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  attempts: Generated<number>;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
}

export type CompensationStatus = 'pending_approval' | 'posted' | 'rejected';
export interface CompensationsTable {
  id: string;
  seller_id: string;
  order_id: string;
  breach_id: string | null;
  currency: string;
  amount_minor: number;
  breakdown: Json<Record<string, unknown>>;
  policy_version: number | null;
  status: CompensationStatus;
  requested_by: string;
  decided_by: string | null;
  decided_at: Timestamp | null;
  reason: string | null;
  journal_transaction_id: string | null;
  created_at: Timestamp;
  idempotency_key: ColumnType<string | null, string | null | undefined, string | null>;
  request_hash: ColumnType<string | null, string | null | undefined, string | null>;
}

export type RepairSagaStatus = 'running' | 'completed' | 'failed' | 'compensating' | 'compensated';
/** One re-routing of a failing shipment (compensation/repair-saga.ts), one per repairable breach. */
export interface RepairSagasTable {
  id: string;
  seller_id: string;
  order_id: string;
  shipment_id: string;
  breach_id: string;
  status: RepairSagaStatus;
  current_step: string | null;
  replacement_shipment_id: string | null;
  next_attempt_at: Timestamp;
  locked_until: Timestamp | null;
  lease_token: string | null;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
}

export type SagaStepStatus = 'pending' | 'running' | 'done' | 'failed' | 'compensating' | 'compensated' | 'irreversible';
export interface RepairSagaStepsTable {
  saga_id: string;
  seq: number;
  name: string;
  status: SagaStepStatus;
  output: Json<unknown> | null;
  undo: Json<unknown> | null;
  error: string | null;
  attempts: Generated<number>;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  compensated_at: Timestamp | null;
}

export interface PartnerStatsTable {
  partner_kind: PartnerKind;
  partner_id: string;
  seller_id: string;
  kept_count: Generated<number>;
  broken_count: Generated<number>;
  updated_at: Timestamp;
}

/** A seller's webhook endpoint; secrets sealed, the previous one kept signing until its expiry (rotation). */
export interface WebhookEndpointsTable {
  id: string;
  seller_id: string;
  url: string;
  description: string | null;
  events: Json<string[]>;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Timestamp | null;
  created_at: CreatedAt;
  deleted_at: Timestamp | null;
}

/** An emitted event; `payload` is the exact JSON body every delivery of it sends. */
export interface WebhookEventsTable {
  id: string;
  seller_id: string;
  type: string;
  payload: string;
  occurred_at: Timestamp;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';
export interface WebhookDeliveriesTable {
  id: string;
  seller_id: string;
  event_id: string;
  endpoint_id: string;
  status: WebhookDeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  locked_until: Timestamp | null;
  last_attempt_at: Timestamp | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
  created_at: CreatedAt;
}

/** Insert-only: one row per HTTP attempt. */
export interface WebhookDeliveryAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  seller_id: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  attempted_at: Timestamp;
}

export type MilestoneTypeColumn =
  | 'instruction_sent' | 'supplier_accepted' | 'supplier_refused' | 'handed_over' | 'in_transit'
  | 'out_for_delivery' | 'delivered' | 'exception' | 'returned' | 'cancelled';
export type MilestoneSourceColumn = 'pledge' | 'supplier' | 'easypost' | 'shippo' | 'shipengine' | 'poll';
/** Insert-only (database triggers refuse UPDATE, DELETE, TRUNCATE); hash-chained in `seq` order. */
export interface MilestonesTable {
  seq: ColumnType<number, number, never>;
  id: ColumnType<string, string, never>;
  seller_id: ColumnType<string, string, never>;
  order_id: ColumnType<string, string, never>;
  shipment_id: ColumnType<string, string, never>;
  type: ColumnType<MilestoneTypeColumn, MilestoneTypeColumn, never>;
  occurred_at: ColumnType<Date, Date | string, never>;
  source: ColumnType<MilestoneSourceColumn, MilestoneSourceColumn, never>;
  source_event_id: ColumnType<string, string, never>;
  details: ColumnType<Record<string, unknown>, string, never>;
  salt: ColumnType<string, string, never>;
  leaf_hash: ColumnType<string, string, never>;
  prev_hash: ColumnType<string, string, never>;
  hash: ColumnType<string, string, never>;
  recorded_at: ColumnType<Date, Date | string | undefined, never>;
}

export type AnchorBatchStatus = 'pending' | 'submitted' | 'final';
/** A Merkle batch of milestones (seq first_seq..last_seq); immutable once cut except its anchoring state. */
export type AnchorStream = 'milestones' | 'journal';
export interface AnchorBatchesTable {
  id: ColumnType<number, number, never>;
  first_seq: ColumnType<number, number, never>;
  last_seq: ColumnType<number, number, never>;
  count: ColumnType<number, number, never>;
  root: ColumnType<string, string, never>;
  prev_root: ColumnType<string, string, never>;
  /** 0011: which log the batch seals (milestones: milestones.seq ranges; journal: journal_anchor_leaves positions). */
  stream: ColumnType<AnchorStream, AnchorStream | undefined, never>;
  status: ColumnType<AnchorBatchStatus, AnchorBatchStatus | undefined, AnchorBatchStatus>;
  chain_id: number | null;
  contract_address: string | null;
  tx_hash: string | null;
  nonce: number | null;
  block_number: number | null;
  block_hash: string | null;
  block_time: Timestamp | null;
  attempts: Generated<number>;
  last_error: string | null;
  submitted_at: Timestamp | null;
  finalized_at: Timestamp | null;
  created_at: CreatedAt;
}

/** 0011: a journal transaction's place in the journal anchoring stream; insert-only. */
export interface JournalAnchorLeavesTable {
  position: ColumnType<number, number, never>;
  transaction_id: ColumnType<string, string, never>;
  leaf_hash: ColumnType<string, string, never>;
  batch_id: ColumnType<number, number, never>;
}

export interface AnchorSubmissionsTable {
  tx_hash: string;
  batch_id: number;
  chain_id: number;
  contract_address: string;
  nonce: number;
  max_fee_per_gas: string;
  max_priority_fee_per_gas: string;
  gas_limit: string;
  raw_tx: string;
  created_at: CreatedAt;
}

export interface AnchorContractsTable {
  chain_id: number;
  address: string;
  deploy_tx_hash: string | null;
  created_at: CreatedAt;
}

export interface LedgerLeasesTable {
  name: string;
  holder: string;
  locked_until: Timestamp;
}

/** Compensation journal (migration 0006): insert-only, refused by triggers otherwise. */
export interface LedgerAccountsTable {
  id: ColumnType<string, string, never>;
  seller_id: ColumnType<string, string, never>;
  code: ColumnType<string, string, never>;
  currency: ColumnType<string, string, never>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export type JournalKindColumn = 'exposure_reserved' | 'exposure_released' | 'compensation_posted' | 'chargeback' | 'reversal';
export type JournalStatusColumn = 'pending' | 'posted' | 'voided';
/** Postings of one transaction sum to zero per currency (deferred constraint trigger, checked at commit). */
export interface JournalTransactionsTable {
  id: ColumnType<string, string, never>;
  seller_id: ColumnType<string, string, never>;
  seq: ColumnType<number, number, never>;
  idempotency_key: ColumnType<string, string, never>;
  request_hash: ColumnType<string, string, never>;
  kind: ColumnType<JournalKindColumn, JournalKindColumn, never>;
  status: ColumnType<JournalStatusColumn, JournalStatusColumn, never>;
  order_id: ColumnType<string | null, string | null, never>;
  partner_id: ColumnType<string | null, string | null, never>;
  reverses_id: ColumnType<string | null, string | null, never>;
  memo: ColumnType<string | null, string | null, never>;
  created_at: ColumnType<Date, Date | string, never>;
  prev_hash: ColumnType<string, string, never>;
  hash: ColumnType<string, string, never>;
}

export interface JournalPostingsTable {
  id: ColumnType<number, never, never>;
  transaction_id: ColumnType<string, string, never>;
  account_id: ColumnType<string, string, never>;
  currency: ColumnType<string, string, never>;
  /** Signed integer minor units: debit positive, credit negative. */
  amount_minor: ColumnType<number, number, never>;
}

/** Migration 0013 (learning): one Beta posterior per seller and route component (src/learning). */
export type ComponentKindColumn = 'supplier_handover' | 'warehouse_cutoff' | 'carrier_lane';
export interface RouteEstimatesTable {
  seller_id: string;
  kind: ComponentKindColumn;
  key: string;
  alpha: number;
  beta: number;
  n: ColumnType<number, number | undefined, number>;
  updated_at: Timestamp;
}
export interface LearningAppliedTable {
  outcome_id: string;
  seller_id: string;
  updates: Json<unknown>;
  applied_at: Timestamp;
}
export interface RatingRulesTable {
  seller_id: string;
  rules: Json<unknown>;
  updated_at: Timestamp;
}
export interface SupplierRatingsTable {
  seller_id: string;
  supplier_id: string;
  week_start: string;
  outcomes: number;
  judged: number;
  on_time: number;
  refused: number;
  tracked: number;
  handed_over: number;
  compensation_minor: ColumnType<number, number, number>;
  outcome_ids: Json<string[]>;
  computed_at: Timestamp;
}
export interface RatingEventsTable {
  id: string;
  seller_id: string;
  supplier_id: string;
  week_start: string;
  rule: string;
  action: 'demote' | 'recover';
  evidence: Json<unknown>;
  created_at: Timestamp;
}
export interface BackupInquiriesTable {
  id: string;
  seller_id: string;
  supplier_id: string;
  rating_event_id: string;
  status: 'open' | 'quoted' | 'closed';
  alternatives: Json<unknown>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A policy replay job (src/replay); claimed by a worker with SKIP LOCKED and a lease. */
export interface ReplaysTable {
  id: string;
  seller_id: string;
  params: Json<unknown>;
  status: Generated<'queued' | 'running' | 'done' | 'failed'>;
  progress_done: Generated<number>;
  progress_total: Generated<number>;
  result: ColumnType<unknown | null, string | null | undefined, string | null>;
  error: string | null;
  attempts: Generated<number>;
  locked_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: CreatedAt;
  started_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  finished_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
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
  promise_outcomes: PromiseOutcomesTable;
  promise_timers: PromiseTimersTable;
  breaches: BreachesTable;
  compensations: CompensationsTable;
  repair_sagas: RepairSagasTable;
  repair_saga_steps: RepairSagaStepsTable;
  platform_integrations: PlatformIntegrationsTable;
  platform_events: PlatformEventsTable;
  platform_orders: PlatformOrdersTable;
  milestones: MilestonesTable;
  anchor_batches: AnchorBatchesTable;
  journal_anchor_leaves: JournalAnchorLeavesTable;
  anchor_submissions: AnchorSubmissionsTable;
  anchor_contracts: AnchorContractsTable;
  ledger_leases: LedgerLeasesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
  ledger_accounts: LedgerAccountsTable;
  journal_transactions: JournalTransactionsTable;
  journal_postings: JournalPostingsTable;
  replays: ReplaysTable;
  route_estimates: RouteEstimatesTable;
  learning_applied: LearningAppliedTable;
  rating_rules: RatingRulesTable;
  supplier_ratings: SupplierRatingsTable;
  rating_events: RatingEventsTable;
  backup_inquiries: BackupInquiriesTable;
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
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookDeliveryAttemptRow = Selectable<WebhookDeliveryAttemptsTable>;
export type MilestoneRow = Selectable<MilestonesTable>;
export type AnchorBatchRow = Selectable<AnchorBatchesTable>;
export type PlatformEventRow = Selectable<PlatformEventsTable>;
