import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSeller } from '../../plugins/auth.js';
import { IdParams, Problem, problemResponses } from '../shared-schemas.js';
import { RotateSecretInput, WebhookDelivery, WebhookDeliveryList, WebhookDeliveryQuery, WebhookEndpoint, WebhookEndpointInput, WebhookEndpointList, WebhookEndpointWithSecret } from './schemas.js';
import { deliveryView, endpointView } from './views.js';

/** Seller webhooks: endpoints (with their signing secrets) and the delivery log with redelivery. */
export async function webhookEndpointRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { endpoints, deliveries } = app.services.webhooks;
  r.addHook('onRequest', requireSeller(app.services.sellers));
  const writes = { onRequest: requireSeller(app.services.sellers, ['seller_admin']) };
  const errors = { ...problemResponses, 403: Problem };
  const tags = ['webhooks'];

  r.post(
    '/v1/webhook-endpoints',
    { ...writes, schema: { tags, summary: 'Register an endpoint for seller webhooks (Standard Webhooks signed); the secret is shown once', body: WebhookEndpointInput, response: { 201: WebhookEndpointWithSecret, ...errors, 409: Problem } } },
    async (req, reply) => {
      const { row, secret } = await endpoints.create(req.principal.sellerId, req.body);
      return reply.code(201).send({ ...endpointView(row), secret });
    },
  );
  r.get('/v1/webhook-endpoints', { schema: { tags, summary: "This seller's webhook endpoints", response: { 200: WebhookEndpointList, 401: Problem } } }, async (req) => ({
    data: (await endpoints.list(req.principal.sellerId)).map(endpointView),
  }));
  r.get('/v1/webhook-endpoints/:id', { schema: { tags, params: IdParams, response: { 200: WebhookEndpoint, 401: Problem, 404: Problem } } }, async (req) =>
    endpointView(await endpoints.get(req.principal.sellerId, req.params.id)),
  );
  r.delete(
    '/v1/webhook-endpoints/:id',
    { ...writes, schema: { tags, summary: 'Delete an endpoint; its pending deliveries end failed', params: IdParams, response: { 204: z.null(), 401: Problem, 403: Problem, 404: Problem } } },
    async (req, reply) => {
      await endpoints.remove(req.principal.sellerId, req.params.id);
      return reply.code(204).send(null);
    },
  );
  r.post(
    '/v1/webhook-endpoints/:id/rotate-secret',
    {
      ...writes,
      schema: {
        tags,
        summary: 'Issue a new signing secret; the old one keeps signing (a second signature) during the overlap',
        params: IdParams,
        body: RotateSecretInput,
        response: { 200: WebhookEndpointWithSecret, ...errors },
      },
    },
    async (req) => {
      const overlapMs = req.body?.overlap_seconds === undefined ? undefined : req.body.overlap_seconds * 1000;
      const { row, secret } = await endpoints.rotateSecret(req.principal.sellerId, req.params.id, overlapMs);
      return { ...endpointView(row), secret };
    },
  );

  r.get(
    '/v1/webhook-deliveries',
    { schema: { tags, summary: 'Deliveries newest first, each with every attempt (status, latency, error)', querystring: WebhookDeliveryQuery, response: { 200: WebhookDeliveryList, 400: Problem, 401: Problem } } },
    async (req) => {
      const page = await deliveries.list(req.principal.sellerId, req.query);
      return { data: page.data.map(deliveryView), next_cursor: page.next_cursor };
    },
  );
  r.get('/v1/webhook-deliveries/:id', { schema: { tags, params: IdParams, response: { 200: WebhookDelivery, 401: Problem, 404: Problem } } }, async (req) =>
    deliveryView(await deliveries.get(req.principal.sellerId, req.params.id)),
  );
  r.post(
    '/v1/webhook-deliveries/:id/redeliver',
    {
      ...writes,
      schema: { tags, summary: 'Send this event to this endpoint again (same webhook-id), starting a fresh retry round', params: IdParams, response: { 202: WebhookDelivery, 401: Problem, 403: Problem, 404: Problem, 409: Problem } },
    },
    async (req, reply) => reply.code(202).send(deliveryView(await deliveries.redeliver(req.principal.sellerId, req.params.id))),
  );
}
