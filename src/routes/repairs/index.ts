import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireSeller } from '../../plugins/auth.js';
import { IdParams, Problem } from '../shared-schemas.js';
import { RepairListQuery, RepairSagaList } from './schemas.js';

/** Progress of the repair sagas that re-route an order's failing shipments (read-only). */
export async function repairRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', requireSeller(app.services.sellers, ['seller_admin', 'ops', 'finance', 'auditor']));

  r.get(
    '/v1/orders/:id/repairs',
    {
      schema: {
        tags: ['orders'],
        summary: "The order's repair sagas (re-routing a failing shipment) with each step's status",
        params: IdParams,
        querystring: RepairListQuery,
        response: { 200: RepairSagaList, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req) => app.services.repairs.forOrder(req.principal.sellerId, req.params.id),
  );
}
