import type { CarrierRate } from '../carriers/contract.js';
import type { WarehousePickup } from '../warehouses/contract.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** Transit assumed when a rate has neither a delivery date nor transit days (and P takes a haircut). */
export const ASSUMED_TRANSIT_BUSINESS_DAYS = 5;

export type DeliveryBasis = 'carrier_date' | 'transit_days' | 'assumed';

export function readyAt(handoverEta: Date, handlingHours: number): Date {
  return new Date(handoverEta.getTime() + handlingHours * HOUR_MS);
}

/**
 * The next `count` pickups (by cutoff) that goods ready at `ready` make and that have room. A later
 * pickup gives the supplier more slack at the cost of a later delivery; the engine weighs both.
 */
export function nextPickups(pickups: readonly WarehousePickup[], ready: Date, count: number): WarehousePickup[] {
  return pickups
    .filter((p) => p.cutoffAt.getTime() >= ready.getTime() && p.capacityRemaining > 0)
    .sort((a, b) => a.cutoffAt.getTime() - b.cutoffAt.getTime())
    .slice(0, count);
}

/** Adds business days in UTC, skipping Saturdays and Sundays and keeping the time of day. Fractions round up. */
export function addBusinessDays(from: Date, days: number): Date {
  let t = from.getTime();
  for (let left = Math.ceil(days); left > 0; ) {
    t += DAY_MS;
    const weekday = new Date(t).getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return new Date(t);
}

/**
 * Transit days count from the actual departure, so a later pickup arrives later. A carrier's delivery
 * date assumes the parcel ships on the rate's ship date (today); it is used only without transit days.
 */
export function estimateDelivery(
  departsAt: Date,
  rate: Pick<CarrierRate, 'deliveryDate' | 'transitDays'>,
): { estimatedDelivery: Date; basis: DeliveryBasis } {
  if (typeof rate.transitDays === 'number') return { estimatedDelivery: addBusinessDays(departsAt, rate.transitDays), basis: 'transit_days' };
  if (rate.deliveryDate) return { estimatedDelivery: new Date(rate.deliveryDate.getTime()), basis: 'carrier_date' };
  return { estimatedDelivery: addBusinessDays(departsAt, ASSUMED_TRANSIT_BUSINESS_DAYS), basis: 'assumed' };
}
