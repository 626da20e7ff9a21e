import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { CarrierId } from './carriers/contract.js';
import type { Database } from './db/database.js';
import { migrationsCurrent } from './db/migrate.js';
import type { Clock } from './lib/clock.js';
import type { SecretBox } from './lib/crypto.js';
import { Gauge, type PledgeMetrics } from './lib/metrics.js';
import { createNetworkService } from './network/network-service.js';
import { purgeExpiredIdempotencyKeys } from './orders/idempotency.js';
import { createMilestoneService } from './milestones/milestone-service.js';
import { createInstructionRelay } from './orders/instruction-relay.js';
import { createLedger, type LedgerDeps } from './ledger/index.js';
import { createOrderCancellations } from './orders/cancel-order.js';
import { createOrderService } from './orders/order-service.js';
import { createCompensationLedger } from './compensation/compensation-ledger.js';
import { createBreachService } from './compensation/breach-service.js';
import { createLearningService } from './learning/learning-service.js';
import { createRatingService } from './learning/rating-service.js';
import { createRepairSagas } from './compensation/repair-saga.js';
import { createFinanceService } from './finance/finance-service.js';
import type { PartnerAdapters } from './orders/partner-adapters.js';
import { createQuoteGatherer } from './orders/quote-gatherer.js';
import { lookUpVoucher } from './orders/vouchers.js';
import { installErrorHandler } from './plugins/error-handler.js';
import { healthRoutes } from './routes/health/index.js';
import { networkRoutes } from './routes/network/index.js';
import { orderRoutes } from './routes/orders/index.js';
import { sandboxRoutes } from './routes/sandbox/index.js';
import { sellerRoutes } from './routes/sellers/index.js';
import { voucherRoutes } from './routes/vouchers/index.js';
import { proofRoutes } from './routes/proofs/index.js';
import { milestoneRoutes } from './routes/milestones/index.js';
import { trackingRoutes } from './routes/tracking/index.js';
import { webhookRoutes } from './routes/webhooks/index.js';
import { webhookEndpointRoutes } from './routes/webhook-endpoints/index.js';
import { financeRoutes } from './routes/finance/index.js';
import { financePageRoutes } from './routes/finance/page.js';
import { compensationRoutes } from './routes/compensations/index.js';
import { replayRoutes } from './routes/replays/index.js';
import { createReplayService } from './replay/replay-service.js';
import { learningRoutes } from './routes/learning/index.js';
import { repairRoutes } from './routes/repairs/index.js';
import type { Sandbox } from './sandbox/index.js';
import { createSellerService } from './sellers/seller-service.js';
import type { SharedState } from './state/shared-state.js';
import type { Upstream } from './upstream/contract.js';
import { createInboundWebhooks } from './webhooks/inbound/inbound-service.js';
import { createPlatformIntegrations } from './webhooks/inbound/integrations.js';
import { createOutboundWebhooks, type WebhookDeliveryOptions } from './webhooks/outbound/index.js';

