import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireSeller } from '../../plugins/auth.js';
import { SIGNATURE_HEADER } from '../../suppliers/pledge-v1/wire.js';
import { IdParams, Problem, problemResponses } from '../shared-schemas.js';
import {
  CarrierWebhookParams,
  CarrierWebhookSecret,
  IngestResult,
  SupplierCallbackSecret,
  SupplierEventParams,
  TrackingMode,
  TrackingModeInput,
  WebhookSecretInput,
} from './schemas.js';

const intakeResponses = { 200: IngestResult, 400: Problem, 401: Problem, 404: Problem, 413: Problem };

/**
 * Partner intake: supplier status callbacks and carrier tracking webhooks. No seller key: each is
 * authenticated by its own secret over the raw bytes, so the body stays a Buffer until verified.
 */
async function trackingIntakeRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const milestones = app.services.milestones;
  app.removeAllContentTypeParsers();
  // Signatures cover the exact bytes; JSON is parsed only after they verify (a bad signature is 401, never 400).
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  r.post(
    '/v1/partners/suppliers/:supplierId/events',
    {
      schema: {
        tags: ['milestones'],
        summary: 'A supplier reports progress (accepted, refused, handed_over), signed with Pledge-Signature',
        description: 'Body: a `SupplierEvent` (docs/partners.md). `Pledge-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">` with the supplier\'s callback secret; 5 minutes tolerance. Idempotent on event_id.',
        params: SupplierEventParams,
        security: [],
        response: intakeResponses,
      },
    },
    async (req) => milestones.recordSupplierEvent(req.params.supplierId, { rawBody: bodyBytes(req.body), signature: req.headers[SIGNATURE_HEADER.toLowerCase()] }),
  );

  r.post(
    '/webhooks/carriers/:carrierAccountId',
    {
      schema: {
        tags: ['milestones'],
        summary: "A carrier account's tracking webhook (EasyPost tracker.updated, Shippo track_updated, ShipEngine API_TRACK)",
        description:
          'The account says which format to expect. EasyPost: X-Hmac-Signature (hmac-sha256-hex, NFKD secret). Shippo: ?token=<secret> in the registered URL. ShipEngine: custom header X-Pledge-Webhook-Token. Idempotent per carrier event.',
        params: CarrierWebhookParams,
        security: [],
        response: intakeResponses,
      },
    },
    async (req) =>
      milestones.recordCarrierWebhook(req.params.carrierAccountId, {
        rawBody: bodyBytes(req.body),
        headers: req.headers,
        query: req.query as Record<string, string | undefined>,
      }),
  );
}

const bodyBytes = (body: unknown): Buffer => (Buffer.isBuffer(body) ? body : Buffer.alloc(0));

/** A seller's setup of milestone sources: supplier callback secrets, carrier webhook secrets and tracking mode. */
async function trackingConfigRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const milestones = app.services.milestones;
  const admin = { onRequest: requireSeller(app.services.sellers, ['seller_admin']) };
  const errors = { ...problemResponses, 403: Problem };

  r.post(
    '/v1/suppliers/:id/callback-secret',
    { ...admin, schema: { tags: ['network'], summary: "Rotate the supplier's callback secret (the old one verifies 24 h more)", params: IdParams, response: { 200: SupplierCallbackSecret, ...errors } } },
    async (req) => milestones.rotateSupplierSecret(req.principal.sellerId, req.params.id),
  );
  r.put(
    '/v1/carrier-accounts/:id/webhook-secret',
    { ...admin, schema: { tags: ['network'], summary: "Set the secret that authenticates this account's tracking webhooks", params: IdParams, body: WebhookSecretInput, response: { 200: CarrierWebhookSecret, ...errors } } },
    async (req) => milestones.setCarrierWebhookSecret(req.principal.sellerId, req.params.id, req.body.secret),
  );
  r.put(
    '/v1/carrier-accounts/:id/tracking',
    { ...admin, schema: { tags: ['network'], summary: 'Track by webhook or by polling the carrier', params: IdParams, body: TrackingModeInput, response: { 200: TrackingMode, ...errors } } },
    async (req) => milestones.setTrackingMode(req.principal.sellerId, req.params.id, req.body.mode),
  );
}

export async function trackingRoutes(app: FastifyInstance) {
  await app.register(trackingIntakeRoutes);
  await app.register(trackingConfigRoutes);
}
