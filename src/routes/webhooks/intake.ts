import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { PlatformId } from '../../db/database.js';
import { AppError, type FieldError } from '../../errors.js';
import { sha256Hex } from '../../lib/crypto.js';
import type { AcceptResult, Mapped } from '../../webhooks/inbound/contract.js';
import { parseJsonExact } from '../../webhooks/inbound/json.js';
import { fromShopifyOrderCancelled, fromShopifyOrderCreate } from '../../webhooks/inbound/shopify/mapping.js';
import { SHOPIFY_TOPICS, ShopifyCancelledOrder, ShopifyOrder, type ShopifyTopic } from '../../webhooks/inbound/shopify/wire.js';
import { verifyBodyHmac, verifyStandardWebhook, wooSigningSecret } from '../../webhooks/inbound/signatures.js';
import { fromStandardOrder } from '../../webhooks/inbound/standard/mapping.js';
import { fromWooOrder, fromWooOrderDeleted } from '../../webhooks/inbound/woocommerce/mapping.js';
import { WOO_ORDER_EVENTS, WooOrder, WooOrderRef, type WooOrderEvent } from '../../webhooks/inbound/woocommerce/wire.js';
import { OrderRequest } from '../orders/schemas.js';
import { Problem } from '../shared-schemas.js';
import { WebhookAck } from './schemas.js';

const responses = { 200: WebhookAck, 400: Problem, 401: Problem, 404: Problem, 413: Problem };

/** First non-empty value among header names (Shopify sends `X-Shopify-*` and, newer, `Shopify-*`). */
function header(req: FastifyRequest, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = req.headers[name];
    const s = Array.isArray(v) ? v[0] : v;
    if (s && s.trim()) return s.trim();
  }
  return undefined;
}

const fieldName = (path: PropertyKey[]) => (path.length ? path.map((p, n) => (typeof p === 'number' ? `[${p}]` : n ? `.${String(p)}` : String(p))).join('') : '(body)');
/** Same naming as the API's own validation errors: `lines[0].sku`, unknown keys by name. */
const fieldErrors = (error: z.ZodError): FieldError[] =>
  error.issues
    .flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys.map((k) => ({ field: fieldName([...i.path, k]), message: 'unknown field' })) : [{ field: fieldName(i.path), message: i.message }]))
    .slice(0, 20);

/**
 * Where the stores send their webhooks. In this encapsulated context every body arrives as the raw
 * bytes (no JSON parser runs first): the signature is checked over exactly what was sent, then the
 * text is parsed with big integers kept exact, and the bytes are dropped with the request.
 * Refusals (401 signature, 404 unknown shop or seller, 400 malformed) store nothing.
 */
