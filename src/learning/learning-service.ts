import type { Kysely, Selectable } from 'kysely';
import type { Database, PromiseOutcomesTable } from '../db/database.js';
import { notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { DAY_MS, DEFAULT_HALF_LIFE_DAYS, DEFAULT_RISK_AVERSION, decayToNow } from './estimates.js';
import { addWeeks, isoWeekStart } from './supplier-rating.js';
import { componentKeys, decayed, observe, priorFor, summary, type ComponentKind, type ComponentUpdate, type Posterior } from './success-model.js';

export type LearningSettings = { halfLifeDays: number; riskAversion: number };
export const DEFAULT_LEARNING_SETTINGS: LearningSettings = { halfLifeDays: DEFAULT_HALF_LIFE_DAYS, riskAversion: DEFAULT_RISK_AVERSION };

export type LearningServiceDeps = {
  db: Kysely<Database>;
  clock: Clock;
  settings?: Partial<LearningSettings>;
  log?: { warn(obj: unknown, msg: string): void };
};

type OutcomeRow = Selectable<PromiseOutcomesTable>;
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const roundSummary = (s: ReturnType<typeof summary>) => ({ mean: round(s.mean), lower: round(s.lower), upper: round(s.upper), n: round(s.n, 2) });

export function createLearningService(deps: LearningServiceDeps) {
  const { db, clock } = deps;
  const settings: LearningSettings = { ...DEFAULT_LEARNING_SETTINGS, ...deps.settings };

  /**
   * The event handler: folds one settled promise into the estimates of the components it judges.
   * Idempotent per outcome: `learning_applied` is inserted first and a second apply (a retry, another
   * instance) conflicts and changes nothing. Returns whether this call applied it. Run it in a transaction.
   */
  async function applyOutcome(trx: Kysely<Database>, outcomeId: string): Promise<boolean> {
    const outcome = await trx.selectFrom('promise_outcomes').selectAll().where('id', '=', outcomeId).executeTakeFirst();
    if (!outcome) throw notFound('promise outcome');
    const updates = componentKeys(outcome);
    const claimed = await trx
      .insertInto('learning_applied')
      .values({ outcome_id: outcome.id, seller_id: outcome.seller_id, updates: JSON.stringify(updates), applied_at: clock.now() })
      .onConflict((oc) => oc.column('outcome_id').doNothing())
      .returning('outcome_id')
      .executeTakeFirst();
    if (!claimed) return false;
    // Fixed order (kinds in the order componentKeys emits them) so concurrent applies lock rows alike.
    for (const u of updates) await fold(trx, outcome, u);
    return true;
  }

  async function fold(trx: Kysely<Database>, outcome: OutcomeRow, u: ComponentUpdate) {
    const prior = priorFor(u.kind);
    const where = { seller_id: outcome.seller_id, kind: u.kind, key: u.key };
    await trx
      .insertInto('route_estimates')
      .values({ ...where, alpha: prior.alpha, beta: prior.beta, n: 0, updated_at: outcome.settled_at })
      .onConflict((oc) => oc.columns(['seller_id', 'kind', 'key']).doNothing())
      .execute();
    const row = await trx
      .selectFrom('route_estimates')
      .selectAll()
      .where('seller_id', '=', where.seller_id)
      .where('kind', '=', where.kind)
      .where('key', '=', where.key)
      .forUpdate()
      .executeTakeFirstOrThrow();
    // The stored posterior is "as of updated_at". A newer outcome first decays it to its own time; an
    // older one arriving late (backlog, replay) counts as much as it would have then, i.e. less.
    const asOf = Math.max(row.updated_at.getTime(), outcome.settled_at.getTime());
    const current = decayed({ alpha: row.alpha, beta: row.beta }, (asOf - row.updated_at.getTime()) / DAY_MS, settings.halfLifeDays, prior);
    const weight = 0.5 ** ((asOf - outcome.settled_at.getTime()) / DAY_MS / settings.halfLifeDays);
    const next = observe(current, u.onTime, weight);
    await trx
      .updateTable('route_estimates')
      .set({ alpha: next.alpha, beta: next.beta, n: row.n + 1, updated_at: new Date(asOf) })
      .where('seller_id', '=', where.seller_id)
      .where('kind', '=', where.kind)
      .where('key', '=', where.key)
      .execute();
  }

  /** Applies up to `limit` outcomes not applied yet (anti-join), oldest first, one transaction each. */
  async function drain(limit = 200): Promise<number> {
    const pending = await db
      .selectFrom('promise_outcomes as o')
      .leftJoin('learning_applied as a', 'a.outcome_id', 'o.id')
      .where('a.outcome_id', 'is', null)
      .select('o.id')
      .orderBy('o.settled_at')
      .orderBy('o.id')
      .limit(limit)
      .execute();
    let applied = 0;
    for (const { id } of pending) if (await db.transaction().execute((trx) => applyOutcome(trx, id))) applied++;
    return applied;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | null = null;
  function start(intervalMs: number, extra?: () => Promise<unknown>) {
    if (timer) return;
    timer = setInterval(() => {
      if (running) return;
      running = (async () => {
        while ((await drain()) > 0);
        await extra?.();
      })()
        .catch((err) => deps.log?.warn({ err }, 'learning tick failed'))
        .finally(() => (running = null));
    }, intervalMs);
    timer.unref();
  }
  async function stop() {
    clearInterval(timer);
    timer = undefined;
    await running;
  }

  /** A seller's stored estimates (the engine path decays them to the order's time). */
  const estimateRows = (sellerId: string) =>
    db.selectFrom('route_estimates').select(['kind', 'key', 'alpha', 'beta', 'n', 'updated_at']).where('seller_id', '=', sellerId).execute();

  /** GET /v1/partners/:id/stats: weekly on-time rates from the outcomes, and the current estimate. */
  async function partnerStats(sellerId: string, partnerId: string, weeks = 12) {
    const kind = await partnerKind(sellerId, partnerId);
    if (!kind) throw notFound('partner');
    const now = clock.now();
    const from = new Date(`${addWeeks(isoWeekStart(now), -(weeks - 1))}T00:00:00Z`);
    const column = kind === 'supplier' ? 'supplier_id' : kind === 'warehouse' ? 'warehouse_id' : 'carrier_account_id';
    const component: ComponentKind = kind === 'supplier' ? 'supplier_handover' : kind === 'warehouse' ? 'warehouse_cutoff' : 'carrier_lane';
    const outcomes = await db
      .selectFrom('promise_outcomes')
      .selectAll()
      .where('seller_id', '=', sellerId)
      .where(column, '=', partnerId)
      .where('settled_at', '>=', from)
      .orderBy('settled_at')
      .execute();
    const byWeek = new Map<string, { outcomes: number; on_time: number }>();
    for (let i = 0; i < weeks; i++) byWeek.set(addWeeks(isoWeekStart(from), i), { outcomes: 0, on_time: 0 });
    for (const o of outcomes) {
      // Judged as the model judges it: a carrier is not counted late for a parcel handed over late.
      const u = componentKeys(o).find((c) => c.kind === component);
      const w = byWeek.get(isoWeekStart(o.settled_at));
      if (!u || !w) continue;
      w.outcomes++;
      if (u.onTime) w.on_time++;
    }
    const rows = await db
      .selectFrom('route_estimates')
      .selectAll()
      .where('seller_id', '=', sellerId)
      .where('kind', '=', component)
      .$call((q) => (kind === 'carrier' ? q.where('key', 'like', `${partnerId.replace(/[\\%_]/g, '\\$&')}|%`) : q.where('key', '=', partnerId)))
      .orderBy('key')
      .execute();
    const prior = priorFor(component);
    const current = rows.map((r) => ({ row: r, p: decayToNow(r, now, settings.halfLifeDays) }));
    // A carrier's overall estimate pools the evidence of all its lanes over one prior.
    const pooled: Posterior = current.reduce((acc, { p }) => ({ alpha: acc.alpha + p.alpha - prior.alpha, beta: acc.beta + p.beta - prior.beta }), prior);
    return {
      partner_id: partnerId,
      kind,
      weeks: [...byWeek.entries()].map(([week_start, w]) => ({
        week_start,
        outcomes: w.outcomes,
        on_time: w.on_time,
        on_time_rate: w.outcomes > 0 ? round(w.on_time / w.outcomes) : null,
      })),
      estimate: { ...roundSummary(summary(pooled, prior)), outcomes: current.reduce((s, c) => s + c.row.n, 0) },
      ...(kind === 'carrier'
        ? { lanes: current.map(({ row, p }) => ({ lane: row.key, ...roundSummary(summary(p, prior)), outcomes: row.n, updated_at: row.updated_at.toISOString() })) }
        : {}),
    };
  }

  async function partnerKind(sellerId: string, id: string): Promise<'supplier' | 'warehouse' | 'carrier' | null> {
    const [s, w, c] = await Promise.all([
      db.selectFrom('suppliers').select('id').where('seller_id', '=', sellerId).where('id', '=', id).executeTakeFirst(),
      db.selectFrom('warehouses').select('id').where('seller_id', '=', sellerId).where('id', '=', id).executeTakeFirst(),
      db.selectFrom('carrier_accounts').select('id').where('seller_id', '=', sellerId).where('id', '=', id).executeTakeFirst(),
    ]);
    return s ? 'supplier' : w ? 'warehouse' : c ? 'carrier' : null;
  }

  return { settings, applyOutcome, drain, start, stop, estimateRows, partnerStats };
}
export type LearningService = ReturnType<typeof createLearningService>;
