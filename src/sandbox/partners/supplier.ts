import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { canonicalJson, sha256Hex } from '../../lib/crypto.js';
import { isoSeconds, warehouseLoadKey, type SandboxCore } from '../core.js';
import { fieldErrors, installPartnerGuards, partnerOf, pledgeFamily, sendProblem } from '../http.js';
import { firstPickupAfter } from '../schedule.js';
import type { SupplierSpec, WarehouseSpec } from '../world.js';

/** `pledge-supplier-v1` (docs/partners.md): quotes, idempotent drop-ship instructions, cancellation. */

export type SandboxInstructionRecord = {
  supplier_id: string;
  idempotency_key: string;
  supplier_order_ref: string;
  order_ref: string;
  shipment_ref: string;
  body: unknown;
  /** Receipts of this key with this body: 1 on first receipt, +1 per replay. */
  deliveries: number;
  first_received_at: string;
  last_received_at: string;
  status: 'received' | 'cancelled';
};

const Items = z
  .array(z.object({ supplier_sku: z.string().min(1), quantity: z.number().int().min(1) }))
  .min(1);

const QuoteRequest = z.object({
  order_ref: z.string().min(1),
  warehouse_ref: z.string().min(1).nullish(),
  items: Items,
  ship_to: z.object({
    country: z.string().length(2),
    region: z.string().nullish(),
    postal_code: z.string().nullish(),
    city: z.string().nullish(),
  }),
});

const InstructionRequest = z.object({
  shipment_ref: z.string().min(1),
  order_ref: z.string().min(1),
  warehouse_ref: z.string().min(1),
  items: Items,
  ship_to: z.object({
    name: z.string().min(1),
    line1: z.string().min(1),
    line2: z.string().nullish(),
    city: z.string().min(1),
    region: z.string().nullish(),
    postal_code: z.string().min(1),
    country: z.string().length(2),
    phone: z.string().nullish(),
    email: z.string().nullish(),
  }),
  carrier: z.string().min(1),
  service: z.string().min(1),
  tracking_number: z.string().nullable(),
  label_url: z.string().nullable(),
  handover_by: z.iso.datetime({ offset: true }),
});

type Instruction = {
  record: SandboxInstructionRecord;
  bodyHash: string;
  receipt: { supplier_order_ref: string; status: 'received' };
  items: { supplier_sku: string; quantity: number }[];
  handoverBy: Date;
  /** The warehouse pickup this parcel was booked on, released on cancel. */
  loadKey: string | null;
};

const FIRST_ORDER_NUMBER = 10_001;

