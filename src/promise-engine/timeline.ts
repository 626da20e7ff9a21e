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

/** The earliest pickup by cutoff (warehouses do not promise to list them in order) that goods ready at `ready` make and that has room. */
export function firstPickup(pickups: readonly WarehousePickup[], ready: Date): WarehousePickup | null {
  let first: WarehousePickup | null = null;
  for (const pickup of pickups) {
    if (pickup.cutoffAt.getTime() < ready.getTime() || pickup.capacityRemaining <= 0) continue;
    if (!first || pickup.cutoffAt.getTime() < first.cutoffAt.getTime()) first = pickup;
  }
  return first;
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

export function estimateDelivery(
  departsAt: Date,
  rate: Pick<CarrierRate, 'deliveryDate' | 'transitDays'>,
): { estimatedDelivery: Date; basis: DeliveryBasis } {
  if (rate.deliveryDate) return { estimatedDelivery: new Date(rate.deliveryDate.getTime()), basis: 'carrier_date' };
  if (typeof rate.transitDays === 'number') return { estimatedDelivery: addBusinessDays(departsAt, rate.transitDays), basis: 'transit_days' };
  return { estimatedDelivery: addBusinessDays(departsAt, ASSUMED_TRANSIT_BUSINESS_DAYS), basis: 'assumed' };
}
