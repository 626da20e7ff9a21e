import { z } from 'zod';
import { createSandbox } from './index.js';

/** `npm run sandbox`: the simulated partners as their own process, for adapters under development. */
const Env = z.object({
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  SANDBOX_SEED: z.coerce.number().int().default(42),
});

const env = Env.parse(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== '')));
const sandbox = createSandbox({ seed: env.SANDBOX_SEED });
const { baseUrl } = await sandbox.start({ port: env.SANDBOX_PORT, host: env.SANDBOX_HOST });
process.stdout.write(`${JSON.stringify({ sandbox: baseUrl })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  sandbox.close().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
