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

export interface CarrierAdapter {
  readonly manifest: CarrierManifest;
  rates(partner: PartnerConnection, req: RateRequest, ctx: CallContext): Promise<CarrierRate[]>;
  /**
   * Buys the label for `rateRef`. Safe to call again after a crash: an adapter that finds the rate
   * already bought returns the existing label instead of buying a second one.
   */
  buy(partner: PartnerConnection, rateRef: unknown, ctx: CallContext & { idempotencyKey: string }): Promise<PurchasedLabel>;
  void(partner: PartnerConnection, carrierRef: string, ctx: CallContext): Promise<{ status: 'voided' | 'rejected' }>;
}
