import { z } from 'zod';
import { constantTimeEqual, sha256Hex } from '../../lib/crypto.js';
import type { CarrierMilestone, CarrierTrackingWebhook, TrackingUpdate, TrackingWebhookResult } from '../contract.js';

/**
 * Shippo tracking: the `track_updated` webhook, `{ event, test, data: Track }`. Pure.
 * https://docs.goshippo.com/docs/tracking/webhooks, https://docs.goshippo.com/docs/tracking/webhooksecurity
 *
 * Shippo does not sign webhooks by default (its HMAC is set up through an account manager), so Pledge
 * uses Shippo's documented "self-generated token": the seller registers
 * `https://<pledge>/webhooks/carriers/<account id>?token=<secret>` at Shippo and Shippo echoes the
 * query string on every POST.
 */

const Timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'a timestamp');

export const ShippoTrackingStatusCode = z.enum(['UNKNOWN', 'PRE_TRANSIT', 'TRANSIT', 'DELIVERED', 'RETURNED', 'FAILURE']);

const Location = z.looseObject({ city: z.string().nullish(), state: z.string().nullish(), zip: z.string().nullish(), country: z.string().nullish() });

export const ShippoTrackingStatus = z.looseObject({
  object_id: z.string().nullish(),
  status: ShippoTrackingStatusCode,
  substatus: z.looseObject({ code: z.string(), text: z.string().nullish(), action_required: z.boolean().nullish() }).nullish(),
  status_details: z.string().nullish(),
  status_date: Timestamp.nullish(),
  location: Location.nullish(),
});

export const ShippoTrack = z.looseObject({
  carrier: z.string().nullish(),
  tracking_number: z.string().min(1),
  tracking_status: ShippoTrackingStatus,
  metadata: z.string().nullish(),
});
export type ShippoTrack = z.infer<typeof ShippoTrack>;

export const ShippoWebhook = z.looseObject({ event: z.string().min(1), test: z.boolean().nullish(), data: z.unknown() });

export const SHIPPO_TOKEN_QUERY = 'token';

const STATUS_MILESTONES: Record<z.infer<typeof ShippoTrackingStatusCode>, CarrierMilestone | null> = {
  UNKNOWN: null,
  PRE_TRANSIT: null,
  TRANSIT: 'in_transit',
  DELIVERED: 'delivered',
  RETURNED: 'returned',
  FAILURE: 'exception',
};

/** TRANSIT substatuses that say more than "moving": the carrier's first acceptance scan, the last mile. */
const TRANSIT_SUBSTATUS: Record<string, CarrierMilestone> = {
  package_accepted: 'handed_over',
  out_for_delivery: 'out_for_delivery',
  pickup_available: 'out_for_delivery',
};

export function fromShippoTrack(track: ShippoTrack, receivedAt: Date): TrackingUpdate {
  const s = track.tracking_status;
  const substatus = s.substatus?.code ?? null;
  const milestone = s.status === 'TRANSIT' && substatus && TRANSIT_SUBSTATUS[substatus] ? TRANSIT_SUBSTATUS[substatus] : STATUS_MILESTONES[s.status];
  const occurredAt = new Date(s.status_date ?? receivedAt.toISOString());
  return {
    trackingNumber: track.tracking_number,
    milestone,
    occurredAt,
    // Each tracking status has its own object_id; without one, status and time identify it.
    sourceEventId: s.object_id ?? `${s.status}:${substatus ?? ''}:${occurredAt.toISOString()}`,
    details: {
      carrier_status: s.status,
      carrier_substatus: substatus,
      message: s.status_details ?? null,
      location: s.location ? [s.location.city, s.location.state, s.location.zip, s.location.country].filter(Boolean).join(', ') || null : null,
      carrier: track.carrier ?? null,
    },
  };
}

const issues = (error: z.ZodError, prefix = '') =>
  error.issues.map((i) => ({ field: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(body)', message: i.message }));

export function parseShippoWebhook(body: unknown, receivedAt: Date): TrackingWebhookResult {
  const webhook = ShippoWebhook.safeParse(body);
  if (!webhook.success) return { kind: 'malformed', errors: issues(webhook.error) };
  if (webhook.data.event !== 'track_updated') return { kind: 'ignored', reason: `event ${webhook.data.event} is not about tracking` };
  const track = ShippoTrack.safeParse(webhook.data.data);
  if (!track.success) return { kind: 'malformed', errors: issues(track.error, 'data') };
  return { kind: 'update', update: fromShippoTrack(track.data, receivedAt) };
}

/** Compared as hashes so the comparison takes the same time whatever the token's length. */
export function verifyShippoToken(token: string | undefined, secret: string): boolean {
  return typeof token === 'string' && secret !== '' && constantTimeEqual(sha256Hex(token), sha256Hex(secret));
}

export const shippoTrackingWebhook: CarrierTrackingWebhook = {
  verification: 'url_token',
  secretPlacement: 'append ?token=<secret> to the webhook URL registered at Shippo (Shippo "self-generated token")',
  verify: (req, secret) => verifyShippoToken(req.query[SHIPPO_TOKEN_QUERY], secret),
  parse: parseShippoWebhook,
};
