import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AddressInfo } from 'node:net';
import type { PartnerKind } from '../db/database.js';
import { AppError } from '../errors.js';
import { createPartners, type SandboxCore } from './core.js';
import { fieldErrors, installBodyParsers, sendProblem } from './http.js';
import { SandboxKnobs, SandboxKnobsPatch } from './knobs.js';
import { labelPdf } from './partners/carrier-common.js';
import { createFulfillmentSimulator, type FulfillmentOptions, type FulfillmentSimulator } from './fulfillment.js';
import { createEasypostSimulator, type SandboxTrackerStatus } from './partners/easypost.js';
import { createShipengineSimulator } from './partners/shipengine.js';
import { createShippoSimulator } from './partners/shippo.js';
import { createSupplierSimulator, type SandboxInstructionRecord } from './partners/supplier.js';
import { createWarehouseSimulator } from './partners/warehouse.js';
import { DEMO_NETWORK, publicWorld, type SandboxWorld } from './world.js';

export type SandboxPartnerState = {
  id: string;
  kind: PartnerKind;
  name: string;
  /** Absolute once the sandbox listens; the bare path before. */
  base_url: string;
  knobs: SandboxKnobs;
};

export interface Sandbox {
  /** Listens on 127.0.0.1, port 0 (any free port) unless told otherwise. Call once. */
  start(opts?: { port?: number; host?: string }): Promise<{ baseUrl: string }>;
  /** Ends pending and hung requests (their sockets are destroyed) and stops listening. */
  close(): Promise<void>;
  readonly world: SandboxWorld;
  partners(): SandboxPartnerState[];
  /**
   * @throws SandboxNotFoundError for an unknown partner id.
   * @throws AppError VALIDATION_FAILED when the patched knobs are invalid (out of range, p99 below
   *   the median, stock or handover_reliability on a partner that is not a supplier).
   */
  patchPartner(id: string, patch: Partial<SandboxKnobs>): SandboxPartnerState;
  instructions(filter?: { orderId?: string }): SandboxInstructionRecord[];
  /**
   * Tells the sandbox that a seller's warehouse id (sent as instructions' `warehouse_ref`) is the site
   * at this base URL (or path, e.g. `/warehouses/wh_bolt_ga`, or sandbox id), so instructions book its pickups.
   * @throws SandboxNotFoundError when no sandbox warehouse matches `target`.
   */
  mapWarehouseRef(warehouseRef: string, target: string): void;
  /** Adds an EasyPost tracking scan now for this tracking code (what `GET /v2/trackers` reports next). False if unknown. */
  setTrackingStatus(trackingCode: string, status: SandboxTrackerStatus): boolean;
  /** Partners calling back: supplier events and carrier tracking webhooks (fulfillment.ts); idle until configured and started. */
  readonly fulfillment: FulfillmentSimulator;
}

export class SandboxNotFoundError extends AppError {
  constructor(readonly partnerId: string) {
    super('NOT_FOUND', `sandbox partner ${partnerId} not found`);
    this.name = 'SandboxNotFoundError';
  }
}

const WarehouseRefTarget = z.strictObject({ base_url: z.string().min(1) });

const SUPPLIER_ONLY_KNOBS = ['stock', 'handover_reliability'] as const;
const WAREHOUSE_ONLY_KNOBS = ['pickup_capacity'] as const;

/**
 * Simulated suppliers, warehouses and carrier aggregators on one loopback HTTP server, speaking the
 * partners' real wire formats. Same seed, same `now` and same request sequence: same answers.
 */
