import { z } from 'zod';

export const PlatformName = z.enum(['shopify', 'woocommerce', 'standard']);

const secret = z.string().min(8, 'at least 8 characters').max(512);

export const ShopifyIntegrationInput = z
  .strictObject({
    shop_domain: z.string().trim().min(1).max(255).describe('The shop\'s myshopify.com domain, as Shopify sends it in X-Shopify-Shop-Domain'),
    client_secret: secret.describe("Your Shopify app's client secret (it signs every webhook); stored encrypted, never returned"),
    previous_client_secret: secret.optional().describe('While rotating: the old secret, still accepted until you remove it'),
  })
  .meta({ id: 'ShopifyConnection' });

export const WooCommerceIntegrationInput = z
  .strictObject({
    secret: secret.describe("The webhook's secret from WooCommerce > Settings > Advanced > Webhooks; stored encrypted, never returned"),
    previous_secret: secret.optional(),
    promise_on: z.enum(['paid', 'created']).default('paid').describe('paid: hold unpaid orders until an order.updated shows them paid; created: promise at once'),
  })
  .meta({ id: 'WooCommerceConnection' });

const whsec = z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be whsec_ followed by base64');
export const StandardIntegrationInput = z
  .strictObject({
    secret: whsec.describe('The endpoint secret (whsec_ + base64 of 24 to 64 random bytes) your sender signs with'),
    previous_secret: whsec.optional().describe('While rotating: the old secret, still accepted until you remove it'),
  })
  .meta({ id: 'StandardWebhooksConnection' });

export const PlatformIntegration = z
  .object({
    platform: PlatformName,
    shop_domain: z.string().nullable(),
    promise_on: z.enum(['paid', 'created']).nullable(),
    webhook_path: z.string().describe('Where the platform must send its webhooks, on this API\'s host'),
    secret_count: z.number().int().describe('How many secrets are accepted (2 while rotating); secrets are never returned'),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'PlatformIntegration' });

export const PlatformParams = z.strictObject({ platform: PlatformName });

export const PlatformEventStatus = z.enum(['received', 'processed', 'ignored', 'failed']);

export const PlatformEventsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  platform: PlatformName.optional(),
  status: PlatformEventStatus.optional(),
  external_ref: z.string().max(200).optional(),
});

export const PlatformEvent = z
  .object({
    id: z.string(),
    platform: PlatformName,
    topic: z.string(),
    external_ref: z.string().describe('The platform order id, exact (Shopify ids exceed 2^53)'),
    status: PlatformEventStatus,
    order_id: z.string().nullable(),
    reason: z.string().nullable().describe('Why it was ignored (cannot ship), held, or why it failed'),
    attempts: z.number().int(),
    received_at: z.string(),
    processed_at: z.string().nullable(),
  })
  .meta({ id: 'PlatformEvent' });

export const WebhookAck = z
  .object({
    received: z.literal(true),
    outcome: z.enum(['accepted', 'duplicate', 'declined', 'ignored', 'ping']),
    event_id: z.string().nullable(),
    status: z.enum(['received', 'processed', 'ignored', 'failed']).describe('received: accepted durably, the promise finishes in the background'),
    order_id: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .meta({ id: 'WebhookAck' });
export type WebhookAck = z.infer<typeof WebhookAck>;
