import { z } from 'zod';

/**
 * The published warehouse protocol `pledge-warehouse-v1` (docs/partners.md). These schemas are the
 * source of openapi/partners/warehouse.json. Every object tolerates unknown fields, in both directions.
 */
export const warehouseWire = z.registry<{ id: string; description?: string }>();

const Timestamp = z.iso.datetime({ offset: true }).describe('RFC 3339 with an offset');

export const PledgeV1ScheduleRequest = z.looseObject({
  from: Timestamp,
  days: z.int().positive(),
  parcels: z.int().positive(),
});
export type PledgeV1ScheduleRequest = z.infer<typeof PledgeV1ScheduleRequest>;
warehouseWire.add(PledgeV1ScheduleRequest, { id: 'ScheduleRequest' });

export const PledgeV1Pickup = z.looseObject({
  cutoff_at: Timestamp.describe('Goods ready (handover plus handling_hours) by then leave with this pickup.'),
  departs_at: Timestamp.describe('When the carrier collects; the transit clock starts here.'),
  capacity_remaining: z.int().nonnegative().describe('0: this pickup is full.'),
});
export type PledgeV1Pickup = z.infer<typeof PledgeV1Pickup>;
warehouseWire.add(PledgeV1Pickup, { id: 'Pickup' });

export const PledgeV1Schedule = z.looseObject({
  warehouse_ref: z.string().min(1),
  handling_hours: z.number().nonnegative(),
  pickups: z.array(PledgeV1Pickup).describe('The next pickups from `from`, ascending.'),
});
export type PledgeV1Schedule = z.infer<typeof PledgeV1Schedule>;
warehouseWire.add(PledgeV1Schedule, { id: 'Schedule' });

export const PledgeV1Problem = z
  .looseObject({ type: z.string().optional(), title: z.string(), status: z.int().optional(), detail: z.string().optional(), code: z.string().optional() })
  .describe('RFC 9457 application/problem+json');
export type PledgeV1Problem = z.infer<typeof PledgeV1Problem>;
warehouseWire.add(PledgeV1Problem, { id: 'Problem' });
