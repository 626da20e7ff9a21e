import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAdmin, requireSeller } from '../../plugins/auth.js';
import { Problem } from '../shared-schemas.js';

const Role = z.enum(['seller_admin', 'ops', 'finance', 'auditor']);
const ApiKey = z
  .object({ id: z.string(), key: z.string().describe('Shown once; only its hash is stored'), role: Role, label: z.string().nullable() })
  .meta({ id: 'ApiKey' });

export async function sellerRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const sellers = app.services.sellers;

  r.post(
    '/v1/sellers',
    {
      onRequest: requireAdmin(app.deps.adminToken),
      schema: {
        tags: ['sellers'],
        summary: 'Create a seller and its first admin API key (operator only: PLEDGE_ADMIN_TOKEN)',
        body: z.strictObject({ name: z.string().trim().min(1).max(200) }),
        response: { 201: z.object({ id: z.string(), name: z.string(), api_key: ApiKey }), 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (req, reply) => {
      const { seller, apiKey } = await sellers.createSeller({ name: req.body.name });
      return reply.code(201).send({ ...seller, api_key: apiKey });
    },
  );

  r.post(
    '/v1/api-keys',
    {
      onRequest: requireSeller(sellers, ['seller_admin']),
      schema: {
        tags: ['sellers'],
        summary: 'Create another API key for this seller, with a role',
        body: z.strictObject({ role: Role, label: z.string().max(200).optional() }),
        response: { 201: ApiKey, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (req, reply) => reply.code(201).send(await sellers.createApiKey(req.principal.sellerId, req.body.role, req.body.label ?? null)),
  );
}