export function createSandbox(options: { seed?: number; now?: () => Date; fulfillment?: Omit<FulfillmentOptions, 'seed' | 'now'> } = {}): Sandbox {
  const seed = options.seed ?? 42;
  const spec = DEMO_NETWORK;
  const closing = new AbortController();
  let baseUrl = '';
  let app: FastifyInstance | undefined;
  let state: 'idle' | 'started' | 'closed' = 'idle';

  const core: SandboxCore = {
    spec,
    now: options.now ?? (() => new Date()),
    baseUrl: () => baseUrl,
    partners: createPartners(spec, seed),
    closing: closing.signal,
    labels: new Map(),
    warehouseLoad: new Map(),
    warehouseRefs: new Map(),
  };
  const suppliers = createSupplierSimulator(core);
  const warehouses = createWarehouseSimulator(core);
  const easypost = createEasypostSimulator(core);
  const shippo = createShippoSimulator(core);
  const shipengine = createShipengineSimulator(core);
  const labelAccount = (trackingNumber: string) => [...core.labels.values()].find((l) => l.trackingNumber === trackingNumber)?.accountId ?? null;
  const fulfillment = createFulfillmentSimulator({ instructions: () => suppliers.instructions(), labelAccount }, { ...options.fulfillment, seed, now: core.now });

  function partnerState(id: string): SandboxPartnerState {
    const p = core.partners.get(id);
    if (!p) throw new SandboxNotFoundError(id);
    return { id: p.id, kind: p.kind, name: p.name, base_url: baseUrl + p.path, knobs: { ...p.knobs } };
  }

  function patchPartner(id: string, patch: Partial<SandboxKnobs>): SandboxPartnerState {
    const partner = core.partners.get(id);
    if (!partner) throw new SandboxNotFoundError(id);
    const invalid = (errors: { field: string; message: string }[]) => new AppError('VALIDATION_FAILED', `invalid knobs for ${id}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors);
    const parsedPatch = SandboxKnobsPatch.safeParse(patch);
    if (!parsedPatch.success) throw invalid(fieldErrors(parsedPatch.error.issues));
    if (partner.kind !== 'supplier') {
      const misplaced = SUPPLIER_ONLY_KNOBS.filter((k) => parsedPatch.data[k] !== undefined);
      if (misplaced.length > 0) throw invalid(misplaced.map((field) => ({ field, message: 'applies to suppliers only' })));
    }
    if (partner.kind !== 'warehouse') {
      const misplaced = WAREHOUSE_ONLY_KNOBS.filter((k) => parsedPatch.data[k] !== undefined);
      if (misplaced.length > 0) throw invalid(misplaced.map((field) => ({ field, message: 'applies to warehouses only' })));
    }
    const merged = SandboxKnobs.safeParse({ ...partner.knobs, ...parsedPatch.data });
    if (!merged.success) throw invalid(fieldErrors(merged.error.issues));
    partner.knobs = merged.data;
    return partnerState(id);
  }

  function mapWarehouseRef(warehouseRef: string, target: string): void {
    const path = target.replace(/^[a-z]+:\/\/[^/]+/i, '').replace(/\/+$/, '');
    const site = spec.warehouses.find((w) => w.id === target || w.path === path);
    if (!site) throw new SandboxNotFoundError(target);
    core.warehouseRefs.set(warehouseRef, site.id);
  }

  function buildServer(): FastifyInstance {
    const server = Fastify({ logger: false, forceCloseConnections: true, routerOptions: { ignoreTrailingSlash: true } });
    installBodyParsers(server);
    server.register(async (scope) => suppliers.register(scope), { prefix: '/suppliers' });
    server.register(async (scope) => warehouses.register(scope), { prefix: '/warehouses' });
    server.register(async (scope) => easypost.register(scope), { prefix: '/easypost' });
    server.register(async (scope) => shippo.register(scope), { prefix: '/shippo' });
    server.register(async (scope) => shipengine.register(scope), { prefix: '/shipengine' });

    server.get<{ Params: { file: string } }>('/labels/:file', async (request, reply) => {
      const label = core.labels.get(request.params.file.replace(/\.pdf$/, ''));
      if (!request.params.file.endsWith('.pdf') || !label) return sendProblem(reply, 404, 'NOT_FOUND', 'Not Found', 'no such label');
      return reply.type('application/pdf').send(labelPdf(['SANDBOX LABEL - NOT POSTAGE', `${label.carrier} ${label.service}`, label.trackingNumber]));
    });
    server.get('/_sandbox/world', async () => publicWorld(spec));
    server.get('/_sandbox/partners', async () => ({ data: [...core.partners.keys()].map(partnerState) }));
    server.patch<{ Params: { id: string } }>('/_sandbox/partners/:id', async (request, reply) => {
      try {
        return patchPartner(request.params.id, (request.body ?? {}) as Partial<SandboxKnobs>);
      } catch (err) {
        if (err instanceof AppError) return sendProblem(reply, err.status, err.code, err.code === 'NOT_FOUND' ? 'Not Found' : 'Bad Request', err.message, err.errors.length > 0 ? err.errors : undefined);
        throw err;
      }
    });
    server.put<{ Params: { ref: string } }>('/_sandbox/warehouse-refs/:ref', async (request, reply) => {
      const parsed = WarehouseRefTarget.safeParse(request.body ?? {});
      if (!parsed.success) return sendProblem(reply, 400, 'VALIDATION_FAILED', 'Bad Request', 'base_url is required', fieldErrors(parsed.error.issues));
      try {
        mapWarehouseRef(request.params.ref, parsed.data.base_url);
      } catch (err) {
        if (err instanceof SandboxNotFoundError) return sendProblem(reply, 404, 'NOT_FOUND', 'Not Found', err.message);
        throw err;
      }
      return { warehouse_ref: request.params.ref, warehouse_id: core.warehouseRefs.get(request.params.ref) };
    });
    server.get<{ Querystring: { order_id?: string } }>('/_sandbox/instructions', async (request) => ({
      data: suppliers.instructions(request.query.order_id ? { orderId: request.query.order_id } : {}),
    }));
    return server;
  }

  return {
    world: publicWorld(spec),
    async start(opts = {}) {
      if (state !== 'idle') throw new Error(`sandbox already ${state}`);
      state = 'started';
      app = buildServer();
      const host = opts.host ?? '127.0.0.1';
      await app.listen({ host, port: opts.port ?? 0 });
      const { port } = app.server.address() as AddressInfo;
      baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      return { baseUrl };
    },
    async close() {
      if (state === 'closed') return;
      state = 'closed';
      closing.abort();
      await fulfillment.stop();
      await app?.close();
    },
    partners: () => [...core.partners.keys()].map(partnerState),
    patchPartner,
    instructions: (filter) => suppliers.instructions(filter),
    mapWarehouseRef,
    setTrackingStatus: (trackingCode, status) => easypost.setTrackingStatus(trackingCode, status),
    fulfillment,
  };
}
