import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireSeller } from '../../plugins/auth.js';
import { IdParams, Problem } from '../shared-schemas.js';
import { OrderMilestones } from './schemas.js';

export async function milestoneRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', requireSeller(app.services.sellers));

  r.get(
    '/v1/orders/:id/milestones',
    { schema: { tags: ['orders'], summary: "Each shipment's milestones, from the supplier and the carrier, and its forward-only state", params: IdParams, response: { 200: OrderMilestones, 401: Problem, 404: Problem } } },
    async (req) => app.services.milestones.list(req.principal.sellerId, req.params.id),
  );
}
