/**
 * Every event a seller can subscribe to, with the shape of its `data`. Adding an event: a name here,
 * its data type in WebhookEventData, and one emit call inside the transaction that makes it true.
 */
export const WEBHOOK_EVENT_TYPES = ['order.promised', 'order.declined', 'instruction.sent', 'instruction.failed', 'breach.detected', 'compensation.posted', 'order.cancelled', 'supplier.demoted', 'supplier.recovered', 'backup_inquiry.opened'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export type RatedWeek = { week_start: string; outcomes: number; judged: number; on_time: number; on_time_rate: number | null };
export type ShipmentSummary = { shipment_id: string; supplier_id: string; warehouse_id: string; carrier: string; service: string; estimated_delivery: string };

export type WebhookEventData = {
  'order.promised': {
    order_id: string;
    external_id: string;
    deliver_by: string;
    confidence: number;
    currency: string;
    landed_cost_minor: number;
    shipments: ShipmentSummary[];
  };
  'order.declined': { order_id: string; external_id: string; code: string; reasons: string[] };
  'instruction.sent': {
    order_id: string;
    shipment_id: string;
    supplier_id: string;
    supplier_order_ref: string;
    carrier: string;
    service: string;
    tracking_number: string | null;
  };
  'instruction.failed': { order_id: string; shipment_id: string; supplier_id: string; error: string };
  'breach.detected': { order_id: string; shipment_id: string; breach_id: string; kind: string; cause: string; trigger: string; milestone_ids: string[] };
  /** Paid out: the seller's system refunds the customer; `breach_id` null and `kind` 'goodwill' for a manual compensation. */
  'compensation.posted': { order_id: string; breach_id: string | null; compensation_id: string; kind: string; amount_minor: number; currency: string; journal_transaction_id: string };
  'order.cancelled': { order_id: string; external_id: string; reason: string; cancelled_by: string; initiated_by: 'customer' | 'seller' | 'unknown' };
  /** A rating rule fired (src/learning): the supplier's routes now carry `routing_weight`; `weeks` is the evidence. */
  'supplier.demoted': { supplier_id: string; week_start: string; rule: string; reason: string; routing_weight: number; rating_event_id: string; weeks: RatedWeek[] };
  'supplier.recovered': { supplier_id: string; week_start: string; rule: string; reason: string; routing_weight: number; rating_event_id: string; weeks: RatedWeek[] };
  /** The catalog's other suppliers for the demoted supplier's SKUs; each is asked for a quote (answers on GET /v1/suppliers/{id}/ratings). */
  'backup_inquiry.opened': { inquiry_id: string; supplier_id: string; skus: string[]; alternatives: { supplier_id: string; warehouse_id: string; skus: string[] }[] };
};

/** One event as emitted: the type and its data, checked against each other by the compiler. */
export type WebhookEvent = { [T in WebhookEventType]: { type: T; data: WebhookEventData[T] } }[WebhookEventType];
