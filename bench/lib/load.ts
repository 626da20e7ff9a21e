import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

export type OrderSample = {
  seq: number;
  sku: string;
  /** null: no HTTP answer at all (connection error, client timeout). */
  httpStatus: number | null;
  /** From the moment the request was due (open loop) or sent (closed loop) to the whole body. */
  httpMs: number;
  orderId: string | null;
  orderStatus: 'promised' | 'declined' | null;
  declineCode: string | null;
  decidedInMs: number | null;
  instructionStatus: string | null;
  /** The problem `code` of a non-201 answer, or the transport error. */
  error: string | null;
};

export type Client = ReturnType<typeof createClient>;

const SHIP_TO = { name: 'Ada Lovelace', line1: '1 Main St', city: 'New York', region: 'NY', postal_code: '10001', country: 'US', email: 'ada@example.com' };

/** One keep-alive pool to the API; every request carries the seller key. */
export function createClient(origin: string, apiKey: string, opts: { connections: number; timeoutMs: number }) {
  const pool = new Pool(origin, {
    connections: opts.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
  });
  const auth = `Bearer ${apiKey}`;

  async function placeOrder(runId: string, seq: number, sku: string, dueAt = performance.now()): Promise<OrderSample> {
    const body = JSON.stringify({
      external_id: `bench-${runId}-${seq}`,
      currency: 'USD',
      ship_to: SHIP_TO,
      lines: [{ sku, quantity: 1, unit_price_minor: 2500 }],
    });
    const sample: OrderSample = { seq, sku, httpStatus: null, httpMs: 0, orderId: null, orderStatus: null, declineCode: null, decidedInMs: null, instructionStatus: null, error: null };
    try {
      const res = await pool.request({
        method: 'POST',
        path: '/v1/orders',
        headers: { authorization: auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body,
      });
      const json = (await res.body.json()) as Record<string, any>;
      sample.httpMs = performance.now() - dueAt;
      sample.httpStatus = res.statusCode;
      if (res.statusCode === 201) {
        sample.orderId = json.id;
        sample.orderStatus = json.status;
        sample.decidedInMs = json.decided_in_ms;
        sample.declineCode = json.status === 'declined' ? json.code : null;
        sample.instructionStatus = json.status === 'promised' ? json.instruction.status : null;
      } else {
        sample.error = String(json.code ?? res.statusCode);
      }
    } catch (err) {
      sample.httpMs = performance.now() - dueAt;
      sample.error = (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err));
    }
    return sample;
  }

  async function getJson<T = any>(path: string): Promise<{ status: number; body: T }> {
    const res = await pool.request({ method: 'GET', path, headers: { authorization: auth } });
    return { status: res.statusCode, body: (await res.body.json()) as T };
  }

  return { placeOrder, getJson, close: () => pool.close() };
}

/**
 * `concurrency` workers, each sending the next request as soon as its previous one answered, until
 * `count` were sent or `maxMs` passed (then the ones in flight finish).
 */
export async function closedLoop<T>(count: number, concurrency: number, maxMs: number, send: (seq: number) => Promise<T>): Promise<{ samples: T[]; wallMs: number; isTimeBound: boolean }> {
  const samples: T[] = [];
  let next = 0;
  const t0 = performance.now();
  const stopAt = t0 + maxMs;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count && performance.now() < stopAt) {
        const seq = next++;
        samples[seq] = await send(seq);
      }
    }),
  );
  return { samples, wallMs: performance.now() - t0, isTimeBound: next < count };
}

/** Requests per second a bare HTTP server manages here, and the CPU each side spends per request. */
export async function helloBaseline(origin: string, concurrency: number, maxMs: number) {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  const cpu0 = process.cpuUsage();
  const run = await closedLoop(Number.MAX_SAFE_INTEGER, concurrency, maxMs, async () => {
    const res = await pool.request({ method: 'POST', path: '/', headers: { 'content-type': 'application/json' }, body: '{"sku":"MUG-001"}' });
    await res.body.text();
    return res.statusCode;
  });
  const cpu = process.cpuUsage(cpu0);
  await pool.close();
  const n = run.samples.length;
  return { requests: n, wallMs: run.wallMs, clientCpuUsPerRequest: Math.round((cpu.user + cpu.system) / n) };
}

/**
 * Open loop: order `seq` is due at start + seq / rate whatever happened to the earlier ones, and its
 * latency counts from when it was due, so a stalled server cannot hide its queue (no coordinated omission).
 * Past `maxInFlight` unanswered orders the due order is not sent but counted as shed, which keeps an
 * overloaded run bounded in time; `shed` says how far the server was from keeping up.
 */
export async function openLoop<T>(
  count: number,
  ratePerSecond: number,
  maxInFlight: number,
  send: (seq: number, dueAt: number) => Promise<T>,
): Promise<{ samples: T[]; wallMs: number; maxSendLagMs: number; shed: number; maxInFlight: number }> {
  const running: Promise<T>[] = [];
  const t0 = performance.now();
  let maxSendLagMs = 0;
  let inFlight = 0;
  let peak = 0;
  let shed = 0;
  for (let seq = 0; seq < count; seq++) {
    const dueAt = t0 + (seq * 1000) / ratePerSecond;
    const wait = dueAt - performance.now();
    if (wait >= 1) await sleep(wait);
    maxSendLagMs = Math.max(maxSendLagMs, performance.now() - dueAt);
    if (inFlight >= maxInFlight) {
      shed++;
      continue;
    }
    inFlight++;
    peak = Math.max(peak, inFlight);
    running.push(send(seq, dueAt).finally(() => inFlight--));
  }
  const samples = await Promise.all(running);
  return { samples, wallMs: performance.now() - t0, maxSendLagMs, shed, maxInFlight: peak };
}

/** Runs `fn` over `items` with at most `concurrency` at once, keeping the order. */
export async function mapLimit<A, B>(items: readonly A[], concurrency: number, fn: (item: A) => Promise<B>): Promise<B[]> {
  const out: B[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
