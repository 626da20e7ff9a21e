import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../../webhooks/outbound/index.js';
import { Pagination } from '../shared-schemas.js';

export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES).meta({ id: 'WebhookEventType' });

export const WebhookEndpointInput = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).max(2000).describe('Where events are POSTed; must pass the SSRF guard (public https unless private URLs are allowed)'),
    events: z.array(WebhookEventType).min(1).max(50).describe('The event types to receive'),
    description: z.string().trim().max(500).nullish(),
  })
  .meta({ id: 'NewWebhookEndpoint' });

export const RotateSecretInput = z
  .strictObject({
    overlap_seconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .optional()
      .describe('How long the replaced secret keeps signing alongside the new one (default 86400; 0 revokes it at once)'),
  })
  .nullish();

export const WebhookEndpoint = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.string()),
    previous_secret_expires_at: z.string().nullable().describe('While set and in the future, deliveries carry a second signature made with the replaced secret'),
    created_at: z.string(),
  })
  .meta({ id: 'WebhookEndpoint' });

export const WebhookEndpointWithSecret = WebhookEndpoint.extend({
  secret: z.string().describe('whsec_ + base64 key for Standard Webhooks verification. Shown once; stored encrypted'),
}).meta({ id: 'WebhookEndpointWithSecret' });

export const WebhookEndpointList = z.object({ data: z.array(WebhookEndpoint) });

const DeliveryStatus = z.enum(['pending', 'delivered', 'failed']);

export const WebhookDeliveryAttempt = z
  .object({ status_code: z.number().int().nullable(), latency_ms: z.number().int(), error: z.string().nullable(), attempted_at: z.string() })
  .meta({ id: 'WebhookDeliveryAttempt' });

export const WebhookDelivery = z
  .object({
    id: z.string(),
    endpoint_id: z.string(),
    event: z.object({ id: z.string().describe('Sent as webhook-id on every attempt'), type: z.string(), timestamp: z.string() }),
    status: DeliveryStatus,
    attempt_count: z.number().int().describe('Attempts in the current round (a redelivery starts a new round)'),
    next_attempt_at: z.string().nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    delivered_at: z.string().nullable(),
    created_at: z.string(),
    payload: z.record(z.string(), z.unknown()).describe('The exact body sent: {type, timestamp, data}'),
    attempts: z.array(WebhookDeliveryAttempt).describe('Every attempt, oldest first'),
  })
  .meta({ id: 'WebhookDelivery' });

export const WebhookDeliveryList = z.object({ data: z.array(WebhookDelivery), next_cursor: z.string().nullable() });

export const WebhookDeliveryQuery = Pagination.extend({
  endpoint_id: z.string().max(100).optional(),
  status: DeliveryStatus.optional(),
  event_type: WebhookEventType.optional(),
});
