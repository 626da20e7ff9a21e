import type { PartnerConnection } from '../upstream/contract.js';
import type { CallContext } from '../suppliers/contract.js';

/** A ship-from location: when parcels leave and how much it can still take. Protocol `pledge-warehouse-v1`. */
export type WarehouseProtocol = 'pledge-warehouse-v1';

export type WarehouseScheduleRequest = { from: Date; days: number; parcels: number };

export type WarehousePickup = {
  /** Goods ready (after handling) before this instant leave with this pickup. */
  cutoffAt: Date;
  /** When the carrier collects; the transit clock starts here. */
  departsAt: Date;
  capacityRemaining: number;
};

export type WarehouseSchedule = {
  warehouseRef: string;
  /** Hours between goods arriving at the dock and being ready for pickup. */
  handlingHours: number;
  pickups: WarehousePickup[];
};

export interface WarehouseAdapter {
  readonly protocol: WarehouseProtocol;
  schedule(partner: PartnerConnection, req: WarehouseScheduleRequest, ctx: CallContext): Promise<WarehouseSchedule>;
}
