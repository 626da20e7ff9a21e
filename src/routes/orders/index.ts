import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireSeller } from '../../plugins/auth.js';
import { IdParams, Problem, problemResponses } from '../shared-schemas.js';
import type { OrderView } from '../../orders/order-view.js';
import { redactDecision, redactOrder, redactOrderList } from '../../finance/redaction.js';
import { CancelOrderRequest, Decision, IdempotencyHeaders, Order, OrderList, OrderListQuery, OrderRequest } from './schemas.js';

export async function orderRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', requireSeller(app.services.sellers));

  r.post(
    '/v1/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Place an order and get a delivery promise (or a reasoned decline)',
        headers: IdempotencyHeaders,
        body: OrderRequest,
        response: { 201: Order, ...problemResponses, 409: Problem, 413: Problem },
      },
    },
    async (req, reply) => {
      const result = await app.services.orders.place(req.principal.sellerId, req.body, req.headers['idempotency-key']);
      if (result.isReplay) reply.header('idempotent-replayed', 'true');
      return reply.code(result.status as 201).send(redactOrder(result.body as OrderView, req.principal.role));
    },
  );

  r.get('/v1/orders', { schema: { tags: ['orders'], summary: 'List orders, newest first', querystring: OrderListQuery, response: { 200: OrderList, 400: Problem, 401: Problem } } }, async (req) =>
    redactOrderList(await app.services.orders.list(req.principal.sellerId, req.query), req.principal.role),
  );

  r.get('/v1/orders/:id', { schema: { tags: ['orders'], summary: 'One order', params: IdParams, response: { 200: Order, 401: Problem, 404: Problem } } }, async (req) =>
    redactOrder(await app.services.orders.get(req.principal.sellerId, req.params.id), req.principal.role),
  );

  r.get(
    '/v1/orders/:id/decision',
    { schema: { tags: ['orders'], summary: 'Why this decision: every candidate route with its factor scores, and every quote', params: IdParams, response: { 200: Decision, 401: Problem, 404: Problem } } },
    async (req) => redactDecision(await app.services.orders.decision(req.principal.sellerId, req.params.id), req.principal.role) as any,
  );

  r.post(
    '/v1/orders/:id/cancel',
    {
      onRequest: requireSeller(app.services.sellers, ['seller_admin', 'ops']),
      schema: {
        tags: ['orders'],
        summary: 'Cancel a promised order: instructions not yet sent are stopped, sent ones are cancelled with the supplier unless already handed over',
        params: IdParams,
        body: CancelOrderRequest,
        response: { 200: Order, 401: Problem, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req) => {
      await app.services.cancellations.cancel(req.principal.sellerId, req.params.id, req.body?.reason ?? 'cancelled by the seller', 'seller', req.body?.initiated_by ?? 'customer');
      return redactOrder(await app.services.orders.get(req.principal.sellerId, req.params.id), req.principal.role);
    },
  );
}
