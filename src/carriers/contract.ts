import type { Address } from '../lib/address.js';
import type { PartnerConnection } from '../upstream/contract.js';
import type { CallContext } from '../suppliers/contract.js';

export type CarrierId = 'easypost' | 'shippo' | 'shipengine';
export type CarrierCapability = 'rates' | 'buy_label' | 'void_label' | 'tracking_webhook' | 'tracking_poll';

export type CarrierManifest = {
  id: CarrierId;
  name: string;
  capabilities: readonly CarrierCapability[];
  /** The production API origin, used when a seller does not override it. */
  defaultBaseUrl: string;
  /** Credential fields a seller must provide, e.g. ["api_key"]. */
  credentialFields: readonly string[];
};

export type Parcel = { weightGrams: number };

export type RateRequest = {
  shipmentRef: string;
  from: Address;
  to: Address;
  parcel: Parcel;
  shipDate: Date;
  currency: string;
};

export type CarrierRate = {
  /** The underlying carrier the aggregator resolved, e.g. "USPS". */
  carrier: string;
  service: string;
  amountMinor: number;
  currency: string;
  /** Business days in transit, when the carrier says. */
  transitDays: number | null;
  deliveryDate: Date | null;
  isGuaranteed: boolean;
  /** Opaque to Pledge, JSON-serialisable: what `buy` needs to purchase exactly this rate. */
  rateRef: unknown;
};

export type PurchasedLabel = {
  trackingNumber: string;
  labelUrl: string | null;
  /** The carrier's id for the purchase (EasyPost shipment, Shippo transaction, ShipEngine label). */
  carrierRef: string;
};

/**
 * What a carrier's tracking says happened, in carrier-neutral words (a subset of the milestone
 * vocabulary). `null` milestone: a status that is not a milestone (label created, unknown).
 */
export type CarrierMilestone = 'handed_over' | 'in_transit' | 'out_for_delivery' | 'delivered' | 'exception' | 'returned' | 'cancelled';
export type TrackingUpdate = {
  trackingNumber: string;
  milestone: CarrierMilestone | null;
  occurredAt: Date;
  /** Stable per real-world update, so a redelivered webhook or a repeated poll is recognised. */
  sourceEventId: string;
  /** The carrier's own words, kept with the milestone: status, detail, message, location. */
  details: Record<string, unknown>;
};

/** A carrier's tracking webhook after its signature was checked and its JSON parsed. */
export type TrackingWebhookResult =
  | { kind: 'update'; update: TrackingUpdate }
  /** Well-formed but not about tracking (another event type): acknowledged, nothing stored. */
  | { kind: 'ignored'; reason: string }
  | { kind: 'malformed'; errors: { field: string; message: string }[] };

export type WebhookRequest = {
  rawBody: Buffer;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  query: Readonly<Record<string, string | undefined>>;
};

/** Pure: how one carrier's tracking webhooks are authenticated and read. */
export interface CarrierTrackingWebhook {
  /** hmac: the carrier signs the body; url_token / header_token: a shared token the seller configured at the carrier. */
  readonly verification: 'hmac_signature' | 'url_token' | 'header_token';
  /** Where the seller puts the secret at the carrier, for the setup instructions. */
  readonly secretPlacement: string;
  verify(req: WebhookRequest, secret: string): boolean;
  parse(body: unknown, receivedAt: Date): TrackingWebhookResult;
}

export interface CarrierAdapter {
  readonly manifest: CarrierManifest;
  rates(partner: PartnerConnection, req: RateRequest, ctx: CallContext): Promise<CarrierRate[]>;
  /**
   * Buys the label for `rateRef`. Safe to call again after a crash: an adapter that finds the rate
   * already bought returns the existing label instead of buying a second one.
   */
  buy(partner: PartnerConnection, rateRef: unknown, ctx: CallContext & { idempotencyKey: string }): Promise<PurchasedLabel>;
  void(partner: PartnerConnection, carrierRef: string, ctx: CallContext): Promise<{ status: 'voided' | 'rejected' }>;
  /** Current tracking of a parcel, for accounts without a webhook. Only carriers declaring `tracking_poll`. */
  track?(partner: PartnerConnection, trackingNumber: string, ctx: CallContext): Promise<TrackingUpdate | null>;
}
