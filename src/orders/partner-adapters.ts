import type { CarrierAdapter, CarrierId } from '../carriers/contract.js';
import type { SupplierAdapter, SupplierProtocol } from '../suppliers/contract.js';
import type { WarehouseAdapter, WarehouseProtocol } from '../warehouses/contract.js';

/** The adapters the promise path talks through, one per protocol or carrier. */
export type PartnerAdapters = {
  suppliers: Record<SupplierProtocol, SupplierAdapter>;
  warehouses: Record<WarehouseProtocol, WarehouseAdapter>;
  carriers: Record<CarrierId, CarrierAdapter>;
};
