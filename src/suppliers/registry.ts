import type { Upstream } from '../upstream/contract.js';
import type { SupplierAdapter, SupplierProtocol } from './contract.js';
import { createPledgeV1SupplierAdapter } from './pledge-v1/index.js';

export type SupplierAdapterDeps = { upstream: Upstream };

/** Exhaustive: adding a SupplierProtocol does not compile until its adapter is registered here. */
export const supplierAdapters: Record<SupplierProtocol, (deps: SupplierAdapterDeps) => SupplierAdapter> = {
  'pledge-supplier-v1': createPledgeV1SupplierAdapter,
};