export async function intakeRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { inbound, integrations } = app.services;
  const metrics = app.deps.metrics;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const count = (platform: PlatformId, outcome: string) => metrics.platformWebhooks.inc({ platform, outcome });
  function refuse(platform: PlatformId, outcome: string, error: AppError): never {
    count(platform, outcome);
    throw error;
  }
  const unauthorized = (platform: PlatformId, outcome: string, field: string, detail: string) =>
    refuse(platform, outcome, new AppError('UNAUTHORIZED', detail, [{ field, message: outcome.replace(/_/g, ' ') }]));
  const malformed = (platform: PlatformId, detail: string, errors: FieldError[] = [{ field: '(body)', message: detail }]) =>
    refuse(platform, 'malformed', new AppError('VALIDATION_FAILED', detail, errors));

  const rawBody = (req: FastifyRequest) => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));

  function parseJson(platform: PlatformId, raw: Buffer): unknown {
    try {
      return parseJsonExact(raw.toString('utf8'));
    } catch (err) {
      return malformed(platform, `The body is not JSON: ${(err as Error).message}`);
    }
  }

  function parseWire<S extends z.ZodType>(platform: PlatformId, schema: S, json: unknown): z.infer<S> {
    const parsed = schema.safeParse(json);
    if (!parsed.success) return malformed(platform, 'The body is not the expected order payload', fieldErrors(parsed.error));
    return parsed.data;
  }

  /** A mapped order must also be one the API would accept; if not, it can never ship: declined, acknowledged. */
  function checked(mapped: Mapped): Mapped {
    if (mapped.kind !== 'intent' || mapped.intent.kind !== 'place') return mapped;
    const parsed = OrderRequest.safeParse(mapped.intent.request);
    if (parsed.success) return mapped;
    const why = fieldErrors(parsed.error).map((e) => `${e.field}: ${e.message}`).join('; ');
    return { kind: 'decline', externalRef: mapped.externalRef, reason: `not an order Pledge can ship (${why})` };
  }

  function ack(platform: PlatformId, result: AcceptResult): WebhookAck {
    count(platform, result.outcome);
    return { received: true, ...result };
  }
  function ignored(platform: PlatformId, outcome: 'ignored' | 'ping', reason: string): WebhookAck {
    count(platform, outcome === 'ping' ? 'ping' : 'ignored_topic');
    return { received: true, outcome, event_id: null, status: 'ignored', order_id: null, reason };
  }

  r.post(
    '/webhooks/shopify',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Shopify webhooks: orders/create places an order, orders/cancelled cancels it',
        description:
          'Send from your Shopify app (JSON, any API version). The shop (`X-Shopify-Shop-Domain` or `Shopify-Shop-Domain`) picks the seller; ' +
          '`X-Shopify-Hmac-Sha256` must be the base64 HMAC-SHA256 of the raw body with the app\'s client secret. Deliveries are deduplicated on ' +
          'shop, topic and `X-Shopify-Event-Id`; re-sends of the same order make one Pledge order. Orders that cannot ship are acknowledged and ' +
          'recorded as ignored with a reason (`GET /v1/integrations/events`). Other topics are acknowledged and ignored.',
        security: [],
        response: responses,
      },
    },
    async (req) => {
      const raw = rawBody(req);
      const shop = header(req, 'x-shopify-shop-domain', 'shopify-shop-domain');
      const connection = shop ? await integrations.byShopDomain(shop) : undefined;
      if (!connection) {
        return refuse('shopify', 'unknown_shop', new AppError('NOT_FOUND', shop ? `No seller has connected ${shop}` : 'X-Shopify-Shop-Domain is missing', [{ field: 'x-shopify-shop-domain', message: shop ? 'unknown shop' : 'missing' }]));
      }
      const signature = header(req, 'x-shopify-hmac-sha256', 'shopify-hmac-sha256');
      if (!signature) return unauthorized('shopify', 'missing_signature', 'x-shopify-hmac-sha256', 'X-Shopify-Hmac-Sha256 is missing');
      if (!verifyBodyHmac(raw, signature, connection.secrets)) {
        return unauthorized('shopify', 'bad_signature', 'x-shopify-hmac-sha256', "X-Shopify-Hmac-Sha256 does not match the body signed with this shop's client secret");
      }
      const topic = header(req, 'x-shopify-topic', 'shopify-topic') ?? '';
      if (!(SHOPIFY_TOPICS as readonly string[]).includes(topic)) return ignored('shopify', 'ignored', `topic ${topic || '(none)'} is not handled`);

      const json = parseJson('shopify', raw);
      const shopDomain = connection.shopDomain!;
      const mapped =
        (topic as ShopifyTopic) === 'orders/create'
          ? checked(fromShopifyOrderCreate(shopDomain, parseWire('shopify', ShopifyOrder, json)))
          : fromShopifyOrderCancelled(parseWire('shopify', ShopifyCancelledOrder, json));
      // The event id survives Shopify's retries; the webhook id is the fallback on older deliveries.
      const eventId = header(req, 'x-shopify-event-id', 'shopify-event-id') ?? header(req, 'x-shopify-webhook-id', 'shopify-webhook-id') ?? `body:${sha256Hex(raw)}`;
      return ack('shopify', await inbound.accept({ sellerId: connection.sellerId, platform: 'shopify', dedupeKey: `${shopDomain}|${topic}|${eventId}`, topic, mapped }));
    },
  );

  r.post(
    '/webhooks/woocommerce/:seller',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'WooCommerce webhooks (order.created, order.updated, order.deleted)',
        description:
          '`X-WC-Webhook-Signature` must be the base64 HMAC-SHA256 of the raw body (as WooCommerce writes it, slashes escaped) with the ' +
          "webhook's secret. The unsigned ping WooCommerce sends when the webhook is saved (`webhook_id=<id>`) is answered 200. With " +
          '`promise_on: paid`, unpaid orders are held and promised when an order.updated shows them paid. Deduplicated on order id, event and body hash.',
        security: [],
        response: responses,
      },
    },
    async (req) => {
      const raw = rawBody(req);
      const sellerId = (req.params as { seller: string }).seller;
      const connection = await integrations.forSeller(sellerId, 'woocommerce');
      if (!connection) return refuse('woocommerce', 'unknown_seller', new AppError('NOT_FOUND', 'No WooCommerce store is connected for this seller'));
      const signature = header(req, 'x-wc-webhook-signature');
      if (!signature) {
        // Saving a webhook in WooCommerce sends `webhook_id=<id>`, form-encoded and unsigned: it only checks the URL answers.
        if (/^webhook_id=\d+$/.test(raw.toString('utf8').trim())) return ignored('woocommerce', 'ping', 'ping received');
        return unauthorized('woocommerce', 'missing_signature', 'x-wc-webhook-signature', 'X-WC-Webhook-Signature is missing');
      }
      if (!verifyBodyHmac(raw, signature, connection.secrets.map(wooSigningSecret))) {
        return unauthorized('woocommerce', 'bad_signature', 'x-wc-webhook-signature', "X-WC-Webhook-Signature does not match the body signed with this webhook's secret");
      }
      const topic = header(req, 'x-wc-webhook-topic') ?? '';
      const [resource, event] = [header(req, 'x-wc-webhook-resource') ?? topic.split('.')[0], header(req, 'x-wc-webhook-event') ?? topic.split('.')[1]];
      if (resource !== 'order' || !(WOO_ORDER_EVENTS as readonly string[]).includes(event ?? '')) {
        return ignored('woocommerce', 'ignored', `topic ${topic || '(none)'} is not handled`);
      }

      const json = parseJson('woocommerce', raw);
      let mapped: Mapped;
      if ((event as WooOrderEvent) === 'deleted') mapped = fromWooOrderDeleted(parseWire('woocommerce', WooOrderRef, json).id);
      else mapped = checked(fromWooOrder(parseWire('woocommerce', WooOrder, json), connection.promiseOn));
      // WooCommerce's delivery id repeats within a second: the order, the event and the exact bytes identify a delivery.
      const dedupeKey = `${mapped.externalRef}|${event}|${sha256Hex(raw)}`;
      return ack('woocommerce', await inbound.accept({ sellerId: connection.sellerId, platform: 'woocommerce', dedupeKey, topic: `order.${event}`, mapped }));
    },
  );

  r.post(
    '/webhooks/standard/:seller',
    {
      schema: {
        tags: ['webhooks'],
        summary: "Standard Webhooks: a signed OrderRequest (BigCommerce apps, marketplaces, middleware)",
        description:
          'The body is an `OrderRequest` (the `POST /v1/orders` body). Signed per the Standard Webhooks specification: `webhook-id`, ' +
          '`webhook-timestamp` (within 5 minutes), `webhook-signature` (`v1,<base64>` HMAC-SHA256 of `id.timestamp.body` with the whsec_ ' +
          'secret; several space-separated signatures allowed). Deduplicated on `webhook-id`; one order per `external_id`.',
        security: [],
        response: responses,
      },
    },
    async (req) => {
      const raw = rawBody(req);
      const sellerId = (req.params as { seller: string }).seller;
      const connection = await integrations.forSeller(sellerId, 'standard');
      if (!connection) return refuse('standard', 'unknown_seller', new AppError('NOT_FOUND', 'No Standard Webhooks sender is connected for this seller'));
      const id = header(req, 'webhook-id');
      const verdict = verifyStandardWebhook({
        id,
        timestamp: header(req, 'webhook-timestamp'),
        signature: header(req, 'webhook-signature'),
        body: raw,
        secrets: connection.secrets,
        nowSeconds: Math.floor(app.deps.clock.now().getTime() / 1000),
      });
      if (!verdict.ok) return unauthorized('standard', verdict.failure, verdict.failure === 'stale_timestamp' ? 'webhook-timestamp' : 'webhook-signature', verdict.detail);

      const request = parseWire('standard', OrderRequest, parseJson('standard', raw));
      return ack('standard', await inbound.accept({ sellerId: connection.sellerId, platform: 'standard', dedupeKey: id!, topic: 'order.create', mapped: fromStandardOrder(request) }));
    },
  );
}
