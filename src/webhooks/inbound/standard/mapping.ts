import type { OrderRequest } from '../../../orders/order-service.js';
import type { Mapped } from '../contract.js';

/** The body is Pledge's own OrderRequest (validated by the route); one order per `external_id`. */
export const standardIdempotencyKey = (externalId: string) => `standard:${externalId}`;

export function fromStandardOrder(request: OrderRequest): Mapped {
  return { kind: 'intent', externalRef: request.external_id, intent: { kind: 'place', request, idempotencyKey: standardIdempotencyKey(request.external_id) } };
}