export function createSupplierSimulator(core: SandboxCore) {
  const specs = new Map<string, SupplierSpec>(core.spec.suppliers.map((s) => [s.id, s]));
  const stock = new Map(core.spec.suppliers.map((s) => [s.id, new Map(Object.entries(s.stock))]));
  const byKey = new Map<string, Instruction>();
  const byRef = new Map<string, Instruction>();
  const nextOrderNumber = new Map<string, number>();
  const scoped = (supplierId: string, key: string) => `${supplierId}\u0000${key}`;

  const unitCostMinor = (supplierId: string, supplierSku: string) =>
    core.spec.catalog.find((c) => c.supplierId === supplierId && c.supplierSku === supplierSku)?.unitCostMinor;

  const adjustStock = (supplierId: string, items: Instruction['items'], sign: 1 | -1) => {
    const levels = stock.get(supplierId)!;
    for (const { supplier_sku, quantity } of items) {
      levels.set(supplier_sku, Math.max(0, (levels.get(supplier_sku) ?? 0) + sign * quantity));
    }
  };

  /**
   * `warehouse_ref` is the seller's own id for the site (docs/partners.md). The sandbox knows its own
   * ids and codes, the refs registered with `mapWarehouseRef` (the seller's warehouse points at the
   * site's base URL), and otherwise takes the supplier's only site that carries every item.
   */
  function siteFor(supplierId: string, warehouseRef: string, items: Instruction['items']) {
    const mapped = core.warehouseRefs.get(warehouseRef) ?? warehouseRef;
    const known = core.spec.warehouses.find((w) => w.id === mapped || w.code === mapped);
    if (known) return known;
    const carriesAll = core.spec.warehouses.filter(
      (w) =>
        w.supplierId === supplierId &&
        items.every((i) => core.spec.catalog.some((c) => c.supplierId === supplierId && c.supplierSku === i.supplier_sku && c.warehouseId === w.id)),
    );
    return carriesAll.length === 1 ? carriesAll[0] : undefined;
  }

  function bookPickup(site: WarehouseSpec | undefined, handoverBy: Date): string | null {
    // Goods leave with the first pickup whose cut-off they make after handling (pledge-warehouse-v1).
    const pickup = site && firstPickupAfter(site, new Date(handoverBy.getTime() + site.handlingHours * 3_600_000));
    if (!site || !pickup) return null;
    const key = warehouseLoadKey(site.id, pickup.cutoffAt);
    core.warehouseLoad.set(key, (core.warehouseLoad.get(key) ?? 0) + 1);
    return key;
  }

  function register(app: FastifyInstance): void {
    installPartnerGuards(app, core, pledgeFamily('supplier', 'supplierId'));

    app.post<{ Params: { supplierId: string } }>('/:supplierId/quotes', async (request, reply) => {
      const partner = partnerOf(core, request.params.supplierId);
      const parsed = QuoteRequest.safeParse(request.body);
      if (!parsed.success) {
        return sendProblem(reply, 400, 'VALIDATION_FAILED', 'Bad Request', 'the quote request is invalid', fieldErrors(parsed.error.issues));
      }
      const unknown = parsed.data.items.filter((i) => unitCostMinor(partner.id, i.supplier_sku) === undefined);
      if (unknown.length > 0) {
        return sendProblem(reply, 422, 'UNKNOWN_SKU', 'Unknown SKU', `not sold by ${partner.name}: ${unknown.map((i) => i.supplier_sku).join(', ')}`);
      }
      const levels = stock.get(partner.id)!;
      const [minHours, maxHours] = specs.get(partner.id)!.handlingHours;
      const handlingMinutes = partner.data.int(minHours * 4, maxHours * 4) * 15;
      const now = core.now();
      return {
        items: parsed.data.items.map((i) => ({
          supplier_sku: i.supplier_sku,
          available_quantity: partner.knobs.stock ?? levels.get(i.supplier_sku) ?? 0,
          unit_cost: { amount_minor: unitCostMinor(partner.id, i.supplier_sku)!, currency: 'USD' },
        })),
        handover_eta: isoSeconds(new Date(now.getTime() + handlingMinutes * 60_000)),
        valid_until: isoSeconds(new Date(now.getTime() + 15 * 60_000)),
      };
    });

    app.post<{ Params: { supplierId: string } }>('/:supplierId/instructions', async (request, reply) => {
      const partner = partnerOf(core, request.params.supplierId);
      const idempotencyKey = request.headers['idempotency-key'];
      if (typeof idempotencyKey !== 'string' || idempotencyKey.trim() === '') {
        return sendProblem(reply, 400, 'IDEMPOTENCY_KEY_MISSING', 'Bad Request', 'the Idempotency-Key header is required');
      }
      const parsed = InstructionRequest.safeParse(request.body);
      if (!parsed.success) {
        return sendProblem(reply, 400, 'VALIDATION_FAILED', 'Bad Request', 'the instruction is invalid', fieldErrors(parsed.error.issues));
      }
      const now = isoSeconds(core.now());
      const bodyHash = sha256Hex(canonicalJson(request.body));
      const existing = byKey.get(scoped(partner.id, idempotencyKey));
      if (existing) {
        if (existing.bodyHash !== bodyHash) {
          return sendProblem(
            reply, 422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency key reused',
            `Idempotency-Key ${idempotencyKey} was first used with a different body (order ${existing.record.supplier_order_ref})`,
          );
        }
        existing.record.deliveries += 1;
        existing.record.last_received_at = now;
        return reply.code(200).header('Idempotent-Replayed', 'true').send(existing.receipt);
      }
      const orderNumber = nextOrderNumber.get(partner.id) ?? FIRST_ORDER_NUMBER;
      nextOrderNumber.set(partner.id, orderNumber + 1);
      const ref = `SO-${orderNumber}`;
      const instruction: Instruction = {
        record: {
          supplier_id: partner.id,
          idempotency_key: idempotencyKey,
          supplier_order_ref: ref,
          order_ref: parsed.data.order_ref,
          shipment_ref: parsed.data.shipment_ref,
          body: structuredClone(request.body),
          deliveries: 1,
          first_received_at: now,
          last_received_at: now,
          status: 'received',
        },
        bodyHash,
        receipt: { supplier_order_ref: ref, status: 'received' },
        items: parsed.data.items,
        handoverBy: new Date(parsed.data.handover_by),
        loadKey: bookPickup(siteFor(partner.id, parsed.data.warehouse_ref, parsed.data.items), new Date(parsed.data.handover_by)),
      };
      adjustStock(partner.id, instruction.items, -1);
      byKey.set(scoped(partner.id, idempotencyKey), instruction);
      byRef.set(scoped(partner.id, ref), instruction);
      return reply.code(201).send(instruction.receipt);
    });

    app.post<{ Params: { supplierId: string; ref: string } }>('/:supplierId/instructions/:ref/cancel', async (request, reply) => {
      const partner = partnerOf(core, request.params.supplierId);
      const instruction = byRef.get(scoped(partner.id, request.params.ref));
      if (!instruction) return sendProblem(reply, 404, 'NOT_FOUND', 'Not Found', `no instruction ${request.params.ref}`);
      const { record } = instruction;
      if (record.status !== 'cancelled') {
        // Goods are at the dock by handover_by: past it, the parcel has left the supplier's hands.
        if (core.now().getTime() >= instruction.handoverBy.getTime()) {
          return { supplier_order_ref: record.supplier_order_ref, status: 'too_late' };
        }
        record.status = 'cancelled';
        adjustStock(partner.id, instruction.items, 1);
        if (instruction.loadKey) core.warehouseLoad.set(instruction.loadKey, Math.max(0, (core.warehouseLoad.get(instruction.loadKey) ?? 1) - 1));
      }
      return { supplier_order_ref: record.supplier_order_ref, status: 'cancelled' };
    });
  }

  function instructions(filter: { orderId?: string } = {}): SandboxInstructionRecord[] {
    return [...byKey.values()]
      .map((i) => i.record)
      .filter((r) => filter.orderId === undefined || r.order_ref === filter.orderId)
      .map((r) => structuredClone(r));
  }

  return { register, instructions };
}
