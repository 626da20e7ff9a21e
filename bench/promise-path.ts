/**
 * `npm run bench`: the promise path under load, with the API server, the sandbox partners, PostgreSQL
 * and Redis in separate processes, driven from this process over keep-alive HTTP on 127.0.0.1.
 *
 *   baseline         a bare node:http server, for scale: what this machine does per HTTP exchange
 *   (a) throughput   partners answer at once; closed loop; orders/s, CPU per order, DB lock waits;
 *                    then the same spread over several sellers (per-seller serialization shows)
 *   (b) long tail    partners median 120 ms, p99 900 ms, 5 % hangs; open loop; decided_in_ms and HTTP
 *   (c) overhead     decided_in_ms minus the slowest awaited partner, at a rate this machine sustains
 *                    and at the 300 orders/s of the target
 *   (d) peak RSS     VmHWM of each server process
 *   naive            (b) again on a server that waits for every partner: deadline 30 s (= partner
 *                    timeout), no hedging
 *
 * BENCH_QUICK=1: a short smoke run. BENCH_HEDGING=on|off: PLEDGE_HEDGING for the Pledge server
 * (off writes promise-path.hedging-off.json). BENCH_CONCURRENCY: closed-loop workers (16).
 * BENCH_CPU_PROF_DIR: V8 CPU profiles of the servers. Results: bench/results/promise-path.json,
 * read in BENCHMARKS.md. Nothing here is a test: the numbers depend on the machine and on whatever
 * else it is doing, which each phase records (cpu_cores.everything_else).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { request } from 'undici';
import { freePort, spawnTs, stopAll, waitFor, type Child } from './lib/children.js';
import { closedLoop, createClient, helloBaseline, mapLimit, openLoop, type Client, type OrderSample } from './lib/load.js';
import { databaseCounters, perUnit, sessionPids, startDbSampler } from './lib/db-sampler.js';
import { loadAverage, machineFacts, pidsMentioning, startCpuMeter, statusKb } from './lib/proc.js';
import { countBy, ratio, summarize, type Summary } from './lib/stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_PATH = join(ROOT, 'bench', 'results', process.env.BENCH_HEDGING === 'off' ? 'promise-path.hedging-off.json' : 'promise-path.json');

const QUICK = process.env.BENCH_QUICK === '1';
const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
/** Sellers in the second throughput run (the first uses one). */
const SELLERS = 4;
/** Open-loop runs stop sending (and count the order as shed) past this many unanswered orders. */
const MAX_IN_FLIGHT = 600;
/** BENCH_HEDGING=off|on sets PLEDGE_HEDGING for the Pledge server (default: the server's own default, on). */
const HEDGING = process.env.BENCH_HEDGING === undefined ? undefined : ['on', 'true', '1'].includes(process.env.BENCH_HEDGING);
/** Optional: a directory for V8 CPU profiles of the server (`--cpu-prof`), to see where its time goes. */
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF_DIR;

/**
 * Every phase is bounded in count and in time. The long-tail runs use 40 orders/s, or half of what
 * (a) measured when that is less: an overloaded server measures its queue, not the deadline.
 */
const PLAN = QUICK
  ? { baselineS: 2, warmup: 200, warmupS: 8, throughput: 1000, throughputS: 15, multiS: 10, tailRate: 40, tailS: 4, overheadRate: 300, overheadS: 4, naiveWarmup: 50, naiveWarmupS: 5 }
  : { baselineS: 4, warmup: 500, warmupS: 15, throughput: 5000, throughputS: 45, multiS: 30, tailRate: 40, tailS: 10, overheadRate: 300, overheadS: 15, naiveWarmup: 200, naiveWarmupS: 10 };

const DEADLINE_MS = 1500;
const NAIVE_DEADLINE_MS = 30_000;
/** Every bench partner: no client-side queueing or rate cap in the way, and a timeout long enough for the naive run. */
const PARTNER_LIMITS = { max_concurrency: 1000, rate_limit_per_second: 100_000, timeout_ms: 30_000 };
/** Single-line orders over SKUs with one or two sources: 5 or 10 partner calls per decision. */
const SKUS = ['MUG-001', 'LAMP-01', 'HEADPHONES-01', 'TEE-RED-M', 'THROW-01', 'CHARGER-65W'];

