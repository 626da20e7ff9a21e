import type { UpstreamResponse } from '../../upstream/contract.js';
import type { DropshipInstruction, InstructionReceipt, SupplierQuote, SupplierQuoteRequest } from '../contract.js';
import type {
  PledgeV1CancelResult,
  PledgeV1Instruction,
  PledgeV1InstructionReceipt,
  PledgeV1Quote,
  PledgeV1QuoteRequest,
} from './wire.js';

const items = (list: { supplierSku: string; quantity: number }[]) => list.map((i) => ({ supplier_sku: i.supplierSku, quantity: i.quantity }));

export function toPledgeV1QuoteRequest(req: SupplierQuoteRequest): PledgeV1QuoteRequest {
  return {
    order_ref: req.orderRef,
    warehouse_ref: req.warehouseRef,
    items: items(req.items),
    ship_to: { country: req.shipTo.country, region: req.shipTo.region ?? null, postal_code: req.shipTo.postalCode, city: req.shipTo.city },
  };
}

/** Amounts already arrive as integer minor units (wire.ts refuses anything else). */
export function fromPledgeV1Quote(quote: PledgeV1Quote): SupplierQuote {
  return {
    items: quote.items.map((i) => ({
      supplierSku: i.supplier_sku,
      availableQuantity: i.available_quantity,
      unitCostMinor: i.unit_cost.amount_minor,
      currency: i.unit_cost.currency,
    })),
    handoverEta: new Date(quote.handover_eta),
    validUntil: quote.valid_until === null ? null : new Date(quote.valid_until),
  };
}

/**
 * Deterministic: the same instruction always serialises to the same bytes, which the protocol
 * requires of a repeat under the same Idempotency-Key.
 */
export function toPledgeV1Instruction(i: DropshipInstruction): PledgeV1Instruction {
  return {
    shipment_ref: i.shipmentRef,
    order_ref: i.orderRef,
    warehouse_ref: i.warehouseRef,
    items: items(i.items),
    ship_to: {
      name: i.shipTo.name,
      line1: i.shipTo.line1,
      line2: i.shipTo.line2 ?? null,
      city: i.shipTo.city,
      region: i.shipTo.region ?? null,
      postal_code: i.shipTo.postalCode,
      country: i.shipTo.country,
      phone: i.shipTo.phone ?? null,
      email: i.shipTo.email ?? null,
    },
    carrier: i.carrier,
    service: i.service,
    tracking_number: i.trackingNumber,
    label_url: i.labelUrl,
    handover_by: i.handoverBy.toISOString(),
  };
}

export function isReplayed(headers: UpstreamResponse['headers']): boolean {
  const value = headers['idempotent-replayed'];
  return (Array.isArray(value) ? value : [value]).some((v) => v?.trim().toLowerCase() === 'true');
}

export function fromPledgeV1Receipt(receipt: PledgeV1InstructionReceipt, isReplay: boolean): InstructionReceipt {
  return { supplierOrderRef: receipt.supplier_order_ref, status: receipt.status, isReplay };
}

export const fromPledgeV1Cancel = (res: PledgeV1CancelResult): { status: 'cancelled' | 'too_late' } => ({ status: res.status });