export type AppDeps = {
  db: Kysely<Database>;
  /** Set when the tables live outside the default schema (isolated tests). */
  dbSchema?: string;
  state: SharedState;
  upstream: Upstream;
  adapters: PartnerAdapters;
  carrierDefaults: Record<CarrierId, { defaultBaseUrl: string; credentialFields: readonly string[] }>;
  checkPartnerUrl: (url: string) => Promise<{ ok: true } | { ok: false; reason: string }>;
  secrets: SecretBox;
  voucherKey: Buffer;
  clock: Clock;
  metrics: PledgeMetrics;
  adminToken: string | undefined;
  promiseDeadlineMs: number;
  instructionWaitMs: number;
  quoteCacheTtlMs: number;
  /** null: the outbox relay loop is not started (tests drive `relay.tick()` themselves). */
  relayIntervalMs: number | null;
  /** The milestone ledger's chain and batching; absent: no chain, nothing anchored (proofs say so). */
  ledger?: LedgerDeps;
  /** Breach timers and breach settlement loop; null: not started (tests call `breaches.tick()`); default: the relay's interval. */
  breachIntervalMs?: number | null;
  /** Tracking polls for carrier accounts in `poll` mode; null: not started; default 60 s unless the relay is off. */
  trackingPollIntervalMs?: number | null;
  /** Platform webhooks (Shopify...) get their 200 within this even when the promise is not done yet (default 4000). */
  platformWebhookAckMs?: number;
  /** Seller webhook delivery: dispatcher, timeout, loop interval (defaults to the relay's). */
  webhookDelivery?: WebhookDeliveryOptions;
  sandbox?: Sandbox;
  logger?: FastifyServerOptions['logger'];
  bodyLimitBytes?: number;
  faults?: {
    afterCommit?: (orderId: string) => void;
    beforeRecordInstruction?: (shipmentId: string) => void;
    /** Repair saga: throw to simulate a crash after a step is recorded / before its record. */
    repairAfterStep?: (step: string) => void;
    repairBeforeStepCommit?: (step: string) => void;
  };
};

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
    services: Services;
  }
}

function createServices(deps: AppDeps, log: FastifyInstance['log']) {
  const sellers = createSellerService({ db: deps.db });
  const network = createNetworkService({ db: deps.db, secrets: deps.secrets, checkUrl: deps.checkPartnerUrl, carrierDefaults: deps.carrierDefaults });
  const webhooks = createOutboundWebhooks({ db: deps.db, clock: deps.clock, secrets: deps.secrets, metrics: deps.metrics, log, checkUrl: deps.checkPartnerUrl, options: deps.webhookDelivery });
  const relay = createInstructionRelay({ db: deps.db, clock: deps.clock, adapters: deps.adapters, network, metrics: deps.metrics, log, faults: deps.faults, events: webhooks.events });
  const milestones = createMilestoneService({ db: deps.db, secrets: deps.secrets, clock: deps.clock, metrics: deps.metrics, network, carriers: deps.adapters.carriers, log });
  const gather = createQuoteGatherer({ adapters: deps.adapters, state: deps.state, quoteCacheTtlMs: deps.quoteCacheTtlMs });
  const compensation = createCompensationLedger({ db: deps.db, clock: deps.clock });
  const learning = createLearningService({ db: deps.db, clock: deps.clock, log });
  const orders = createOrderService({
    db: deps.db,
    clock: deps.clock,
    network,
    gather,
    relay,
    health: deps.upstream,
    metrics: deps.metrics,
    voucherKey: deps.voucherKey,
    promiseDeadlineMs: deps.promiseDeadlineMs,
    instructionWaitMs: deps.instructionWaitMs,
    faults: deps.faults,
    events: webhooks.events,
    exposure: compensation,
    learning: learning.settings,
  });
  const ratings = createRatingService({ db: deps.db, clock: deps.clock, network, adapters: deps.adapters, events: webhooks.events, log });
  const cancellations = createOrderCancellations({ db: deps.db, clock: deps.clock, adapters: deps.adapters, network, log, events: webhooks.events });
  const repairs = createRepairSagas({
    db: deps.db,
    clock: deps.clock,
    network,
    gather,
    adapters: deps.adapters,
    relay,
    health: deps.upstream,
    quoteDeadlineMs: Math.max(deps.promiseDeadlineMs, 5_000),
    learning: learning.settings,
    log,
    faults: { afterStep: (step) => deps.faults?.repairAfterStep?.(step), beforeStepCommit: (step) => deps.faults?.repairBeforeStepCommit?.(step) },
  });
  const breaches = createBreachService({ db: deps.db, clock: deps.clock, events: webhooks.events, repairs, log, metrics: deps.metrics });
  const integrations = createPlatformIntegrations({ db: deps.db, secrets: deps.secrets, clock: deps.clock });
  const inbound = createInboundWebhooks({ db: deps.db, clock: deps.clock, orders, cancellations, log, ackWithinMs: () => deps.platformWebhookAckMs ?? 4000 });
  const vouchers = { check: (code: string) => lookUpVoucher(deps.db, deps.voucherKey, code, deps.clock.now()) };
  const ledger = createLedger({ db: deps.db, clock: deps.clock, log, metrics: deps.metrics, settings: deps.ledger, checkVoucher: vouchers.check });
  const finance = createFinanceService({ db: deps.db, clock: deps.clock, journal: ledger.journal });
  const replays = createReplayService({ db: deps.db, clock: deps.clock, log });
  return {
    ledger,
    replays,
    compensation,
    finance,
    sellers,
    network,
    relay,
    orders,
    learning,
    ratings,
    milestones,
    cancellations,
    repairs,
    breaches,
    integrations,
    inbound,
    webhooks,
    metrics: deps.metrics,
    vouchers,
    async readiness(): Promise<Record<string, string>> {
      const checks: Record<string, string> = {};
      try {
        await sql`select 1`.execute(deps.db);
        checks.database = (await migrationsCurrent(deps.db, deps.dbSchema)) ? 'ok' : 'migrations pending';
      } catch (err) {
        checks.database = `unreachable: ${(err as Error).message}`;
      }
      try {
        await deps.state.ping();
        checks.shared_state = 'ok';
      } catch (err) {
        checks.shared_state = `unreachable: ${(err as Error).message}`;
      }
      return checks;
    },
  };
}
export type Services = ReturnType<typeof createServices>;

