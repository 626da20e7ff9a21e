import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireSeller } from '../../plugins/auth.js';
import { IdParams, Problem } from '../shared-schemas.js';
import { MilestoneProof, TrackedProofParams, VoucherCodeParams } from './schemas.js';
import { renderNotFoundPage, renderTrackPage } from './track-page.js';

async function sellerProofRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', requireSeller(app.services.sellers));
  r.get(
    '/v1/milestones/:id/proof',
    { schema: { tags: ['milestones'], summary: "A milestone's Merkle proof and on-chain anchor", params: IdParams, response: { 200: MilestoneProof, 401: Problem, 404: Problem } } },
    async (req) => app.services.ledger.proofs.proof(req.principal.sellerId, req.params.id),
  );
}

/** Public: the holder of an order's voucher code sees its milestones and proofs, no API key. */
async function publicTrackRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onSend', async (_req, reply) => {
    // The voucher code is in the URL: keep it out of Referer headers and shared caches.
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cache-control', 'private, max-age=15');
    reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'");
  });
  r.get('/track/:code', { schema: { hide: true, params: VoucherCodeParams } }, async (req, reply) => {
    const tracked = await app.services.ledger.proofs.track(req.params.code);
    reply.type('text/html; charset=utf-8');
    return tracked ? renderTrackPage(req.params.code, tracked) : reply.code(404).send(renderNotFoundPage());
  });
  r.get(
    '/track/:code/milestones/:id/proof',
    {
      schema: {
        tags: ['milestones'],
        summary: "A milestone's proof for the holder of its order's voucher code (no API key)",
        params: TrackedProofParams,
        security: [],
        response: { 200: MilestoneProof, 400: Problem, 404: Problem },
      },
    },
    async (req) => app.services.ledger.proofs.trackedProof(req.params.code, req.params.id),
  );
}

export async function proofRoutes(app: FastifyInstance) {
  await app.register(sellerProofRoutes);
  await app.register(publicTrackRoutes);
}