const ZERO_LATENCY = { latency_ms_median: 0, latency_ms_p99: 0, error_rate: 0, hang_rate: 0 };
const LONG_TAIL = { latency_ms_median: 120, latency_ms_p99: 900, error_rate: 0, hang_rate: 0.05 };

type World = {
  suppliers: { id: string; name: string; apiKey: string; path: string }[];
  warehouses: { id: string; name: string; supplierId: string; apiKey: string; path: string; address: { region: string; postalCode: string; city: string; country: string } }[];
  carrierAccounts: { id: string; carrier: string; name: string; apiKey: string; path: string }[];
  catalog: { sku: string; supplierId: string; supplierSku: string; warehouseId: string; unitCostMinor: number; currency: string; weightGrams: number }[];
};

async function http<T = any>(method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, body?: unknown, token?: string): Promise<T> {
  const res = await request(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Sets the same knobs on every sandbox partner. Stock and pickup capacity are set high (they exist on
 * suppliers and warehouses only): thousands of orders must not run a site dry and turn into declines.
 */
async function setKnobs(sandboxUrl: string, knobs: Record<string, number>) {
  const { data } = await http<{ data: { id: string; kind: string }[] }>('GET', `${sandboxUrl}/_sandbox/partners`);
  for (const p of data) {
    const only = p.kind === 'supplier' ? { stock: 1_000_000 } : p.kind === 'warehouse' ? { pickup_capacity: 1_000_000 } : {};
    await http('PATCH', `${sandboxUrl}/_sandbox/partners/${p.id}`, { ...knobs, ...only });
  }
}

/**
 * A seller created through the public API, wired to the standalone sandbox's partners. Its warehouse
 * ids are Pledge's, not the sandbox sites': each is mapped to the site its base URL points at, so
 * instructions book pickups as they do for the demo seller (capacity is set high by setKnobs).
 */
async function createBenchSeller(api: string, adminToken: string, sandboxUrl: string, name = 'Bench Seller') {
  const seller = await http('POST', `${api}/v1/sellers`, { name }, adminToken);
  const key: string = seller.api_key.key;
  const world = await http<World>('GET', `${sandboxUrl}/_sandbox/world`);
  const ids = new Map<string, string>();
  for (const s of world.suppliers) {
    const row = await http('POST', `${api}/v1/suppliers`, { name: s.name, base_url: sandboxUrl + s.path, credentials: { api_key: s.apiKey }, limits: PARTNER_LIMITS }, key);
    ids.set(s.id, row.id);
  }
  for (const w of world.warehouses) {
    const row = await http(
      'POST',
      `${api}/v1/warehouses`,
      {
        name: w.name,
        base_url: sandboxUrl + w.path,
        supplier_id: ids.get(w.supplierId),
        address: { country: w.address.country, region: w.address.region, postal_code: w.address.postalCode, city: w.address.city },
        credentials: { api_key: w.apiKey },
        limits: PARTNER_LIMITS,
      },
      key,
    );
    ids.set(w.id, row.id);
    await http('PUT', `${sandboxUrl}/_sandbox/warehouse-refs/${row.id}`, { base_url: sandboxUrl + w.path });
  }
  for (const c of world.carrierAccounts) {
    const row = await http('POST', `${api}/v1/carrier-accounts`, { carrier: c.carrier, name: c.name, base_url: sandboxUrl + c.path, credentials: { api_key: c.apiKey }, limits: PARTNER_LIMITS }, key);
    ids.set(c.id, row.id);
  }
  for (const o of world.catalog) {
    await http(
      'POST',
      `${api}/v1/catalog/offers`,
      { sku: o.sku, supplier_id: ids.get(o.supplierId), supplier_sku: o.supplierSku, warehouse_id: ids.get(o.warehouseId), unit_cost_minor: o.unitCostMinor, currency: o.currency, weight_grams: o.weightGrams },
      key,
    );
  }
  return { sellerId: seller.id as string, apiKey: key, partnerIds: [...ids.values()] };
}

type Server = { child: Child; url: string };

async function startPledge(
  label: string,
  ctx: { tmp: string; databaseUrl: string; adminToken: string; secretKey: string },
  opts: { deadlineMs: number; isHedging: boolean | undefined },
): Promise<Server> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {};
  // Only what a shell needs: the server must see our configuration, not the caller's DATABASE_URL.
  for (const k of ['PATH', 'HOME', 'LANG', 'TMPDIR', 'NODE_EXTRA_CA_CERTS']) if (process.env[k]) env[k] = process.env[k];
  Object.assign(env, {
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: join(ctx.tmp, `data-${label}`),
    DATABASE_URL: ctx.databaseUrl,
    REDIS_URL,
    PLEDGE_SANDBOX: 'false',
    PLEDGE_ALLOW_PRIVATE_PARTNER_URLS: 'true',
    PLEDGE_ADMIN_TOKEN: ctx.adminToken,
    PLEDGE_SECRET_KEY: ctx.secretKey,
    PROMISE_DEADLINE_MS: String(opts.deadlineMs),
    ...(opts.isHedging === undefined ? {} : { PLEDGE_HEDGING: String(opts.isHedging) }),
    // Milestone batches are still cut, but not sent to a chain: an embedded Anvil node would be one
    // more process on the same two cores, which a deployment talking to a remote RPC does not have.
    CHAIN_RPC_URL: 'http://127.0.0.1:9',
    LOG_LEVEL: 'warn',
  });
  // No --cpu-prof-name: tsx's loader thread writes a profile too, and a fixed name lets it overwrite the main thread's.
  const nodeArgs = CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${join(resolve(CPU_PROF_DIR), `server-${label}`)}`] : [];
  const child = spawnTs(`server (${label})`, 'src/cli.ts', ['serve'], { cwd: ROOT, env, logPath: join(ctx.tmp, `server-${label}.log`), nodeArgs });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(child, 'readiness', async () => ((await request(`${url}/readyz`)).statusCode === 200 ? true : undefined));
  return { child, url };
}

/** Slowest awaited partner per order, from its decision record, and what the engine added on top. */
async function analyzeDecisions(client: Client, samples: OrderSample[], deadlineMs: number) {
  const orders = samples.filter((s) => s.orderId !== null && s.decidedInMs !== null);
  const rows = await mapLimit(orders, 16, async (s) => {
    const { status, body } = await client.getJson(`/v1/orders/${s.orderId}/decision`);
    if (status !== 200) throw new Error(`GET decision ${s.orderId}: ${status}`);
    const quotes = body.quotes as { status: string; latency_ms: number | null }[];
    const measured = quotes.filter((q) => q.latency_ms !== null).map((q) => q.latency_ms!);
    // No latency: nothing came back by the deadline (then marked timed_out or filled from the cache).
    const hitDeadline = quotes.some((q) => q.latency_ms === null);
    const slowest = Math.max(hitDeadline ? deadlineMs : 0, ...measured);
    return { decided: s.decidedInMs!, slowest, overhead: s.decidedInMs! - slowest, hitDeadline, calls: quotes.length, statuses: quotes.map((q) => q.status) };
  });
  return {
    orders: rows.length,
    slowest_awaited_ms: summarize(rows.map((r) => r.slowest)),
    overhead_ms: summarize(rows.map((r) => r.overhead)),
    overhead_ms_all_answered: summarize(rows.filter((r) => !r.hitDeadline).map((r) => r.overhead)),
    overhead_ms_deadline_hit: summarize(rows.filter((r) => r.hitDeadline).map((r) => r.overhead)),
    deadline_hit_share: rows.length ? Math.round((rows.filter((r) => r.hitDeadline).length / rows.length) * 1000) / 1000 : null,
    partner_calls_per_order: summarize(rows.map((r) => r.calls)),
    quote_outcomes: countBy(rows.flatMap((r) => r.statuses), (s) => s),
  };
}

function describeOrders(samples: OrderSample[]) {
  return {
    sent: samples.length,
    http_status: countBy(samples, (s) => String(s.httpStatus ?? 'no_response')),
    errors: countBy(samples.filter((s) => s.error !== null), (s) => s.error!),
    outcome: countBy(samples.filter((s) => s.orderStatus), (s) => (s.orderStatus === 'declined' ? `declined:${s.declineCode}` : 'promised')),
    instruction: countBy(samples.filter((s) => s.instructionStatus), (s) => s.instructionStatus!),
  };
}

function latencyOf(samples: OrderSample[]) {
  const ok = samples.filter((s) => s.decidedInMs !== null);
  return { decided_in_ms: summarize(ok.map((s) => s.decidedInMs!)), http_ms: summarize(ok.map((s) => s.httpMs)) };
}

async function breakerSummary(client: Client) {
  const { body } = await client.getJson<{ data: { breaker: string; isDegraded?: boolean }[] }>('/v1/partners/health');
  return countBy(body.data, (h) => h.breaker);
}

async function outboxOpen(db: pg.Client) {
  const r = await db.query<{ n: string }>('select count(*) as n from outbox where completed_at is null');
  return Number(r.rows[0]!.n);
}

async function main() {
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  const tmp = mkdtempSync(join(tmpdir(), 'pledge-bench-'));
  const dbName = `pledge_bench_${Date.now()}_${process.pid}`;
  const adminToken = `adm_bench_${randomBytes(12).toString('hex')}`;
  const secretKey = randomBytes(32).toString('hex');
  const runId = randomBytes(4).toString('hex');
  const log = (msg: string) => process.stdout.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
  const t0 = performance.now();

  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  const pgVersion = (await admin.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';

  await admin.query(`create database ${dbName}`);
  const dbUrl = new URL(PG_ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  const databaseUrl = dbUrl.toString();
  const benchDb = new pg.Client({ connectionString: databaseUrl });
  const samplerDb = new pg.Client({ connectionString: databaseUrl });

  let partnerIds: string[] = [];
  let failed = true;
  const clients: Client[] = [];
  // Stopping the children makes every pending request fail, so main() unwinds through its cleanup.
  const onSignal = () => {
    log('interrupted: stopping children, then cleaning up');
    process.exitCode = 130;
    setTimeout(() => process.exit(130), 30_000).unref();
    void stopAll();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    log(`machine: ${JSON.stringify(machineFacts())}, PostgreSQL ${pgVersion}, Redis ${redisVersion}, load ${loadAverage().join(' ')}`);
    const results: Record<string, unknown> = {};

    // The floor: what a bare node:http server does on this machine right now.
    const hello = spawnTs('hello', 'bench/lib/hello-server.ts', [], { cwd: ROOT, env: { PATH: process.env.PATH }, logPath: join(tmp, 'hello.log') });
    const helloPort = await waitFor(hello, 'its port', async () => /\{"hello":(\d+)\}/.exec(readFileSync(hello.logPath, 'utf8'))?.[1]);
    const helloCpu = startCpuMeter({ hello: hello.pid });
    const base = await helloBaseline(`http://127.0.0.1:${helloPort}`, 32, PLAN.baselineS * 1000);
    const baseCpu = helloCpu.stop();
    await hello.stop();
    results.baseline_hello_http = {
      concurrency: 32,
      requests_per_s: Math.round((base.requests / base.wallMs) * 1000),
      server_cpu_us_per_request: Math.round((baseCpu.hello! * base.wallMs * 1000) / base.requests),
      client_cpu_us_per_request: base.clientCpuUsPerRequest,
      cpu_cores: baseCpu,
    };
    log(`baseline ${JSON.stringify(results.baseline_hello_http)}`);

    const sandbox = spawnTs('sandbox', 'src/sandbox/standalone.ts', [], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SANDBOX_PORT: '0', SANDBOX_HOST: '127.0.0.1', SANDBOX_SEED: '42' },
      logPath: join(tmp, 'sandbox.log'),
    });
    const sandboxUrl = await waitFor(sandbox, 'its URL', async () => /\{"sandbox":"([^"]+)"\}/.exec(readFileSync(sandbox.logPath, 'utf8'))?.[1]);
    const ctx = { tmp, databaseUrl, adminToken, secretKey };
    let server = await startPledge('pledge', ctx, { deadlineMs: DEADLINE_MS, isHedging: HEDGING });
    log(`sandbox ${sandboxUrl} (pid ${sandbox.pid}), server ${server.url} (pid ${server.child.pid}), database ${dbName}`);
    await benchDb.connect();
    await samplerDb.connect();
    const ownPids = [(await benchDb.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid, (await samplerDb.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid];
    const serverSessions = async () => ({ postgres_server: await sessionPids(benchDb, dbName, ownPids) });

    const seller = await createBenchSeller(server.url, adminToken, sandboxUrl);
    partnerIds = seller.partnerIds;
    let client = createClient(server.url, seller.apiKey, { connections: 1024, timeoutMs: 120_000 });
    clients.push(client);
    const sku = (seq: number) => SKUS[seq % SKUS.length]!;

    // (a) Throughput: partners answer at once; what is left is CPU: ours, the sandbox's, the database's.
    await setKnobs(sandboxUrl, ZERO_LATENCY);
    log(`warm-up: ${PLAN.warmup} orders or ${PLAN.warmupS} s`);
    await closedLoop(PLAN.warmup, CONCURRENCY, PLAN.warmupS * 1000, (seq) => client.placeOrder(`${runId}-w`, seq, sku(seq)));
    await sleep(1000);
    log(`(a) throughput: ${PLAN.throughput} orders or ${PLAN.throughputS} s, concurrency ${CONCURRENCY}`);
    const redisCommands = async () => Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
    const countersBefore = await databaseCounters(benchDb, dbName);
    const redisBefore = await redisCommands();
    const aSampler = startDbSampler(samplerDb, dbName);
    const cpu = startCpuMeter({ server: server.child.pid, sandbox: sandbox.pid }, await serverSessions());
    const a = await closedLoop(PLAN.throughput, CONCURRENCY, PLAN.throughputS * 1000, (seq) => client.placeOrder(`${runId}-a`, seq, sku(seq)));
    const aCpu = cpu.stop(await serverSessions());
    const aSessions = await aSampler.stop();
    await sleep(1500); // backends publish their statistics at most once a second
    const countersAfter = await databaseCounters(benchDb, dbName);
    const redisAfter = await redisCommands();
    const aOk = a.samples.filter((s) => s.httpStatus === 201);
    const aRate = Math.round((aOk.length / a.wallMs) * 1000 * 10) / 10;
    // CPU per order of each process: with the machine to ourselves, 2 cores / their sum bounds orders/s.
    const msPerOrder = (cores: number | undefined) => (cores === undefined || aOk.length === 0 ? null : Math.round(((cores * a.wallMs) / aOk.length) * 10) / 10);
    // postgres_all also holds other users' sessions and the shared background writers; the server's own sessions are the floor.
    const perOrder = { server: msPerOrder(aCpu.server), sandbox: msPerOrder(aCpu.sandbox), postgres_server: msPerOrder(aCpu.postgres_server), postgres_all: msPerOrder(aCpu.postgres_all), redis: msPerOrder(aCpu.redis), bench: msPerOrder(aCpu.bench) };
    const perOrderTotal = [perOrder.server, perOrder.sandbox, perOrder.postgres_server, perOrder.redis].reduce<number>((sum, v) => sum + (v ?? 0), 0);
    results.a_throughput = {
      concurrency: CONCURRENCY,
      wall_s: Math.round(a.wallMs) / 1000,
      stopped_by_time_limit: a.isTimeBound,
      orders_per_s: aRate,
      ...describeOrders(a.samples),
      ...latencyOf(a.samples),
      cpu_cores: aCpu,
      cpu_ms_per_order: perOrder,
      ceiling_orders_per_s_if_alone: perOrderTotal > 0 ? Math.round((machineFacts().nproc * 1000) / perOrderTotal) : null,
      database_per_order: perUnit(countersBefore, countersAfter, a.samples.length),
      database_sessions: aSessions,
      // Server-wide: includes anyone else using this Redis meanwhile.
      redis_commands_per_order: a.samples.length ? Math.round(((redisAfter - redisBefore) / a.samples.length) * 10) / 10 : null,
      outbox_open_after: await outboxOpen(benchDb),
      breakers: await breakerSummary(client),
    };
    log(`(a) ${JSON.stringify(results.a_throughput)}`);

    // (a) again with the orders spread over several sellers: what is serialized per seller shows as the difference.
    const others = [];
    for (let i = 2; i <= SELLERS; i++) others.push(await createBenchSeller(server.url, adminToken, sandboxUrl, `Bench Seller ${i}`));
    partnerIds.push(...others.flatMap((o) => o.partnerIds));
    const spread = [client, ...others.map((o) => createClient(server.url, o.apiKey, { connections: 256, timeoutMs: 120_000 }))];
    clients.push(...spread.slice(1));
    const bySeller = (seq: number) => spread[seq % spread.length]!;
    await closedLoop(PLAN.warmup, CONCURRENCY, PLAN.warmupS * 1000, (seq) => bySeller(seq).placeOrder(`${runId}-mw`, seq, sku(Math.floor(seq / spread.length))));
    log(`(a) over ${spread.length} sellers: ${PLAN.throughput} orders or ${PLAN.multiS} s, concurrency ${CONCURRENCY}`);
    const mSampler = startDbSampler(samplerDb, dbName);
    const mCpu = startCpuMeter({ server: server.child.pid, sandbox: sandbox.pid }, await serverSessions());
    const m = await closedLoop(PLAN.throughput, CONCURRENCY, PLAN.multiS * 1000, (seq) => bySeller(seq).placeOrder(`${runId}-m`, seq, sku(Math.floor(seq / spread.length))));
    const mCores = mCpu.stop(await serverSessions());
    const mOk = m.samples.filter((x) => x.httpStatus === 201);
    results.a_throughput_sellers = {
      sellers: spread.length,
      concurrency: CONCURRENCY,
      wall_s: Math.round(m.wallMs) / 1000,
      orders_per_s: Math.round((mOk.length / m.wallMs) * 1000 * 10) / 10,
      ...describeOrders(m.samples),
      ...latencyOf(m.samples),
      cpu_cores: mCores,
      database_sessions: await mSampler.stop(),
      breakers: await breakerSummary(client),
    };
    log(`(a, ${spread.length} sellers) ${JSON.stringify(results.a_throughput_sellers)}`);

    // (b) and (c) share the partners: long-tailed latency and hangs on every one of them.
    const openPhase = async (label: string, c: Client, opts: { rate: number; seconds: number; deadlineMs: number; serverPid: number }) => {
      const count = Math.round(opts.rate * opts.seconds);
      log(`${label}: ${count} orders at ${opts.rate}/s`);
      const sampler = startDbSampler(samplerDb, dbName);
      const meter = startCpuMeter({ server: opts.serverPid, sandbox: sandbox.pid }, await serverSessions());
      const run = await openLoop(count, opts.rate, MAX_IN_FLIGHT, (seq, due) => c.placeOrder(`${runId}-${label}`, seq, sku(seq), due));
      const cpuCores = meter.stop(await serverSessions());
      const sessions = await sampler.stop();
      const phase = {
        rate_per_s: opts.rate,
        wall_s: Math.round(run.wallMs) / 1000,
        max_send_lag_ms: Math.round(run.maxSendLagMs * 10) / 10,
        peak_in_flight: run.maxInFlight,
        shed_by_client: run.shed,
        ...describeOrders(run.samples),
        ...latencyOf(run.samples),
        decisions: await analyzeDecisions(c, run.samples, opts.deadlineMs),
        cpu_cores: cpuCores,
        database_sessions: sessions,
        breakers: await breakerSummary(c),
      };
      log(`${label} ${JSON.stringify(phase)}`);
      return phase;
    };
    const sustainable = Math.max(5, Math.floor(aRate / 2));
    const tailRate = Math.min(PLAN.tailRate, sustainable);
    await setKnobs(sandboxUrl, LONG_TAIL);
    await sleep(2000);
    const b = await openPhase('b', client, { rate: tailRate, seconds: PLAN.tailS, deadlineMs: DEADLINE_MS, serverPid: server.child.pid });
    results.b_long_tail = b;

    // (c) Engine overhead at a rate this machine sustains, then at the 300 orders/s of the target.
    if (sustainable < PLAN.overheadRate) {
      await sleep(3000);
      results.c_overhead_sustainable = await openPhase('c-sustainable', client, { rate: sustainable, seconds: PLAN.overheadS, deadlineMs: DEADLINE_MS, serverPid: server.child.pid });
    }
    await sleep(3000);
    results.c_overhead = await openPhase('c', client, { rate: PLAN.overheadRate, seconds: PLAN.overheadS, deadlineMs: DEADLINE_MS, serverPid: server.child.pid });

    // (d) Peak RSS of the server that ran (a)-(c), read before it stops.
    const serverPeakKib = statusKb(server.child.pid, 'VmHWM');
    const rss: Record<string, number | null> = { server_pledge_peak_kib: serverPeakKib, server_pledge_current_kib: statusKb(server.child.pid, 'VmRSS') };
    results.outbox_open_before_naive = await outboxOpen(benchDb);
    await client.close();
    log(`stopping the server: ${await server.child.stop()}`);

    // Naive orchestrator: the same server code waiting for every partner (deadline = partner timeout = 30 s).
    // Naive: no deadline to speak of and no hedged duplicates; it waits for every answer or timeout.
    server = await startPledge('naive', ctx, { deadlineMs: NAIVE_DEADLINE_MS, isHedging: false });
    client = createClient(server.url, seller.apiKey, { connections: 1024, timeoutMs: 120_000 });
    clients.push(client);
    await setKnobs(sandboxUrl, ZERO_LATENCY);
    log(`naive warm-up: ${PLAN.naiveWarmup} orders or ${PLAN.naiveWarmupS} s`);
    await closedLoop(PLAN.naiveWarmup, CONCURRENCY, PLAN.naiveWarmupS * 1000, (seq) => client.placeOrder(`${runId}-nw`, seq, sku(seq)));
    await setKnobs(sandboxUrl, LONG_TAIL);
    await sleep(2000);
    const naive = await openPhase('naive', client, { rate: tailRate, seconds: PLAN.tailS, deadlineMs: NAIVE_DEADLINE_MS, serverPid: server.child.pid });
    results.naive_long_tail = naive;
    rss.server_naive_peak_kib = statusKb(server.child.pid, 'VmHWM');
    rss.sandbox_peak_kib = statusKb(sandbox.pid, 'VmHWM');
    results.d_rss = rss;
    await client.close();
    await server.child.stop();
    await sandbox.stop();

    results.ratios_naive_over_pledge = {
      decided_p50: ratio(naive.decided_in_ms.p50, b.decided_in_ms.p50),
      decided_p99: ratio(naive.decided_in_ms.p99, b.decided_in_ms.p99),
      http_p50: ratio(naive.http_ms.p50, b.http_ms.p50),
      http_p99: ratio(naive.http_ms.p99, b.http_ms.p99),
    };
    const ca = results.c_overhead as { decisions: { overhead_ms: Summary } };
    results.targets = {
      a_orders_per_s: { target: '>= 1000', measured: aRate },
      b_decided_p99_ms: { target: `<= ${DEADLINE_MS + 50}`, measured: b.decided_in_ms.p99 },
      c_overhead_p99_ms: { target: '<= 5 at 300/s', measured: ca.decisions.overhead_ms.p99 },
      ...(results.c_overhead_sustainable
        ? { c_overhead_p99_ms_sustainable: { target: '<= 5', measured: (results.c_overhead_sustainable as { decisions: { overhead_ms: Summary } }).decisions.overhead_ms.p99 } }
        : {}),
      d_server_peak_rss_mib: { target: 'report', measured: serverPeakKib === null ? null : Math.round(serverPeakKib / 1024) },
    };

    const output = {
      benchmark: 'promise-path',
      command: [QUICK ? 'BENCH_QUICK=1' : '', process.env.BENCH_HEDGING ? `BENCH_HEDGING=${process.env.BENCH_HEDGING}` : '', process.env.BENCH_CONCURRENCY ? `BENCH_CONCURRENCY=${CONCURRENCY}` : '', 'npm run bench'].filter(Boolean).join(' '),
      quick: QUICK,
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      git_commit: gitCommit(),
      machine: { ...machineFacts(), postgresql: pgVersion, redis: redisVersion, load_average_at_start: loadAtStart, load_average_at_end: loadAverage() },
      setup: {
        processes: 'bench driver (undici Pool) -> pledge server (node --import tsx src/cli.ts serve) -> sandbox (src/sandbox/standalone.ts); PostgreSQL and Redis as system services; all on 127.0.0.1',
        plan: PLAN,
        concurrency: CONCURRENCY,
        promise_deadline_ms: DEADLINE_MS,
        hedging: HEDGING === undefined ? 'server default (PLEDGE_HEDGING unset: on)' : HEDGING,
        naive_deadline_ms: NAIVE_DEADLINE_MS,
        naive_hedging: false,
        chain_rpc_url: 'http://127.0.0.1:9 (nothing listens: batches are cut, nothing is anchored, no Anvil)',
        instruction_wait_ms: 400,
        partner_limits: PARTNER_LIMITS,
        skus: SKUS,
        knobs: { zero: ZERO_LATENCY, long_tail: LONG_TAIL, supplier_stock: 1_000_000 },
      },
      results,
    };
    mkdirSync(dirname(RESULTS_PATH), { recursive: true });
    writeFileSync(RESULTS_PATH, `${JSON.stringify(output, null, 2)}\n`);
    printTable(output.results as any);
    log(`results written to ${RESULTS_PATH}`);
    failed = false;
  } finally {
    for (const c of clients) await c.close().catch(() => {});
    await stopAll();
    // A child's own children (say, a chain node under its DATA_DIR) must not outlive the run either.
    for (const pid of pidsMentioning(tmp)) {
      try {
        log(`stopping leftover process ${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 160)}`);
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await benchDb.end().catch(() => {});
    await samplerDb.end().catch(() => {});
    await admin.query(`drop database if exists ${dbName} with (force)`).catch((err) => log(`could not drop ${dbName}: ${err}`));
    await admin.end();
    await forgetQuoteCache(redis, partnerIds).catch((err) => log(`could not clean the quote cache: ${err}`));
    redis.disconnect();
    if (failed || process.env.BENCH_KEEP_LOGS === '1') log(`logs kept in ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

/** The commit the tree was at (others may have uncommitted changes in it), for reading old results. */
function gitCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const isDirty = execFileSync('git', ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return isDirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return null;
  }
}

/** The server caches partner answers in Redis under pledge:quote:<kind>:<partner id>:...; ours go. */
async function forgetQuoteCache(redis: Redis, partnerIds: string[]) {
  if (partnerIds.length === 0) return;
  const ours = new Set(partnerIds);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'pledge:quote:*', 'COUNT', 1000);
    cursor = next;
    const mine = keys.filter((k) => ours.has(k.split(':')[3] ?? ''));
    if (mine.length > 0) await redis.del(...mine);
  } while (cursor !== '0');
}

function printTable(r: any) {
  const f = (x: number | null | undefined) => (x === null || x === undefined ? '-' : String(x));
  const rows = [
    ['bare node:http hello world, requests/s', f(r.baseline_hello_http.requests_per_s), ''],
    [`(a) orders/s, partners at 0 ms, concurrency ${r.a_throughput.concurrency}`, f(r.a_throughput.orders_per_s), '>= 1000'],
    [`(a) orders/s over ${r.a_throughput_sellers.sellers} sellers`, f(r.a_throughput_sellers.orders_per_s), '>= 1000'],
    ['(a) CPU ms per order: server / sandbox / its postgres sessions', `${f(r.a_throughput.cpu_ms_per_order.server)} / ${f(r.a_throughput.cpu_ms_per_order.sandbox)} / ${f(r.a_throughput.cpu_ms_per_order.postgres_server)}`, ''],
    ['(a) CPU used by other users meanwhile, cores', f(r.a_throughput.cpu_cores.everything_else), ''],
    ['(a) server DB sessions queued on an advisory lock (avg of 10)', f(r.a_throughput.database_sessions.average_sessions['active Lock:advisory'] ?? 0), ''],
    [`(b) at ${r.b_long_tail.rate_per_s}/s: decided_in_ms p50 / p99 / max`, `${f(r.b_long_tail.decided_in_ms.p50)} / ${f(r.b_long_tail.decided_in_ms.p99)} / ${f(r.b_long_tail.decided_in_ms.max)}`, `p99 <= ${DEADLINE_MS + 50}`],
    ['(b) HTTP ms p50 / p99', `${f(r.b_long_tail.http_ms.p50)} / ${f(r.b_long_tail.http_ms.p99)}`, ''],
    ...(r.c_overhead_sustainable
      ? [[`(c) overhead ms p50 / p99 at ${r.c_overhead_sustainable.rate_per_s}/s`, `${f(r.c_overhead_sustainable.decisions.overhead_ms.p50)} / ${f(r.c_overhead_sustainable.decisions.overhead_ms.p99)}`, 'p99 <= 5']]
      : []),
    ['(c) overhead ms p50 / p99 at 300/s', `${f(r.c_overhead.decisions.overhead_ms.p50)} / ${f(r.c_overhead.decisions.overhead_ms.p99)}`, 'p99 <= 5'],
    ['(c) at 300/s: orders answered / shed by the client', `${f(r.c_overhead.http_status['201'])} / ${f(r.c_overhead.shed_by_client)}`, ''],
    ['(d) server peak RSS MiB', f(r.d_rss.server_pledge_peak_kib && Math.round(r.d_rss.server_pledge_peak_kib / 1024)), ''],
    ['naive decided_in_ms p50 / p99', `${f(r.naive_long_tail.decided_in_ms.p50)} / ${f(r.naive_long_tail.decided_in_ms.p99)}`, ''],
    ['naive / pledge p99 (decided, HTTP)', `${f(r.ratios_naive_over_pledge.decided_p99)} / ${f(r.ratios_naive_over_pledge.http_p99)}`, ''],
  ];
  process.stdout.write(`\n| Measure | Result | Target |\n| --- | --- | --- |\n${rows.map((row) => `| ${row.join(' | ')} |`).join('\n')}\n\n`);
}

main().catch(async (err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await stopAll();
  process.exit(1);
});
