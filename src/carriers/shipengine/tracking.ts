import { z } from 'zod';
import { constantTimeEqual, sha256Hex } from '../../lib/crypto.js';
import type { CarrierMilestone, CarrierTrackingWebhook, TrackingUpdate, TrackingWebhookResult } from '../contract.js';

/**
 * ShipEngine tracking: the `track` webhook, `{ resource_url, resource_type: "API_TRACK", data }`. Pure.
 * https://www.shipengine.com/docs/reference/webhooks-schemas/
 *
 * ShipEngine (API v1) sends no signature Pledge can check with a per-account secret, but a webhook
 * may carry custom headers (`headers: [{ key, value }]` on POST /v1/environment/webhooks). The seller
 * adds `X-Pledge-Webhook-Token: <secret>` there and Pledge compares it.
 */

const Timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'a timestamp');

export const ShipengineStatusCode = z.enum(['UN', 'AC', 'IT', 'DE', 'EX', 'AT', 'NY', 'SP']);

export const ShipengineTrackEvent = z.looseObject({
  occurred_at: Timestamp.nullish(),
  carrier_occurred_at: z.string().nullish(),
  description: z.string().nullish(),
  city_locality: z.string().nullish(),
  state_province: z.string().nullish(),
  postal_code: z.string().nullish(),
  country_code: z.string().nullish(),
  status_code: z.string().nullish(),
  event_code: z.string().nullish(),
});

export const ShipengineTrackData = z.looseObject({
  tracking_number: z.string().min(1),
  status_code: ShipengineStatusCode,
  status_description: z.string().nullish(),
  carrier_status_code: z.string().nullish(),
  carrier_status_description: z.string().nullish(),
  carrier_code: z.string().nullish(),
  ship_date: Timestamp.nullish(),
  estimated_delivery_date: z.string().nullish(),
  actual_delivery_date: Timestamp.nullish(),
  exception_description: z.string().nullish(),
  events: z.array(ShipengineTrackEvent).nullish(),
});
export type ShipengineTrackData = z.infer<typeof ShipengineTrackData>;

export const ShipengineWebhook = z.looseObject({ resource_url: z.string().nullish(), resource_type: z.string().min(1), data: z.unknown() });

export const SHIPENGINE_TOKEN_HEADER = 'x-pledge-webhook-token';

/**
 * AC (accepted by the carrier) is the hand-over; AT (a delivery attempt) failed to deliver, an
 * exception that a later DE clears; SP (delivered to a service point) meets the delivery.
 * UN and NY (not yet in system) are not milestones.
 */
const STATUS_MILESTONES: Record<z.infer<typeof ShipengineStatusCode>, CarrierMilestone | null> = {
  UN: null,
  NY: null,
  AC: 'handed_over',
  IT: 'in_transit',
  DE: 'delivered',
  SP: 'delivered',
  EX: 'exception',
  AT: 'exception',
};

/** The newest event's time (ShipEngine lists newest first, but order is not promised: take the max). */
function latestEvent(data: ShipengineTrackData) {
  let latest: z.infer<typeof ShipengineTrackEvent> | undefined;
  for (const e of data.events ?? []) {
    if (e.occurred_at && (!latest?.occurred_at || Date.parse(e.occurred_at) > Date.parse(latest.occurred_at))) latest = e;
  }
  return latest;
}

export function fromShipengineTrack(data: ShipengineTrackData, receivedAt: Date): TrackingUpdate {
  const event = latestEvent(data);
  const at = (data.status_code === 'DE' || data.status_code === 'SP' ? data.actual_delivery_date : null) ?? event?.occurred_at ?? data.ship_date ?? receivedAt.toISOString();
  const occurredAt = new Date(at);
  const location = event ? [event.city_locality, event.state_province, event.postal_code, event.country_code].filter(Boolean).join(', ') || null : null;
  return {
    trackingNumber: data.tracking_number,
    milestone: STATUS_MILESTONES[data.status_code],
    occurredAt,
    // ShipEngine gives no event id: the status, the carrier's own code and the time identify one update.
    sourceEventId: `${data.status_code}:${data.carrier_status_code ?? ''}:${occurredAt.toISOString()}`,
    details: {
      carrier_status: data.status_code,
      carrier_status_detail: data.carrier_status_code ?? null,
      message: data.exception_description ?? data.carrier_status_description ?? event?.description ?? null,
      location,
      carrier: data.carrier_code ?? null,
    },
  };
}

const issues = (error: z.ZodError, prefix = '') =>
  error.issues.map((i) => ({ field: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(body)', message: i.message }));

export function parseShipengineWebhook(body: unknown, receivedAt: Date): TrackingWebhookResult {
  const webhook = ShipengineWebhook.safeParse(body);
  if (!webhook.success) return { kind: 'malformed', errors: issues(webhook.error) };
  if (webhook.data.resource_type !== 'API_TRACK') return { kind: 'ignored', reason: `resource_type ${webhook.data.resource_type} is not about tracking` };
  const data = ShipengineTrackData.safeParse(webhook.data.data);
  if (!data.success) return { kind: 'malformed', errors: issues(data.error, 'data') };
  return { kind: 'update', update: fromShipengineTrack(data.data, receivedAt) };
}

export function verifyShipengineToken(header: string | string[] | undefined, secret: string): boolean {
  return typeof header === 'string' && secret !== '' && constantTimeEqual(sha256Hex(header.trim()), sha256Hex(secret));
}

export const shipengineTrackingWebhook: CarrierTrackingWebhook = {
  verification: 'header_token',
  secretPlacement: 'add the custom header X-Pledge-Webhook-Token: <secret> to the ShipEngine "track" webhook (headers: [{ key, value }])',
  verify: (req, secret) => verifyShipengineToken(req.headers[SHIPENGINE_TOKEN_HEADER], secret),
  parse: parseShipengineWebhook,
};
