import { z } from 'zod';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./.pledge'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  PROMISE_DEADLINE_MS: z.coerce.number().int().min(50).max(30_000).default(1500),
  /** How long the order request waits for the drop-ship instruction and label before answering "pending". */
  INSTRUCTION_WAIT_MS: z.coerce.number().int().min(0).max(30_000).default(400),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PLEDGE_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  PLEDGE_DEMO_API_KEY: z
    .string()
    .regex(/^pk_[A-Za-z0-9_]{16,}$/, 'must look like pk_ followed by at least 16 letters, digits or _')
    .optional(),
  /** Unset: the sandbox runs when no DATABASE_URL is configured (the all-embedded demo). */
  PLEDGE_SANDBOX: booleanFlag.optional(),
  /**
   * With the sandbox: its suppliers and carriers call Pledge back (events, tracking webhooks) for the
   * demo orders (`demo`), for every order (`all`), or never (`off`).
   */
  PLEDGE_SANDBOX_CALLBACKS: z.enum(['off', 'demo', 'all']).default('demo'),
  /** Real milliseconds per simulated hour of fulfillment in the sandbox (1,000: delivered in about 45 s). */
  PLEDGE_SANDBOX_MS_PER_HOUR: z.coerce.number().int().min(1).max(3_600_000).default(1000),
  /** Demo orders placed on a new demo seller's first start, so the pages have something to show (0: none). */
  PLEDGE_DEMO_ORDERS: z.coerce.number().int().min(0).max(1000).default(12),
  PLEDGE_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)')
    .optional(),
  PLEDGE_ALLOW_PRIVATE_PARTNER_URLS: booleanFlag.optional(),
  /** Hedged duplicate of slow quote/rate reads (never instructions or purchases). */
  PLEDGE_HEDGING: booleanFlag.default(true),
  RELAY_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /** How often the breach worker looks for due timers and open breaches; unset: the relay's interval (at least 1 s). */
  BREACH_INTERVAL_MS: z.coerce.number().int().min(1000).max(600_000).optional(),
  QUOTE_CACHE_TTL_MS: z.coerce.number().int().min(0).default(10 * 60_000),
  /** Unset: an embedded Anvil node under DATA_DIR anchors the milestone batches. */
  CHAIN_RPC_URL: z.url({ protocol: /^https?$/ }).optional(),
  CHAIN_PRIVATE_KEY: z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'must be 32 bytes of hex').optional(),
  CHAIN_KEYSTORE_FILE: z.string().min(1).optional(),
  CHAIN_KEYSTORE_PASSWORD: z.string().optional(),
  /** Blocks (the anchoring one included) before an anchor is final. Default: 1 embedded, 12 over RPC. */
  CHAIN_CONFIRMATIONS: z.coerce.number().int().min(1).max(1000).optional(),
  /** An Anchor contract already deployed; unset: Pledge deploys one on first use and records it. */
  CHAIN_CONTRACT_ADDRESS: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 20-byte 0x address').optional(),
  ANCHOR_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(1000),
  ANCHOR_BATCH_MAX_AGE_MS: z.coerce.number().int().min(100).default(30_000),
  ANCHOR_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(2000),
});

