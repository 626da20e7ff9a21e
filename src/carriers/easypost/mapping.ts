import { z } from 'zod';
import type { Address } from '../../lib/address.js';
import { toMinorUnits } from '../../lib/money.js';
import type { CarrierRate, PurchasedLabel, RateRequest } from '../contract.js';
import { gramsToOunces } from '../units.js';
import {
  EasypostError,
  POSTAGE_EXISTS,
  type EasypostAddress,
  type EasypostBuy,
  type EasypostCreateShipment,
  type EasypostPurchasedShipment,
  type EasypostShipment,
} from './wire.js';

/** What Pledge keeps between `rates` and `buy`: a rate only exists on the shipment that produced it. */
export const EasypostRateRef = z.object({ shipment_id: z.string().min(1), rate_id: z.string().min(1) });
export type EasypostRateRef = z.infer<typeof EasypostRateRef>;

export function toEasypostAddress(a: Address): EasypostAddress {
  return {
    name: a.name,
    street1: a.line1,
    street2: a.line2 ?? null,
    city: a.city,
    state: a.region ?? null,
    zip: a.postalCode,
    country: a.country,
    phone: a.phone ?? null,
    email: a.email ?? null,
  };
}

export function toEasypostShipment(req: RateRequest): EasypostCreateShipment {
  return {
    shipment: {
      to_address: toEasypostAddress(req.to),
      from_address: toEasypostAddress(req.from),
      parcel: { weight: gramsToOunces(req.parcel.weightGrams) },
      reference: req.shipmentRef,
    },
  };
}

export function fromEasypostRates(shipment: EasypostShipment): CarrierRate[] {
  return shipment.rates.map((r) => ({
    carrier: r.carrier,
    service: r.service,
    amountMinor: toMinorUnits(r.rate, r.currency),
    currency: r.currency.toUpperCase(),
    transitDays: r.delivery_days ?? r.est_delivery_days ?? null,
    deliveryDate: r.delivery_date ? new Date(r.delivery_date) : null,
    isGuaranteed: r.delivery_date_guaranteed ?? false,
    rateRef: { shipment_id: shipment.id, rate_id: r.id } satisfies EasypostRateRef,
  }));
}

/** @throws TypeError when `rateRef` did not come from this adapter's `rates`. */
export function parseEasypostRateRef(rateRef: unknown): EasypostRateRef {
  const parsed = EasypostRateRef.safeParse(rateRef);
  if (!parsed.success) throw new TypeError('easypost: rateRef must be { shipment_id, rate_id } from rates()');
  return parsed.data;
}

export const toEasypostBuy = (ref: EasypostRateRef): EasypostBuy => ({ rate: { id: ref.rate_id } });

export function fromEasypostPurchase(shipment: EasypostPurchasedShipment): PurchasedLabel {
  return {
    trackingNumber: shipment.tracking_code,
    labelUrl: shipment.postage_label.label_url ?? shipment.postage_label.label_pdf_url ?? null,
    carrierRef: shipment.id,
  };
}

/** True when EasyPost refused a `buy` because the shipment already carries postage. */
export function isPostageExists(errorBody: unknown): boolean {
  return EasypostError.safeParse(errorBody).data?.error.code === POSTAGE_EXISTS;
}

/** "submitted" counts: carriers settle refunds days later, but the label is void from now on. */
export function fromEasypostRefund(shipment: EasypostShipment): { status: 'voided' | 'rejected' } {
  return { status: shipment.refund_status === 'submitted' || shipment.refund_status === 'refunded' ? 'voided' : 'rejected' };
}
