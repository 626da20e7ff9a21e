import type { Upstream } from '../upstream/contract.js';
import type { WarehouseAdapter, WarehouseProtocol } from './contract.js';
import { createPledgeV1WarehouseAdapter } from './pledge-v1/index.js';

export type WarehouseAdapterDeps = { upstream: Upstream };

/** Exhaustive: adding a WarehouseProtocol does not compile until its adapter is registered here. */
export const warehouseAdapters: Record<WarehouseProtocol, (deps: WarehouseAdapterDeps) => WarehouseAdapter> = {
  'pledge-warehouse-v1': createPledgeV1WarehouseAdapter,
};
