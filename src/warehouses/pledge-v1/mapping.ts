import type { WarehouseSchedule, WarehouseScheduleRequest } from '../contract.js';
import type { PledgeV1Schedule, PledgeV1ScheduleRequest } from './wire.js';

export const toPledgeV1ScheduleRequest = (req: WarehouseScheduleRequest): PledgeV1ScheduleRequest => ({
  from: req.from.toISOString(),
  days: req.days,
  parcels: req.parcels,
});

/** Sorted here as well: the engine picks the first pickup that fits, so order is load-bearing. */
export function fromPledgeV1Schedule(s: PledgeV1Schedule): WarehouseSchedule {
  return {
    warehouseRef: s.warehouse_ref,
    handlingHours: s.handling_hours,
    pickups: s.pickups
      .map((p) => ({ cutoffAt: new Date(p.cutoff_at), departsAt: new Date(p.departs_at), capacityRemaining: p.capacity_remaining }))
      .sort((a, b) => a.cutoffAt.getTime() - b.cutoffAt.getTime()),
  };
}
