import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireSeller } from '../../plugins/auth.js';
import { IdParams, Problem } from '../shared-schemas.js';
import { Replay, ReplayAccepted, ReplayRequest } from './schemas.js';

/** Policy replay: try a policy change on past orders before releasing it. Seller admins and finance. */
export async function replayRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', requireSeller(app.services.sellers, ['seller_admin', 'finance']));

  r.post(
    '/v1/replays',
    {
      schema: {
        tags: ['replays'],
        summary: 'Queue a replay: re-decide orders placed in [from, to) with the quotes of the time under another policy',
        body: ReplayRequest,
        response: { 202: ReplayAccepted, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (req, reply) => reply.code(202).send(await app.services.replays.enqueue(req.principal.sellerId, req.body)),
  );

  r.get(
    '/v1/replays/:id',
    {
      schema: {
        tags: ['replays'],
        summary: 'A replay: status, progress, and when done the comparison of the recorded and the alternative decisions',
        params: IdParams,
        response: { 200: Replay, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req) => app.services.replays.get(req.principal.sellerId, req.params.id),
  );
}
