import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireAdmin, requireSeller } from '../../plugins/auth.js';
import { IdParams, Problem, problemResponses } from '../shared-schemas.js';
import { PartnerStats, RatingRules, RatingRulesInput, RatingRun, RatingRunQuery, StatsQuery, SupplierRatings } from './schemas.js';

/** What Pledge learned from settled promises: partner stats, supplier ratings and the rules that act on them. */
export async function learningRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { learning, ratings, sellers } = app.services;
  const anyRole = { onRequest: requireSeller(sellers) };
  const admin = { onRequest: requireSeller(sellers, ['seller_admin']) };

  r.get(
    '/v1/partners/:id/stats',
    { ...anyRole, schema: { tags: ['learning'], summary: 'On-time rates by week and the current estimate with its 90% interval', params: IdParams, querystring: StatsQuery, response: { 200: PartnerStats, ...problemResponses } } },
    async (req) => learning.partnerStats(req.principal.sellerId, req.params.id, req.query.weeks),
  );
  r.get(
    '/v1/suppliers/:id/ratings',
    { ...anyRole, schema: { tags: ['learning'], summary: 'Weekly ratings, rule firings with their evidence, backup inquiries', params: IdParams, response: { 200: SupplierRatings, ...problemResponses } } },
    async (req) => ratings.listRatings(req.principal.sellerId, req.params.id),
  );
  r.get('/v1/rating-rules', { ...anyRole, schema: { tags: ['learning'], summary: "The seller's supplier rating rules", response: { 200: RatingRules, 401: Problem } } }, async (req) =>
    ratings.rulesFor(req.principal.sellerId),
  );
  r.put(
    '/v1/rating-rules',
    { ...admin, schema: { tags: ['learning'], summary: 'Replace the supplier rating rules', body: RatingRulesInput, response: { 200: RatingRules, ...problemResponses, 403: Problem } } },
    async (req) => ratings.putRules(req.principal.sellerId, req.body),
  );
  r.post(
    '/v1/ratings/run',
    { onRequest: requireAdmin(app.deps.adminToken), schema: { tags: ['learning'], summary: 'Operator: rate a completed week now (idempotent per supplier and week)', querystring: RatingRunQuery, response: { 200: RatingRun, ...problemResponses, 403: Problem } } },
    async (req) => {
      await learning.drain();
      return ratings.run(req.query.week, req.query.seller_id);
    },
  );
}