/** The whole HTTP application as a function of its dependencies: no env, no listening, no clients made here. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.bodyLimitBytes ?? 1024 * 1024,
    genReqId: (req) => (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].length <= 100 ? req.headers['x-request-id'] : crypto.randomUUID()),
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true },
    ajv: undefined,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('deps', deps);
  app.decorate('services', createServices(deps, app.log));
  installErrorHandler(app, { onRejected: (code) => deps.metrics.rejectedRequests.inc({ code }) });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.httpRequests.inc({ route: request.routeOptions.url ?? 'unmatched', method: request.method, status: `${Math.floor(reply.statusCode / 100)}xx` });
  });

  deps.metrics.registry.register(
    new Gauge('pledge_partner_breaker_open', 'Breaker state per partner: 0 closed, 0.5 half-open, 1 open', (set) => {
      for (const h of deps.upstream.health()) set({ partner: h.partnerId, kind: h.kind }, h.breaker === 'open' ? 1 : h.breaker === 'half_open' ? 0.5 : 0);
    }),
  );

  const healthGauge = (name: string, help: string, read: (h: ReturnType<Upstream['health']>[number]) => number) =>
    deps.metrics.registry.register(
      new Gauge(name, help, (set) => {
        for (const h of deps.upstream.health()) set({ partner: h.partnerId, kind: h.kind }, read(h));
      }),
    );
  healthGauge('pledge_partner_latency_p50_ms', 'Partner latency p50 over its recent calls', (h) => h.latencyMs.p50);
  healthGauge('pledge_partner_latency_p95_ms', 'Partner latency p95 over its recent calls', (h) => h.latencyMs.p95);
  healthGauge('pledge_partner_latency_p99_ms', 'Partner latency p99 over its recent calls', (h) => h.latencyMs.p99);
  healthGauge('pledge_partner_error_rate', 'Share of recent partner calls that failed (4xx rejections excluded)', (h) => h.errorRate);
  healthGauge('pledge_partner_degraded', '1 when the partner is degraded and routes through it lose confidence', (h) => (h.isDegraded ? 1 : 0));
  healthGauge('pledge_partner_hedges_sent', 'Hedged duplicate reads sent to the partner', (h) => h.hedges?.sent ?? 0);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Pledge API',
        version: '0.1.0',
        description: 'Zero-inventory fulfillment orchestration: delivery promises, drop-ship instructions, vouchers. Errors are RFC 9457 application/problem+json.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A seller API key (pk_...)' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes);
  await app.register(sellerRoutes);
  await app.register(networkRoutes);
  await app.register(orderRoutes);
  await app.register(voucherRoutes);
  await app.register(proofRoutes);
  await app.register(milestoneRoutes);
  await app.register(trackingRoutes);
  await app.register(webhookRoutes);
  await app.register(webhookEndpointRoutes);
  await app.register(financeRoutes);
  await app.register(financePageRoutes);
  await app.register(compensationRoutes);
  await app.register(replayRoutes);
  await app.register(learningRoutes);
  await app.register(repairRoutes);
  if (deps.sandbox) await app.register(sandboxRoutes, { sandbox: deps.sandbox });

  const relay = app.services.relay;
  let housekeeping: NodeJS.Timeout | undefined;
  if (deps.relayIntervalMs !== null) {
    app.addHook('onReady', async () => {
      relay.start(deps.relayIntervalMs!);
      // Idempotency keys live 48 h (the draft asks for at least 24 h); expired ones are swept hourly.
      housekeeping = setInterval(() => void purgeExpiredIdempotencyKeys(deps.db, deps.clock.now()).catch((err) => app.log.warn({ err }, 'idempotency purge failed')), 3_600_000);
      housekeeping.unref();
    });
  }
  const webhookIntervalMs = deps.webhookDelivery?.intervalMs === undefined ? deps.relayIntervalMs : deps.webhookDelivery.intervalMs;
  if (webhookIntervalMs !== null) app.addHook('onReady', async () => app.services.webhooks.worker.start(webhookIntervalMs));
  if (deps.relayIntervalMs !== null) app.addHook('onReady', async () => app.services.inbound.start(deps.relayIntervalMs!));
  // Repair sagas run on the relay's cadence; a saga's wait is recorded on its row, not in this loop.
  if (deps.relayIntervalMs !== null) {
    app.addHook('onReady', async () => app.services.repairs.startWorker(Math.max(deps.relayIntervalMs!, 1_000)));
    app.addHook('onClose', async () => app.services.repairs.stopWorker());
  }
  // Learning drains settled outcomes into the estimates on the relay's cadence; the weekly rating rides along.
  if (deps.relayIntervalMs !== null) {
    app.addHook('onReady', async () => app.services.learning.start(Math.max(deps.relayIntervalMs!, 1_000), () => app.services.ratings.runIfDue()));
    app.addHook('onClose', async () => app.services.learning.stop());
  }
  const pollMs = deps.trackingPollIntervalMs === undefined ? (deps.relayIntervalMs === null ? null : 60_000) : deps.trackingPollIntervalMs;
  if (pollMs !== null) {
    app.addHook('onReady', async () => app.services.milestones.startPolling(pollMs));
    app.addHook('onClose', async () => app.services.milestones.stopPolling());
  }
  const breachIntervalMs = deps.breachIntervalMs === undefined ? deps.relayIntervalMs : deps.breachIntervalMs;
  if (breachIntervalMs !== null) {
    app.addHook('onReady', async () => app.services.breaches.start(Math.max(breachIntervalMs, 1_000)));
    app.addHook('onClose', async () => app.services.breaches.stop());
  }
  const { anchorer, intervalMs: anchorIntervalMs } = app.services.ledger;
  if (anchorIntervalMs !== null) app.addHook('onReady', async () => anchorer.start(anchorIntervalMs));
  app.addHook('onClose', async () => anchorer.stop());
  // Policy replays run in-process; tests without the relay loop call replays.tick() themselves.
  if (deps.relayIntervalMs !== null) app.addHook('onReady', async () => app.services.replays.start(Math.max(deps.relayIntervalMs!, 1000)));
  app.addHook('onClose', async () => app.services.replays.stop());
  app.addHook('onClose', async () => {
    // Fastify has stopped accepting requests and waited for in-flight ones; finish their instruction work.
    clearInterval(housekeeping);
    // Platform deliveries still being promised go first: they may place orders.
    await app.services.inbound.stop();
    await app.services.inbound.drain();
    await app.services.orders.drain();
    await relay.stop();
    await app.services.webhooks.worker.close();
  });
  return app;
}
