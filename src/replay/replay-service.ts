import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newSortableId } from '../lib/ids.js';
import { enginePolicyOf } from '../network/policy.js';
import type { EnginePolicy } from '../promise-engine/types.js';
import { readSnapshot } from './engine-snapshot.js';
import { toInstant, type ReplayRequest } from './replay-params.js';
import { createReplay, type ActualOutcome, type PastDecision, type ReplayResult } from './replay-core.js';
import { createPollingLoop } from '../lib/polling-loop.js';

/** A run holds its job this long; a crashed instance's job is claimed again after it. Renewed on progress. */
export const REPLAY_LEASE_MS = 120_000;
const MAX_ATTEMPTS = 3;
const DIFF_LIMIT = 50;
const PROGRESS_EVERY = 200;
/** Outcomes of orders placed in the window settle after it; look this far past `to` for them. */
const SETTLE_HORIZON_MS = 45 * 86_400_000;

/** Bind parameters are capped (65,535 in PostgreSQL): look shipments up a slice of orders at a time. */
const ID_CHUNK = 5000;

export type ReplayView = {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  params: ReplayRequest;
  progress: { done: number; total: number };
  result: (ReplayResult & { currency: string | null }) | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
};

type Log = { warn(obj: object, msg: string): void };

export function createReplayService(deps: { db: Kysely<Database>; clock: Clock; log?: Log }) {
  const { db, clock } = deps;

  async function shipmentsOf(orderIds: string[]) {
    const out = [];
    for (let i = 0; i < orderIds.length; i += ID_CHUNK) {
      out.push(...(await db.selectFrom('shipments').selectAll().where('order_id', 'in', orderIds.slice(i, i + ID_CHUNK)).execute()));
    }
    return out;
  }

  /** Loads the window's decisions and outcomes and replays them; `onProgress` may renew a lease. */
  async function run(sellerId: string, params: ReplayRequest, onProgress?: (done: number, total: number) => Promise<void> | void) {
    const from = toInstant(params.from);
    const to = toInstant(params.to);
    const rows = await db
      .selectFrom('decisions')
      .innerJoin('orders', 'orders.id', 'decisions.order_id')
      .select(['decisions.order_id', 'decisions.policy_version', 'decisions.record', 'orders.status', 'orders.currency'])
      .where('decisions.seller_id', '=', sellerId)
      .where('orders.created_at', '>=', from)
      .where('orders.created_at', '<', to)
      .orderBy('decisions.order_id')
      .execute();
    const orderIds = rows.map((r) => r.order_id);
    const [policies, shipments, outcomeRows] = await Promise.all([
      db.selectFrom('promise_policies').selectAll().where('seller_id', '=', sellerId).execute(),
      shipmentsOf(orderIds),
      db
        .selectFrom('promise_outcomes')
        .selectAll()
        .where('seller_id', '=', sellerId)
        .where('deliver_by', '>=', from)
        .where('deliver_by', '<', new Date(to.getTime() + SETTLE_HORIZON_MS))
        .execute(),
    ]);
    const policyOf = new Map(policies.map((p): [number, EnginePolicy] => [p.version, enginePolicyOf(p)]));
    const outcomes: (ActualOutcome & { orderId: string })[] = outcomeRows.map((o) => ({
      orderId: o.order_id,
      supplierId: o.supplier_id,
      warehouseId: o.warehouse_id,
      carrierAccountId: o.carrier_account_id,
      service: o.service,
      outcome: o.outcome,
      cause: o.cause,
      compensationMinor: Number(o.compensation_minor),
    }));
    const shipmentsByOrder = groupBy(shipments, (s) => s.order_id);
    const outcomesByOrder = groupBy(outcomes, (o) => o.orderId);
    const past: PastDecision[] = rows.flatMap((row) => {
      const policy = policyOf.get(row.policy_version);
      if (!policy) return [];
      const own = (shipmentsByOrder.get(row.order_id) ?? []).filter((s) => !s.superseded_at);
      const record = row.record as { outcome?: string };
      return [
        {
          orderId: row.order_id,
          snapshot: readSnapshot(row.record),
          policy,
          recorded: {
            outcome: record.outcome === 'promise' ? 'promise' : 'decline',
            shipments: own.map((s) => ({ supplierId: s.supplier_id, warehouseId: s.warehouse_id, carrierAccountId: s.carrier_account_id, service: s.service, landedCostMinor: s.landed_cost_minor, confidence: s.confidence })),
          },
          actual: outcomesByOrder.get(row.order_id) ?? [],
        },
      ];
    });
    const replay = createReplay(outcomes, params.policy, { diffLimit: DIFF_LIMIT });
    await onProgress?.(0, past.length);
    for (const [i, order] of past.entries()) {
      replay.add(order);
      if ((i + 1) % PROGRESS_EVERY === 0 || i + 1 === past.length) {
        await onProgress?.(i + 1, past.length);
        // decide() is CPU-bound: let requests in between batches.
        await new Promise((r) => setImmediate(r));
      }
    }
    const result = replay.result();
    return { ...result, currency: rows[0]?.currency ?? null };
  }

  async function claim(): Promise<{ id: string; seller_id: string; params: unknown; attempts: number } | undefined> {
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('replays')
        .select('id')
        .where((eb) => eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'running'), eb('locked_until', '<', now)])]))
        .orderBy('created_at')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!due) return undefined;
      return trx
        .updateTable('replays')
        .set({ status: 'running', locked_until: new Date(now.getTime() + REPLAY_LEASE_MS), attempts: sql`attempts + 1`, started_at: now })
        .where('id', '=', due.id)
        .returning(['id', 'seller_id', 'params', 'attempts'])
        .executeTakeFirst();
    });
  }

  /** Claims and runs one job; false when none is due. Only the lease holder (same locked_until) writes the end. */
  async function tick(): Promise<boolean> {
    const job = await claim();
    if (!job) return false;
    const params = job.params as ReplayRequest;
    let lease = (await db.selectFrom('replays').select('locked_until').where('id', '=', job.id).executeTakeFirstOrThrow()).locked_until!;
    const owned = (q: ReturnType<typeof update>) => q.where('id', '=', job.id).where('status', '=', 'running').where('locked_until', '=', lease);
    const update = () => db.updateTable('replays');
    try {
      if (job.attempts > MAX_ATTEMPTS) throw new Error(`gave up after ${MAX_ATTEMPTS} attempts (the worker crashed or timed out each time)`);
      const result = await run(job.seller_id, params, async (done, total) => {
        const next = new Date(clock.now().getTime() + REPLAY_LEASE_MS);
        await owned(update().set({ progress_done: done, progress_total: total, locked_until: next })).execute();
        lease = next;
      });
      await owned(update().set({ status: 'done', result: JSON.stringify(result), locked_until: null, finished_at: clock.now() })).execute();
    } catch (err) {
      deps.log?.warn({ err, replayId: job.id }, 'replay failed');
      await owned(update().set({ status: 'failed', error: (err as Error).message, locked_until: null, finished_at: clock.now() })).execute();
    }
    return true;
  }

  const worker = createPollingLoop(tick, (err) => deps.log?.warn({ err }, 'replay worker tick failed'));

  return {
    run,
    tick,
    async enqueue(sellerId: string, params: ReplayRequest): Promise<{ id: string; status: 'queued' }> {
      const now = clock.now();
      const id = newSortableId('rpl', now.getTime());
      await db.insertInto('replays').values({ id, seller_id: sellerId, params: JSON.stringify(params), created_at: now }).execute();
      return { id, status: 'queued' };
    },
    async get(sellerId: string, id: string): Promise<ReplayView> {
      const row = await db.selectFrom('replays').selectAll().where('seller_id', '=', sellerId).where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound('replay');
      return {
        id: row.id,
        status: row.status,
        params: row.params as ReplayRequest,
        progress: { done: row.progress_done, total: row.progress_total },
        result: (row.result as ReplayView['result']) ?? null,
        error: row.error,
        created_at: row.created_at.toISOString(),
        started_at: row.started_at?.toISOString() ?? null,
        finished_at: row.finished_at?.toISOString() ?? null,
      };
    },
    start(intervalMs: number) {
      worker.start(intervalMs);
    },
    async stop() {
      await worker.stop();
    },
  };
}
export type ReplayService = ReturnType<typeof createReplayService>;

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
