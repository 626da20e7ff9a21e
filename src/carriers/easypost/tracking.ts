import { z } from 'zod';
import { constantTimeEqual, hmacSha256 } from '../../lib/crypto.js';
import type { CarrierMilestone, CarrierTrackingWebhook, TrackingUpdate, TrackingWebhookResult } from '../contract.js';

/**
 * EasyPost tracking: `tracker.created` / `tracker.updated` Events posted to the webhook URL, and the
 * Tracker object itself (the same object `GET /v2/trackers` returns, for polling). Pure.
 * https://docs.easypost.com/docs/trackers, https://docs.easypost.com/guides/webhooks-guide
 */

const Timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'a timestamp');

export const EasypostTrackingLocation = z.looseObject({
  city: z.string().nullish(),
  state: z.string().nullish(),
  country: z.string().nullish(),
  zip: z.string().nullish(),
});

export const EasypostTrackingDetail = z.looseObject({
  message: z.string().nullish(),
  status: z.string(),
  status_detail: z.string().nullish(),
  datetime: Timestamp.nullish(),
  tracking_location: EasypostTrackingLocation.nullish(),
});

export const EasypostTracker = z.looseObject({
  id: z.string().min(1),
  object: z.literal('Tracker'),
  tracking_code: z.string().min(1),
  status: z.string().min(1),
  status_detail: z.string().nullish(),
  carrier: z.string().nullish(),
  created_at: Timestamp.nullish(),
  updated_at: Timestamp.nullish(),
  est_delivery_date: Timestamp.nullish(),
  signed_by: z.string().nullish(),
  tracking_details: z.array(EasypostTrackingDetail).nullish(),
  public_url: z.string().nullish(),
});
export type EasypostTracker = z.infer<typeof EasypostTracker>;

export const EasypostTrackerList = z.looseObject({ trackers: z.array(EasypostTracker), has_more: z.boolean().nullish() });
export type EasypostTrackerList = z.infer<typeof EasypostTrackerList>;

export const EasypostEvent = z.looseObject({
  id: z.string().min(1),
  object: z.literal('Event'),
  description: z.string().min(1),
  mode: z.string().nullish(),
  created_at: Timestamp.nullish(),
  result: z.unknown(),
});
export type EasypostEvent = z.infer<typeof EasypostEvent>;

export const EASYPOST_SIGNATURE_HEADER = 'x-hmac-signature';

/**
 * EasyPost's tracker statuses. `pre_transit` (label printed) and `unknown` are not milestones;
 * `available_for_pickup` is held for the recipient, the last step before delivery; `error` is
 * EasyPost failing to track, not the parcel failing, so it records nothing.
 */
export const EASYPOST_STATUS_MILESTONES: Record<string, CarrierMilestone | null> = {
  unknown: null,
  pre_transit: null,
  in_transit: 'in_transit',
  out_for_delivery: 'out_for_delivery',
  available_for_pickup: 'out_for_delivery',
  delivered: 'delivered',
  return_to_sender: 'returned',
  failure: 'exception',
  cancelled: 'cancelled',
  error: null,
};

/** `hmac-sha256-hex=<hex HMAC-SHA256 of the raw body>`, keyed with the NFKD-normalised webhook secret (as EasyPost's client libraries do). */
export function easypostSignature(rawBody: Buffer | string, secret: string): string {
  return `hmac-sha256-hex=${hmacSha256(Buffer.from(secret.normalize('NFKD'), 'utf8'), rawBody).toString('hex')}`;
}

export function verifyEasypostSignature(rawBody: Buffer, header: string | string[] | undefined, secret: string): boolean {
  if (typeof header !== 'string' || secret === '') return false;
  return constantTimeEqual(header.trim().toLowerCase(), easypostSignature(rawBody, secret));
}

/** The detail that produced the tracker's current status: the latest one with that status. */
function currentDetail(tracker: EasypostTracker) {
  const details = tracker.tracking_details ?? [];
  const same = details.filter((d) => d.status === tracker.status && d.datetime);
  return same.at(-1) ?? details.at(-1);
}

/**
 * A Tracker as a tracking update. Without `sourceEventId` (polling) the id is derived from the
 * tracker, its status and the time of that status, so polling the same state twice is a duplicate.
 */
export function fromEasypostTracker(tracker: EasypostTracker, receivedAt: Date, sourceEventId?: string): TrackingUpdate {
  const detail = currentDetail(tracker);
  const occurredAt = new Date(detail?.datetime ?? tracker.updated_at ?? receivedAt.toISOString());
  const location = detail?.tracking_location;
  return {
    trackingNumber: tracker.tracking_code,
    milestone: EASYPOST_STATUS_MILESTONES[tracker.status] ?? null,
    occurredAt,
    sourceEventId: sourceEventId ?? `${tracker.id}:${tracker.status}:${occurredAt.toISOString()}`,
    details: {
      carrier_status: tracker.status,
      carrier_status_detail: tracker.status_detail ?? null,
      message: detail?.message ?? null,
      location: location ? [location.city, location.state, location.zip, location.country].filter(Boolean).join(', ') || null : null,
      carrier: tracker.carrier ?? null,
      tracker_id: tracker.id,
    },
  };
}

const TRACKER_EVENTS = new Set(['tracker.created', 'tracker.updated']);

const issues = (error: z.ZodError, prefix = '') =>
  error.issues.map((i) => ({ field: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(body)', message: i.message }));

export function parseEasypostWebhook(body: unknown, receivedAt: Date): TrackingWebhookResult {
  const event = EasypostEvent.safeParse(body);
  if (!event.success) return { kind: 'malformed', errors: issues(event.error) };
  if (!TRACKER_EVENTS.has(event.data.description)) return { kind: 'ignored', reason: `event ${event.data.description} is not about tracking` };
  const tracker = EasypostTracker.safeParse(event.data.result);
  if (!tracker.success) return { kind: 'malformed', errors: issues(tracker.error, 'result') };
  return { kind: 'update', update: fromEasypostTracker(tracker.data, receivedAt, event.data.id) };
}

export const easypostTrackingWebhook: CarrierTrackingWebhook = {
  verification: 'hmac_signature',
  secretPlacement: 'EasyPost webhook `webhook_secret`; EasyPost sends X-Hmac-Signature: hmac-sha256-hex=<hex>',
  verify: (req, secret) => verifyEasypostSignature(req.rawBody, req.headers[EASYPOST_SIGNATURE_HEADER], secret),
  parse: parseEasypostWebhook,
};
