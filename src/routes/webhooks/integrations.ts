import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSeller } from '../../plugins/auth.js';
import { Problem, problemResponses } from '../shared-schemas.js';
import {
  PlatformEvent,
  PlatformEventsQuery,
  PlatformIntegration,
  PlatformParams,
  ShopifyIntegrationInput,
  StandardIntegrationInput,
  WooCommerceIntegrationInput,
} from './schemas.js';

/** A seller connects its stores: which shop is whose, and the secrets that sign their webhooks. */
export async function integrationRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const integrations = app.services.integrations;
  r.addHook('onRequest', requireSeller(app.services.sellers));
  const writes = { onRequest: requireSeller(app.services.sellers, ['seller_admin']) };
  const errors = { ...problemResponses, 403: Problem };
  const secrets = (current: string, previous?: string) => (previous ? [current, previous] : [current]);

  r.get('/v1/integrations', { schema: { tags: ['integrations'], summary: 'Connected stores and senders (secrets are never returned)', response: { 200: z.object({ data: z.array(PlatformIntegration) }), 401: Problem } } }, async (req) => ({
    data: await integrations.list(req.principal.sellerId),
  }));

  r.put(
    '/v1/integrations/shopify',
    { ...writes, schema: { tags: ['integrations'], summary: 'Connect a Shopify shop (one shop feeds one seller)', body: ShopifyIntegrationInput, response: { 200: PlatformIntegration, ...errors, 409: Problem } } },
    async (req) => integrations.put(req.principal.sellerId, { platform: 'shopify', shopDomain: req.body.shop_domain, secrets: secrets(req.body.client_secret, req.body.previous_client_secret) }),
  );
  r.put(
    '/v1/integrations/woocommerce',
    { ...writes, schema: { tags: ['integrations'], summary: 'Connect a WooCommerce store', body: WooCommerceIntegrationInput, response: { 200: PlatformIntegration, ...errors } } },
    async (req) => integrations.put(req.principal.sellerId, { platform: 'woocommerce', secrets: secrets(req.body.secret, req.body.previous_secret), promiseOn: req.body.promise_on }),
  );
  r.put(
    '/v1/integrations/standard',
    { ...writes, schema: { tags: ['integrations'], summary: 'Connect a Standard Webhooks sender (BigCommerce app, marketplace, middleware)', body: StandardIntegrationInput, response: { 200: PlatformIntegration, ...errors } } },
    async (req) => integrations.put(req.principal.sellerId, { platform: 'standard', secrets: secrets(req.body.secret, req.body.previous_secret) }),
  );
  r.delete(
    '/v1/integrations/:platform',
    { ...writes, schema: { tags: ['integrations'], summary: 'Disconnect a platform: its webhooks are refused (404) from now on', params: PlatformParams, response: { 204: z.null(), 401: Problem, 403: Problem, 404: Problem } } },
    async (req, reply) => {
      await integrations.remove(req.principal.sellerId, req.params.platform);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/v1/integrations/events',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Recent platform deliveries, newest first: the order each became, or why it was ignored, held or failed',
        querystring: PlatformEventsQuery,
        response: { 200: z.object({ data: z.array(PlatformEvent) }), 400: Problem, 401: Problem },
      },
    },
    async (req) => ({ data: await integrations.events(req.principal.sellerId, { limit: req.query.limit, platform: req.query.platform, status: req.query.status, externalRef: req.query.external_ref }) }),
  );
}
