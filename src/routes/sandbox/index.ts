import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../errors.js';
import { SandboxKnobsPatch, SandboxNotFoundError, type Sandbox } from '../../sandbox/index.js';
import { Problem } from '../shared-schemas.js';

/** Only registered when the sandbox runs: inspect and tune the simulated partners. */
export async function sandboxRoutes(app: FastifyInstance, options: { sandbox: Sandbox }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { sandbox } = options;
  r.get('/sandbox/partners', { schema: { tags: ['sandbox'], summary: 'Simulated partners and their knobs' } }, async () => ({ data: sandbox.partners() }));
  r.patch(
    '/sandbox/partners/:id',
    { schema: { tags: ['sandbox'], summary: 'Tune a simulated partner: latency, errors, hangs, stock', params: z.strictObject({ id: z.string().min(1).max(100) }), body: SandboxKnobsPatch, response: { 200: z.record(z.string(), z.unknown()), 400: Problem, 404: Problem } } },
    async (req) => {
      try {
        return sandbox.patchPartner(req.params.id, req.body) as unknown as Record<string, unknown>;
      } catch (err) {
        if (err instanceof SandboxNotFoundError) throw notFound('sandbox partner');
        throw err;
      }
    },
  );
  r.get(
    '/sandbox/instructions',
    { schema: { tags: ['sandbox'], summary: 'Drop-ship instructions the simulated suppliers received, with delivery counts', querystring: z.strictObject({ order_id: z.string().max(100).optional() }) } },
    async (req) => ({ data: sandbox.instructions(req.query.order_id ? { orderId: req.query.order_id } : {}) }),
  );
}
