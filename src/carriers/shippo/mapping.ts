import { z } from 'zod';
import type { Address } from '../../lib/address.js';
import { toMinorUnits } from '../../lib/money.js';
import type { CarrierRate, PurchasedLabel, RateRequest } from '../contract.js';
import type {
  ShippoAddress,
  ShippoCreateRefund,
  ShippoCreateShipment,
  ShippoCreateTransaction,
  ShippoMessage,
  ShippoRefund,
  ShippoShipment,
  ShippoTransaction,
  ShippoTransactionList,
} from './wire.js';

export const ShippoRateRef = z.object({ rate_id: z.string().min(1) });
export type ShippoRateRef = z.infer<typeof ShippoRateRef>;

/**
 * Shippo requires box dimensions and Pledge's Parcel carries only weight. A small box makes the
 * dimensional weight negligible, so Shippo rates on actual weight like the other carriers do.
 */
export const ASSUMED_BOX_IN = { length: '6', width: '4', height: '1' } as const;

export function toShippoAddress(a: Address): ShippoAddress {
  return {
    name: a.name,
    street1: a.line1,
    ...(a.line2 ? { street2: a.line2 } : {}),
    city: a.city,
    ...(a.region ? { state: a.region } : {}),
    zip: a.postalCode,
    country: a.country,
    ...(a.phone ? { phone: a.phone } : {}),
    ...(a.email ? { email: a.email } : {}),
  };
}

export function toShippoShipment(req: RateRequest): ShippoCreateShipment {
  return {
    address_from: toShippoAddress(req.from),
    address_to: toShippoAddress(req.to),
    parcels: [{ ...ASSUMED_BOX_IN, distance_unit: 'in', weight: String(req.parcel.weightGrams), mass_unit: 'g' }],
    shipment_date: req.shipDate.toISOString(),
    metadata: req.shipmentRef,
    async: false,
  };
}

export function fromShippoRates(shipment: ShippoShipment): CarrierRate[] {
  return shipment.rates.map((r) => ({
    carrier: r.provider,
    service: r.servicelevel.name,
    amountMinor: toMinorUnits(r.amount, r.currency),
    currency: r.currency.toUpperCase(),
    transitDays: r.estimated_days ?? null,
    // Shippo gives a day count and a time of day, never a date, and guarantees nothing.
    deliveryDate: null,
    isGuaranteed: false,
    rateRef: { rate_id: r.object_id } satisfies ShippoRateRef,
  }));
}

/** @throws TypeError when `rateRef` did not come from this adapter's `rates`. */
export function parseShippoRateRef(rateRef: unknown): ShippoRateRef {
  const parsed = ShippoRateRef.safeParse(rateRef);
  if (!parsed.success) throw new TypeError('shippo: rateRef must be { rate_id } from rates()');
  return parsed.data;
}

/** The idempotency key rides along as metadata, so a purchase can be recognised when looked up later. */
export const toShippoTransaction = (ref: ShippoRateRef, idempotencyKey: string): ShippoCreateTransaction => ({
  rate: ref.rate_id,
  label_file_type: 'PDF',
  async: false,
  metadata: idempotencyKey,
});

const rateIdOf = (tx: ShippoTransaction) => (typeof tx.rate === 'string' ? tx.rate : tx.rate?.object_id);

/**
 * What an earlier attempt left for this rate: a bought label (ours by metadata first), a purchase
 * Shippo is still working on, or nothing (failed attempts do not count, the rate can be bought).
 */
export function previousPurchase(list: ShippoTransactionList, ref: ShippoRateRef, idempotencyKey: string): ShippoTransaction | 'in_flight' | null {
  const forRate = list.results.filter((tx) => rateIdOf(tx) === ref.rate_id);
  const bought = forRate.filter((tx) => tx.status === 'SUCCESS');
  const label = bought.find((tx) => tx.metadata === idempotencyKey) ?? bought[0];
  if (label) return label;
  return forRate.some((tx) => tx.status === 'QUEUED' || tx.status === 'WAITING') ? 'in_flight' : null;
}

export type ShippoPurchaseOutcome =
  | { ok: true; label: PurchasedLabel }
  | { ok: false; reason: 'failed' | 'pending' | 'incomplete'; detail: string };

const describe = (messages: ShippoMessage[] | null | undefined) =>
  (messages ?? []).map((m) => [m.source, m.code, m.text].filter(Boolean).join(' ')).join('; ') || 'no message';

export function fromShippoTransaction(tx: ShippoTransaction): ShippoPurchaseOutcome {
  if (tx.status === 'ERROR') return { ok: false, reason: 'failed', detail: describe(tx.messages) };
  if (tx.status === 'QUEUED' || tx.status === 'WAITING') return { ok: false, reason: 'pending', detail: tx.status };
  if (tx.status !== 'SUCCESS' || !tx.tracking_number) return { ok: false, reason: 'incomplete', detail: `${tx.status} without tracking number` };
  return { ok: true, label: { trackingNumber: tx.tracking_number, labelUrl: tx.label_url || null, carrierRef: tx.object_id } };
}

export const toShippoRefund = (transactionId: string): ShippoCreateRefund => ({ transaction: transactionId, async: false });

export const fromShippoRefund = (refund: ShippoRefund): { status: 'voided' | 'rejected' } => ({
  status: refund.status === 'ERROR' ? 'rejected' : 'voided',
});
