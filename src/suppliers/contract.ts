import type { Address } from '../lib/address.js';
import type { PartnerConnection } from '../upstream/contract.js';

/**
 * A drop-ship supplier, as Pledge sees it. Every supplier protocol implementation (today the published
 * `pledge-supplier-v1`, openapi/partners/supplier.json) maps its wire format to these types.
 */
export type SupplierProtocol = 'pledge-supplier-v1';

export type SupplierQuoteRequest = {
  orderRef: string;
  items: { supplierSku: string; quantity: number }[];
  shipTo: Pick<Address, 'country' | 'region' | 'postalCode' | 'city'>;
  warehouseRef: string;
};

export type SupplierQuote = {
  items: { supplierSku: string; availableQuantity: number; unitCostMinor: number; currency: string }[];
  /** When the goods will be packed and at the warehouse dock, ready for the carrier. */
  handoverEta: Date;
  /** How long the supplier stands by this quote. */
  validUntil: Date | null;
};

export type DropshipInstruction = {
  shipmentRef: string;
  orderRef: string;
  warehouseRef: string;
  items: { supplierSku: string; quantity: number }[];
  shipTo: Address;
  carrier: string;
  service: string;
  trackingNumber: string | null;
  labelUrl: string | null;
  handoverBy: Date;
};

export type InstructionReceipt = {
  supplierOrderRef: string;
  status: 'received' | 'accepted';
  /** True when the supplier had already seen this Idempotency-Key and replayed its first answer. */
  isReplay: boolean;
};

export type CallContext = { signal: AbortSignal };

export interface SupplierAdapter {
  readonly protocol: SupplierProtocol;
  quote(partner: PartnerConnection, req: SupplierQuoteRequest, ctx: CallContext): Promise<SupplierQuote>;
  /** Idempotent on `idempotencyKey`: the same key always yields the same supplier order. */
  instruct(
    partner: PartnerConnection,
    instruction: DropshipInstruction,
    ctx: CallContext & { idempotencyKey: string },
  ): Promise<InstructionReceipt>;
  cancel(partner: PartnerConnection, supplierOrderRef: string, ctx: CallContext): Promise<{ status: 'cancelled' | 'too_late' }>;
}
