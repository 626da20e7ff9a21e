import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { ADMIN_TOKEN, type TestContext } from '../../helper.js';
import { signBodyHmac, signStandardWebhook } from '../../../src/webhooks/inbound/signatures.js';

export const SHOP = 'jsmith.myshopify.com';
export const SHOPIFY_SECRET = 'shpss_0123456789abcdef0123456789abcdef';
export const WOO_SECRET = 'wc-secret-0123456789';
export const STANDARD_SECRET = `whsec_${Buffer.alloc(32, 42).toString('base64')}`;

/** The file's exact bytes: what the platform sends and what gets signed. */
export const fixture = (path: string) => readFileSync(new URL(`../../fixtures/platforms/${path}`, import.meta.url));

/** The Shopify fixture as another order of the same shop (ids are replaced in the raw text). */
export const shopifyOrderBody = (orderId = '820982911946154508', edit: (text: string) => string = (x) => x) =>
  Buffer.from(edit(fixture('shopify/orders-create.json').toString('utf8').replaceAll('820982911946154508', orderId)));

export const newBigId = () => (900000000000000000n + BigInt(`0x${randomBytes(6).toString('hex')}`)).toString();

export async function createSeller(ctx: TestContext, name: string): Promise<{ id: string; key: string }> {
  const res = await ctx.request({ method: 'POST', url: '/v1/sellers', key: ADMIN_TOKEN, payload: { name } });
  const body = res.json();
  return { id: body.id, key: body.api_key.key };
}

export function sendShopify(
  ctx: TestContext,
  body: Buffer,
  opts: { topic?: string; eventId?: string; shop?: string | null; secret?: string; hmac?: string | null; headerStyle?: 'x' | 'plain' } = {},
): Promise<LightMyRequestResponse> {
  const p = opts.headerStyle === 'plain' ? 'shopify-' : 'x-shopify-';
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    [`${p}topic`]: opts.topic ?? 'orders/create',
    [`${p}event-id`]: opts.eventId ?? randomBytes(8).toString('hex'),
    [`${p}webhook-id`]: randomBytes(8).toString('hex'),
    [`${p}api-version`]: '2025-07',
    [`${p}triggered-at`]: new Date().toISOString(),
  };
  if (opts.shop !== null) headers[`${p}shop-domain`] = opts.shop ?? SHOP;
  if (opts.hmac !== null) headers[`${p}hmac-sha256`] = opts.hmac ?? signBodyHmac(body, opts.secret ?? SHOPIFY_SECRET);
  return ctx.app.inject({ method: 'POST', url: '/webhooks/shopify', payload: body, headers });
}

export function sendWoo(
  ctx: TestContext,
  sellerId: string,
  body: Buffer,
  opts: { topic?: string; secret?: string; signature?: string | null; deliveryId?: string } = {},
): Promise<LightMyRequestResponse> {
  const topic = opts.topic ?? 'order.created';
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'WooCommerce/8.9.1 Hookshot (WordPress/6.5.2)',
    'x-wc-webhook-source': 'https://example.com/',
    'x-wc-webhook-topic': topic,
    'x-wc-webhook-resource': topic.split('.')[0]!,
    'x-wc-webhook-event': topic.split('.')[1]!,
    'x-wc-webhook-id': '3',
    // WooCommerce derives it from the webhook id and the second: not unique.
    'x-wc-webhook-delivery-id': opts.deliveryId ?? '36e520ebabc2fa725092ff4a47acedf2',
  };
  if (opts.signature !== null) headers['x-wc-webhook-signature'] = opts.signature ?? signBodyHmac(body, opts.secret ?? WOO_SECRET);
  return ctx.app.inject({ method: 'POST', url: `/webhooks/woocommerce/${sellerId}`, payload: body, headers });
}

export function sendStandard(
  ctx: TestContext,
  sellerId: string,
  body: Buffer | string,
  opts: { id?: string; timestamp?: number; secret?: string; signature?: string | null; omit?: ('webhook-id' | 'webhook-timestamp')[] } = {},
): Promise<LightMyRequestResponse> {
  const id = opts.id ?? `msg_${randomBytes(10).toString('hex')}`;
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp) };
  if (opts.signature !== null) headers['webhook-signature'] = opts.signature ?? signStandardWebhook(opts.secret ?? STANDARD_SECRET, id, timestamp, body);
  for (const h of opts.omit ?? []) delete headers[h];
  return ctx.app.inject({ method: 'POST', url: `/webhooks/standard/${sellerId}`, payload: Buffer.from(body), headers });
}

export async function platformEvents(ctx: TestContext) {
  return ctx.deps.db.selectFrom('platform_events').selectAll().orderBy('id').execute();
}

/** Orders of a seller with this external id (what a platform order became). */
export async function ordersFor(ctx: TestContext, externalId: string) {
  return ctx.deps.db.selectFrom('orders').selectAll().where('external_id', '=', externalId).execute();
}

export const outcomes = (ctx: TestContext, platform: string, outcome: string) => ctx.deps.metrics.platformWebhooks.get({ platform, outcome });
