import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import type { SecretBox } from '../../lib/crypto.js';
import type { PledgeMetrics } from '../../lib/metrics.js';
import { createDeliveryService } from './delivery-service.js';
import { createDeliveryWorker, type DeliveryWorkerDeps, type WebhookDeliveryOptions } from './delivery-worker.js';
import { createEndpointService } from './endpoint-service.js';
import { createEventSink } from './event-sink.js';

export { WEBHOOK_EVENT_TYPES, type WebhookEvent, type WebhookEventType } from './event-types.js';
export type { EventSink } from './event-sink.js';
export type { WebhookDeliveryOptions } from './delivery-worker.js';

export type OutboundWebhooksDeps = {
  db: Kysely<Database>;
  clock: Clock;
  secrets: SecretBox;
  metrics: PledgeMetrics;
  log: DeliveryWorkerDeps['log'];
  checkUrl: (url: string) => Promise<{ ok: true } | { ok: false; reason: string }>;
  options?: WebhookDeliveryOptions;
};

/** Seller webhooks: the event sink the order path writes to, the endpoint and delivery APIs, and the worker. */
export function createOutboundWebhooks(deps: OutboundWebhooksDeps) {
  const options = deps.options ?? {};
  return {
    events: createEventSink({ clock: deps.clock }),
    endpoints: createEndpointService({ db: deps.db, clock: deps.clock, secrets: deps.secrets, checkUrl: deps.checkUrl }),
    deliveries: createDeliveryService({ db: deps.db, clock: deps.clock }),
    worker: createDeliveryWorker({
      db: deps.db,
      clock: deps.clock,
      secrets: deps.secrets,
      metrics: deps.metrics,
      log: deps.log,
      // The partner-URL policy decides for webhooks too: if it admits a loopback literal, private addresses are allowed.
      allowPrivateUrls: options.allowPrivateUrls ?? (async () => (await deps.checkUrl('http://127.0.0.1/')).ok),
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    }),
  };
}
export type OutboundWebhooks = ReturnType<typeof createOutboundWebhooks>;
