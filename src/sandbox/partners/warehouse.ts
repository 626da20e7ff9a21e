import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isoSeconds, warehouseLoadKey, type SandboxCore } from '../core.js';
import { fieldErrors, installPartnerGuards, partnerOf, pledgeFamily, sendProblem } from '../http.js';
import { pickupsBetween } from '../schedule.js';

/** `pledge-warehouse-v1` (docs/partners.md): the pickup schedule. */

const ScheduleRequest = z.object({
  from: z.iso.datetime({ offset: true }),
  days: z.number().int().min(1).max(31).default(5),
  parcels: z.number().int().min(1).max(10_000).default(1),
});

export function createWarehouseSimulator(core: SandboxCore) {
  function register(app: FastifyInstance): void {
    installPartnerGuards(app, core, pledgeFamily('warehouse', 'warehouseId'));

    app.post<{ Params: { warehouseId: string } }>('/:warehouseId/schedule', async (request, reply) => {
      const partner = partnerOf(core, request.params.warehouseId);
      const site = core.spec.warehouses.find((w) => w.id === partner.id)!;
      const parsed = ScheduleRequest.safeParse(request.body);
      if (!parsed.success) {
        return sendProblem(reply, 400, 'VALIDATION_FAILED', 'Bad Request', 'the schedule request is invalid', fieldErrors(parsed.error.issues));
      }
      return {
        warehouse_ref: site.code,
        handling_hours: site.handlingHours,
        pickups: pickupsBetween(site, new Date(parsed.data.from), parsed.data.days).map((p) => ({
          cutoff_at: isoSeconds(p.cutoffAt),
          departs_at: isoSeconds(p.departsAt),
          capacity_remaining: Math.max(0, (partner.knobs.pickup_capacity ?? site.capacityPerPickup) - (core.warehouseLoad.get(warehouseLoadKey(site.id, p.cutoffAt)) ?? 0)),
        })),
      };
    });
  }
  return { register };
}