/** A secret config value: readable on purpose with reveal(), never by logging or serializing the config. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString() {
    return '[redacted]';
  }
  toJSON() {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')]() {
    return '[redacted]';
  }
}

export type Config = Readonly<{
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  promiseDeadlineMs: number;
  instructionWaitMs: number;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  adminToken: string | undefined;
  demoApiKey: string | undefined;
  sandbox: boolean;
  sandboxCallbacks: 'off' | 'demo' | 'all';
  sandboxMsPerHour: number;
  demoOrders: number;
  secretKeyHex: string | undefined;
  allowPrivatePartnerUrls: boolean;
  relayIntervalMs: number;
  breachIntervalMs: number | undefined;
  quoteCacheTtlMs: number;
  isHedgingEnabled: boolean;
  chainRpcUrl: string | undefined;
  chainPrivateKey: Secret | undefined;
  chainKeystoreFile: string | undefined;
  chainKeystorePassword: Secret | undefined;
  chainConfirmations: number;
  chainContractAddress: string | undefined;
  anchorBatchSize: number;
  anchorBatchMaxAgeMs: number;
  anchorIntervalMs: number;
}>;

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = Env.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? '?'), message: i.message })),
    );
  }
  const e = parsed.data;
  const chainIssues = [
    ...(e.CHAIN_PRIVATE_KEY && e.CHAIN_KEYSTORE_FILE ? [{ variable: 'CHAIN_KEYSTORE_FILE', message: 'set CHAIN_PRIVATE_KEY or a keystore, not both' }] : []),
    ...(e.CHAIN_KEYSTORE_FILE && e.CHAIN_KEYSTORE_PASSWORD === undefined ? [{ variable: 'CHAIN_KEYSTORE_PASSWORD', message: 'required with CHAIN_KEYSTORE_FILE' }] : []),
    ...((e.CHAIN_PRIVATE_KEY || e.CHAIN_KEYSTORE_FILE) && !e.CHAIN_RPC_URL ? [{ variable: 'CHAIN_RPC_URL', message: 'required with a chain key (the embedded node uses its own dev key)' }] : []),
  ];
  if (chainIssues.length) throw new ConfigError(chainIssues);
  const embeddedDatabase = e.DATABASE_URL === undefined;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    promiseDeadlineMs: e.PROMISE_DEADLINE_MS,
    instructionWaitMs: e.INSTRUCTION_WAIT_MS,
    logLevel: e.LOG_LEVEL,
    adminToken: e.PLEDGE_ADMIN_TOKEN,
    demoApiKey: e.PLEDGE_DEMO_API_KEY,
    sandbox: e.PLEDGE_SANDBOX ?? embeddedDatabase,
    sandboxCallbacks: e.PLEDGE_SANDBOX_CALLBACKS,
    sandboxMsPerHour: e.PLEDGE_SANDBOX_MS_PER_HOUR,
    demoOrders: e.PLEDGE_DEMO_ORDERS,
    secretKeyHex: e.PLEDGE_SECRET_KEY,
    // The sandbox lives on loopback, so it needs private URLs; a real deployment must opt in explicitly.
    allowPrivatePartnerUrls: e.PLEDGE_ALLOW_PRIVATE_PARTNER_URLS ?? (embeddedDatabase || e.PLEDGE_SANDBOX === true),
    relayIntervalMs: e.RELAY_INTERVAL_MS,
    breachIntervalMs: e.BREACH_INTERVAL_MS,
    quoteCacheTtlMs: e.QUOTE_CACHE_TTL_MS,
    isHedgingEnabled: e.PLEDGE_HEDGING,
    chainRpcUrl: e.CHAIN_RPC_URL,
    chainPrivateKey: e.CHAIN_PRIVATE_KEY ? new Secret(e.CHAIN_PRIVATE_KEY.startsWith('0x') ? e.CHAIN_PRIVATE_KEY : `0x${e.CHAIN_PRIVATE_KEY}`) : undefined,
    chainKeystoreFile: e.CHAIN_KEYSTORE_FILE,
    chainKeystorePassword: e.CHAIN_KEYSTORE_PASSWORD !== undefined ? new Secret(e.CHAIN_KEYSTORE_PASSWORD) : undefined,
    chainConfirmations: e.CHAIN_CONFIRMATIONS ?? (e.CHAIN_RPC_URL ? 12 : 1),
    chainContractAddress: e.CHAIN_CONTRACT_ADDRESS,
    anchorBatchSize: e.ANCHOR_BATCH_SIZE,
    anchorBatchMaxAgeMs: e.ANCHOR_BATCH_MAX_AGE_MS,
    anchorIntervalMs: e.ANCHOR_INTERVAL_MS,
  });
}
