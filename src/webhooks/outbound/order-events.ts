import type { EngineDecision } from '../../promise-engine/types.js';
import type { WebhookEvent } from './event-types.js';

type Order = { orderId: string; externalId: string; currency: string; deliverBy: Date };

/** The event an order decision emits, built from what the commit transaction writes. Pure. */
export function orderDecidedEvent(order: Order, decision: EngineDecision, shipmentIds: readonly string[]): WebhookEvent {
  if (decision.outcome === 'decline') {
    return { type: 'order.declined', data: { order_id: order.orderId, external_id: order.externalId, code: decision.code, reasons: decision.reasons } };
  }
  return {
    type: 'order.promised',
    data: {
      order_id: order.orderId,
      external_id: order.externalId,
      deliver_by: order.deliverBy.toISOString(),
      confidence: decision.confidence,
      currency: order.currency,
      landed_cost_minor: decision.landedCostMinor,
      shipments: decision.shipments.map((s, i) => ({
        shipment_id: shipmentIds[i]!,
        supplier_id: s.supplierId,
        warehouse_id: s.warehouseId,
        carrier: s.rate.carrier,
        service: s.rate.service,
        estimated_delivery: s.estimatedDelivery.toISOString(),
      })),
    },
  };
}
