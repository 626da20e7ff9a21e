import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { Problem } from '../shared-schemas.js';

export async function healthRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness', response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

  r.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'Readiness: database reachable and migrations current', response: { 200: z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.string()) }), 503: Problem } } },
    async () => {
      const checks = await app.services.readiness();
      const failing = Object.entries(checks).filter(([, v]) => v !== 'ok');
      if (failing.length > 0) throw new AppError('NOT_READY', failing.map(([k, v]) => `${k}: ${v}`).join('; '), [], { checks });
      return { status: 'ready' as const, checks };
    },
  );

  r.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics', response: { 200: z.string() } } }, async (_req, reply) =>
    reply.type('text/plain; version=0.0.4').serializer((x: unknown) => String(x)).send(app.services.metrics.registry.render()),
  );

}
