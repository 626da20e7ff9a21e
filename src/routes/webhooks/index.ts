import type { FastifyInstance } from 'fastify';
import { intakeRoutes } from './intake.js';
import { integrationRoutes } from './integrations.js';

/** Inbound platform webhooks: the intake (raw bodies, signatures) and the sellers' store connections. */
export async function webhookRoutes(app: FastifyInstance) {
  await app.register(integrationRoutes);
  await app.register(intakeRoutes);
}
