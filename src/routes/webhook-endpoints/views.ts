import type { WebhookEndpointRow } from '../../db/database.js';
import type { DeliveryRecord } from '../../webhooks/outbound/delivery-service.js';

// Secrets never leave except once, at creation or rotation; rows are mapped, never sent as they are.
export const endpointView = (r: WebhookEndpointRow) => ({
  id: r.id,
  url: r.url,
  description: r.description,
  events: r.events,
  previous_secret_expires_at: r.previous_secret_expires_at?.toISOString() ?? null,
  created_at: r.created_at.toISOString(),
});

export const deliveryView = ({ delivery: d, event, attempts }: DeliveryRecord) => ({
  id: d.id,
  endpoint_id: d.endpoint_id,
  event: { id: event.id, type: event.type, timestamp: event.occurred_at.toISOString() },
  status: d.status,
  attempt_count: d.attempts,
  next_attempt_at: d.next_attempt_at?.toISOString() ?? null,
  last_status_code: d.last_status_code,
  last_error: d.last_error,
  delivered_at: d.delivered_at?.toISOString() ?? null,
  created_at: d.created_at.toISOString(),
  payload: JSON.parse(event.payload) as Record<string, unknown>,
  attempts: attempts.map((a) => ({ status_code: a.status_code, latency_ms: a.latency_ms, error: a.error, attempted_at: a.attempted_at.toISOString() })),
});
