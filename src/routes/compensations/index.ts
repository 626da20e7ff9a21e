import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireSeller } from '../../plugins/auth.js';
import { IdempotencyHeaders } from '../orders/schemas.js';
import { IdParams, Problem } from '../shared-schemas.js';
import { BreachList, BreachQuery, Compensation, CompensationList, CompensationQuery, CompensationRequest, RejectRequest } from './schemas.js';

/** Broken promises: breaches with their evidence, and the compensations finance approves (four eyes). */
export async function compensationRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const breaches = app.services.breaches;
  const sellers = app.services.sellers;
  const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem };

  r.get(
    '/v1/compensations',
    { onRequest: requireSeller(sellers, ['seller_admin', 'finance', 'auditor']), schema: { tags: ['compensations'], summary: 'Compensations, newest first', querystring: CompensationQuery, response: { 200: CompensationList, 400: Problem, 401: Problem, 403: Problem } } },
    async (req) => breaches.listCompensations(req.principal.sellerId, req.query),
  );

  r.post(
    '/v1/compensations',
    {
      onRequest: requireSeller(sellers, ['seller_admin', 'finance']),
      schema: { tags: ['compensations'], summary: 'Request a goodwill compensation; it waits for approval by another finance key', headers: IdempotencyHeaders, body: CompensationRequest, response: { 201: Compensation, ...errors } },
    },
    async (req, reply) => {
      const result = await breaches.requestCompensation(req.principal, req.body, req.headers['idempotency-key']);
      if (result.isReplay) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(result.compensation);
    },
  );

  r.post(
    '/v1/compensations/:id/approve',
    { onRequest: requireSeller(sellers, ['finance']), schema: { tags: ['compensations'], summary: 'Approve: posts it to the journal and emits compensation.posted (another key than the requester)', params: IdParams, response: { 200: Compensation, ...errors } } },
    async (req) => breaches.approve(req.principal, req.params.id),
  );

  r.post(
    '/v1/compensations/:id/reject',
    { onRequest: requireSeller(sellers, ['finance']), schema: { tags: ['compensations'], summary: "Reject with a reason; a breach's reserved exposure is released", params: IdParams, body: RejectRequest, response: { 200: Compensation, ...errors } } },
    async (req) => breaches.reject(req.principal, req.params.id, req.body.reason),
  );

  const readers = requireSeller(sellers, ['seller_admin', 'finance', 'auditor', 'ops']);
  r.get(
    '/v1/breaches',
    { onRequest: readers, schema: { tags: ['compensations'], summary: 'Breaches with their evidence milestones and proof links', querystring: BreachQuery, response: { 200: BreachList, 400: Problem, 401: Problem, 403: Problem } } },
    async (req) => breaches.listBreaches(req.principal, req.query),
  );

  r.get(
    '/v1/orders/:id/breaches',
    { onRequest: readers, schema: { tags: ['compensations'], summary: "An order's breaches", params: IdParams, response: { 200: BreachList, 401: Problem, 403: Problem, 404: Problem } } },
    async (req) => breaches.orderBreaches(req.principal, req.params.id),
  );
}

