import { z } from 'zod';
import type { Address } from '../../lib/address.js';
import { toMinorUnits } from '../../lib/money.js';
import type { CarrierRate, PurchasedLabel, RateRequest } from '../contract.js';
import { gramsToOunces } from '../units.js';
import type {
  ShipengineAddress,
  ShipengineLabel,
  ShipengineLabelFromRate,
  ShipengineLabelList,
  ShipengineMoney,
  ShipengineRate,
  ShipengineRateRequest,
  ShipengineRateResponse,
  ShipengineVoid,
} from './wire.js';

/** The shipment id is kept so a later `buy` can find a label bought by an earlier attempt. */
export const ShipengineRateRef = z.object({ shipment_id: z.string().min(1), rate_id: z.string().min(1) });
export type ShipengineRateRef = z.infer<typeof ShipengineRateRef>;

export function toShipengineAddress(a: Address): ShipengineAddress {
  return {
    name: a.name,
    ...(a.phone ? { phone: a.phone } : {}),
    address_line1: a.line1,
    ...(a.line2 ? { address_line2: a.line2 } : {}),
    city_locality: a.city,
    ...(a.region ? { state_province: a.region } : {}),
    postal_code: a.postalCode,
    country_code: a.country,
    address_residential_indicator: 'unknown',
  };
}

/** `carrierIds` is the seller's comma-separated `carrier_ids` credential; absent means every connected carrier. */
export function toShipengineRateRequest(req: RateRequest, carrierIds: string | undefined): ShipengineRateRequest {
  const ids = (carrierIds ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return {
    ...(ids.length > 0 ? { rate_options: { carrier_ids: ids } } : {}),
    shipment: {
      ship_date: req.shipDate.toISOString(),
      ship_from: toShipengineAddress(req.from),
      ship_to: toShipengineAddress(req.to),
      packages: [{ weight: { value: gramsToOunces(req.parcel.weightGrams), unit: 'ounce' } }],
    },
  };
}

/**
 * The price is the sum of every charge; null when the charges are in different currencies,
 * since quoting only part of the price would under-promise the cost.
 */
export function totalMinor(rate: ShipengineRate): { amountMinor: number; currency: string } | null {
  const currency = rate.shipping_amount.currency.toUpperCase();
  const charges = [rate.shipping_amount, rate.insurance_amount, rate.confirmation_amount, rate.other_amount].filter(
    (m): m is ShipengineMoney => m != null && m.amount !== 0,
  );
  if (charges.some((m) => m.currency.toUpperCase() !== currency)) return null;
  return { amountMinor: charges.reduce((sum, m) => sum + toMinorUnits(m.amount, currency), 0), currency };
}

export function fromShipengineRates(res: ShipengineRateResponse): CarrierRate[] {
  return res.rate_response.rates.flatMap((r) => {
    const total = totalMinor(r);
    if (!total) return [];
    return [{
      carrier: r.carrier_friendly_name ?? r.carrier_code,
      service: r.service_type ?? r.service_code,
      amountMinor: total.amountMinor,
      currency: total.currency,
      transitDays: r.delivery_days ?? null,
      deliveryDate: r.estimated_delivery_date ? new Date(r.estimated_delivery_date) : null,
      isGuaranteed: r.guaranteed_service ?? false,
      rateRef: { shipment_id: res.shipment_id, rate_id: r.rate_id } satisfies ShipengineRateRef,
    }];
  });
}

/** @throws TypeError when `rateRef` did not come from this adapter's `rates`. */
export function parseShipengineRateRef(rateRef: unknown): ShipengineRateRef {
  const parsed = ShipengineRateRef.safeParse(rateRef);
  if (!parsed.success) throw new TypeError('shipengine: rateRef must be { shipment_id, rate_id } from rates()');
  return parsed.data;
}

export const toShipengineLabelFromRate = (): ShipengineLabelFromRate => ({
  validate_address: 'no_validation',
  label_layout: '4x6',
  label_format: 'pdf',
  label_download_type: 'url',
});

/** A label an earlier attempt bought for this shipment, one still being produced, or none (voided and failed ones do not count). */
export function previousLabel(list: ShipengineLabelList, ref: ShipengineRateRef): ShipengineLabel | 'in_flight' | null {
  const mine = list.labels.filter((l) => l.shipment_id === ref.shipment_id);
  return mine.find((l) => l.status === 'completed') ?? (mine.some((l) => l.status === 'processing') ? 'in_flight' : null);
}

export type ShipenginePurchaseOutcome =
  | { ok: true; label: PurchasedLabel }
  | { ok: false; reason: 'pending' | 'incomplete'; detail: string };

export function fromShipengineLabel(label: ShipengineLabel): ShipenginePurchaseOutcome {
  if (label.status === 'processing') return { ok: false, reason: 'pending', detail: 'label still processing' };
  if (label.status !== 'completed' || !label.tracking_number) return { ok: false, reason: 'incomplete', detail: `${label.status} without tracking number` };
  return {
    ok: true,
    label: { trackingNumber: label.tracking_number, labelUrl: label.label_download?.href ?? label.label_download?.pdf ?? null, carrierRef: label.label_id },
  };
}

export const fromShipengineVoid = (res: ShipengineVoid): { status: 'voided' | 'rejected' } => ({ status: res.approved ? 'voided' : 'rejected' });
