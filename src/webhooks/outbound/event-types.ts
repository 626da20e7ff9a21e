/**
 * Every event a seller can subscribe to, with the shape of its `data`. Adding an event: a name here,
 * its data type in WebhookEventData, and one emit call inside the transaction that makes it true.
 */
export const WEBHOOK_EVENT_TYPES = ['order.promised', 'order.declined', 'instruction.sent', 'instruction.failed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

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
};

/** One event as emitted: the type and its data, checked against each other by the compiler. */
export type WebhookEvent = { [T in WebhookEventType]: { type: T; data: WebhookEventData[T] } }[WebhookEventType];
