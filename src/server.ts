import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { connectDemoPartners, seedDemoOrders } from './demo/demo-fulfillment.js';
import { DEMO_SELLER_ID, ensureDemoSeller } from './demo/demo-seller.js';
import { createRuntime } from './runtime.js';

/** The only place that reads the environment, creates clients and listens. */
export async function startServer(config: Config) {
  const runtime = await createRuntime(config, { logger: { level: config.logLevel } });
  const app = await buildApp(runtime.deps);

  let demoKey: string | undefined;
  if (runtime.sandbox && runtime.sandboxUrl) {
    const keyFile = join(resolve(config.dataDir), 'demo-api-key');
    const remembered = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined;
    const demo = await ensureDemoSeller({
      db: runtime.deps.db,
      secrets: runtime.deps.secrets,
      world: runtime.sandbox.world,
      sandboxUrl: runtime.sandboxUrl,
      apiKey: config.demoApiKey ?? remembered,
    });
    if (demo.isNewKey && !config.demoApiKey) writeFileSync(keyFile, `${demo.apiKey}\n`, { mode: 0o600 });
    demoKey = demo.apiKey;
  }

  await app.listen({ port: config.port, host: config.host });
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${(app.server.address() as { port: number }).port}`;
  const banner = [
    `Pledge is listening on ${url}`,
    `  API docs:      ${url}/docs`,
    `  database:      ${runtime.database.kind === 'pglite' ? `embedded PGlite in ${resolve(config.dataDir, 'db')}` : 'PostgreSQL (DATABASE_URL)'}`,
    `  shared state:  ${runtime.deps.state.kind === 'redis' ? 'Redis (REDIS_URL)' : 'in-process (single instance)'}`,
    ...(runtime.sandboxUrl ? [`  sandbox:       ${runtime.sandboxUrl} (simulated suppliers, warehouses, carriers)`] : []),
    ...(demoKey ? [`  demo API key:  ${demoKey}`] : []),
    ...(runtime.generated.adminToken ? [`  admin token:   ${runtime.generated.adminToken}`] : []),
  ];
  process.stdout.write(`${banner.join('\n')}\n`);

  if (runtime.sandbox && config.sandboxCallbacks !== 'off') {
    // Partners reach Pledge on loopback whatever HOST is (0.0.0.0 or ::, say).
    const pledgeUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    await connectDemoPartners({ sandbox: runtime.sandbox, milestones: app.services.milestones, pledgeUrl });
    runtime.sandbox.fulfillment.start();
    const hasOrders = await runtime.deps.db.selectFrom('orders').select('id').where('seller_id', '=', DEMO_SELLER_ID).limit(1).executeTakeFirst();
    if (demoKey && config.demoOrders > 0 && !hasOrders) {
      const sandbox = runtime.sandbox;
      void seedDemoOrders({ pledgeUrl, apiKey: demoKey, count: config.demoOrders, log: app.log, onPlaced: (orderId) => sandbox.fulfillment.follow(orderId) }).then((n) =>
        app.log.info({ promised: n }, 'demo orders placed'),
      );
    }
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight orders');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    try {
      await app.close();
      await runtime.close();
    } finally {
      clearTimeout(force);
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  return { app, runtime, url };
}

export function configOrExit(env = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
