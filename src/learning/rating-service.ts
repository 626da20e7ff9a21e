import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { AppError, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newSortableId } from '../lib/ids.js';
import type { NetworkService } from '../network/network-service.js';
import type { PartnerAdapters } from '../orders/partner-adapters.js';
import type { SupplierProtocol } from '../suppliers/contract.js';
import type { EventSink } from '../webhooks/outbound/event-sink.js';
import type { RatedWeek } from '../webhooks/outbound/event-types.js';
import {
  DEFAULT_RATING_RULES,
  addWeeks,
  evaluateRules,
  isMonday,
  lastCompletedWeek,
  rateWeek,
  type RatingOutcome,
  type RatingRules,
  type WeeklyRating,
} from './supplier-rating.js';

export type RatingServiceDeps = {
  db: Kysely<Database>;
  clock: Clock;
  network: Pick<NetworkService, 'connections' | 'invalidate'>;
  adapters: Pick<PartnerAdapters, 'suppliers'>;
  events?: EventSink;
  log?: { warn(obj: unknown, msg: string): void };
  /** Each backup quote request's own deadline. */
  quoteTimeoutMs?: number;
};

const CARRIER_SOURCES = ['easypost', 'shippo', 'shipengine', 'poll'] as const;
const WEEK_MS = 7 * 86_400_000;
const weekBounds = (weekStart: string) => {
  const from = new Date(`${weekStart}T00:00:00Z`);
  return { from, to: new Date(from.getTime() + WEEK_MS) };
};
const ratedWeek = (w: WeeklyRating): RatedWeek => ({ week_start: w.week_start, outcomes: w.outcomes, judged: w.judged, on_time: w.on_time, on_time_rate: w.on_time_rate });

type Alternative = { supplier_id: string; warehouse_id: string; skus: string[]; items: { sku: string; supplier_sku: string }[]; answer?: unknown };

export function createRatingService(deps: RatingServiceDeps) {
  const { db, clock } = deps;

  async function rulesFor(sellerId: string): Promise<RatingRules> {
    const row = await db.selectFrom('rating_rules').select('rules').where('seller_id', '=', sellerId).executeTakeFirst();
    return { ...DEFAULT_RATING_RULES, ...((row?.rules as Partial<RatingRules> | undefined) ?? {}) };
  }

  async function putRules(sellerId: string, input: Partial<RatingRules>): Promise<RatingRules> {
    const rules = { ...DEFAULT_RATING_RULES, ...input };
    await db
      .insertInto('rating_rules')
      .values({ seller_id: sellerId, rules: JSON.stringify(rules), updated_at: clock.now() })
      .onConflict((oc) => oc.column('seller_id').doUpdateSet({ rules: JSON.stringify(rules), updated_at: clock.now() }))
      .execute();
    return rules;
  }

  /** One supplier's week from its outcomes (settled in the week) and carrier scans; stored for GET .../ratings. */
  async function rate(sellerId: string, supplierId: string, weekStart: string): Promise<WeeklyRating> {
    const { from, to } = weekBounds(weekStart);
    const rows = await db
      .selectFrom('promise_outcomes as o')
      .selectAll('o')
      .select((eb) =>
        eb
          .exists(
            eb
              .selectFrom('milestones as m')
              .select('m.seq')
              .whereRef('m.shipment_id', '=', 'o.shipment_id')
              .where('m.source', 'in', CARRIER_SOURCES)
              .whereRef('m.occurred_at', '>=', 'o.handed_over_at')
              .where(sql<boolean>`m.occurred_at <= o.handed_over_at + interval '48 hours'`),
          )
          .as('has_scan'),
      )
      .where('o.seller_id', '=', sellerId)
      .where('o.supplier_id', '=', supplierId)
      .where('o.settled_at', '>=', from)
      .where('o.settled_at', '<', to)
      .orderBy('o.id')
      .execute();
    const outcomes: RatingOutcome[] = rows.map((r) => ({ ...r, has_carrier_scan_within_48h: Boolean(r.has_scan) }));
    const rating = rateWeek(weekStart, outcomes);
    const values = {
      seller_id: sellerId,
      supplier_id: supplierId,
      week_start: weekStart,
      outcomes: rating.outcomes,
      judged: rating.judged,
      on_time: rating.on_time,
      refused: rating.refused,
      tracked: rating.tracked,
      handed_over: rating.handed_over,
      compensation_minor: rating.compensation_minor,
      outcome_ids: JSON.stringify(rating.outcome_ids),
      computed_at: clock.now(),
    };
    await db
      .insertInto('supplier_ratings')
      .values(values)
      .onConflict((oc) => oc.columns(['supplier_id', 'week_start']).doUpdateSet({ ...values, seller_id: undefined, supplier_id: undefined, week_start: undefined }))
      .execute();
    return rating;
  }

  /**
   * Rates every supplier (of one seller, or all) for the completed ISO week `weekStart` and carries out
   * what the rules say. Idempotent per supplier and week: `rating_events_once` lets a rule act once.
   */
  async function run(weekStart: string | undefined, sellerId?: string) {
    const now = clock.now();
    const week = weekStart ?? lastCompletedWeek(now);
    if (!isMonday(week)) throw new AppError('VALIDATION_FAILED', 'week: must be an ISO week start (a Monday, YYYY-MM-DD)', [{ field: 'week', message: 'not a Monday' }]);
    if (weekBounds(week).to.getTime() > now.getTime()) throw new AppError('VALIDATION_FAILED', `week: ${week} has not ended yet`, [{ field: 'week', message: 'not completed' }]);
    const suppliers = await db
      .selectFrom('suppliers')
      .select(['id', 'seller_id', 'rating_status'])
      .$call((q) => (sellerId ? q.where('seller_id', '=', sellerId) : q))
      .orderBy('seller_id')
      .orderBy('id')
      .execute();
    const results: { supplier_id: string; action: 'demote' | 'recover' | null; reason: string; fired: boolean }[] = [];
    const rulesBySeller = new Map<string, RatingRules>();
    for (const s of suppliers) {
      let rules = rulesBySeller.get(s.seller_id);
      if (!rules) rulesBySeller.set(s.seller_id, (rules = await rulesFor(s.seller_id)));
      const history: WeeklyRating[] = [];
      for (let i = rules.consecutive_weeks - 1; i >= 0; i--) history.push(await rate(s.seller_id, s.id, addWeeks(week, -i)));
      const verdict = evaluateRules(history, s.rating_status, rules);
      if (!verdict.action) {
        results.push({ supplier_id: s.id, action: null, reason: verdict.reason, fired: false });
        continue;
      }
      const fired = await act(s.seller_id, s.id, s.rating_status, week, rules, verdict);
      results.push({ supplier_id: s.id, action: verdict.action, reason: verdict.reason, fired });
      if (fired) deps.network.invalidate(s.seller_id);
    }
    await quoteOpenInquiries();
    return { week_start: week, suppliers: results };
  }

  /** One transaction: the firing with its evidence, the supplier's new status, the events, the inquiry. */
  async function act(
    sellerId: string,
    supplierId: string,
    expectedStatus: 'active' | 'demoted',
    week: string,
    rules: RatingRules,
    verdict: Extract<ReturnType<typeof evaluateRules>, { action: 'demote' | 'recover' }>,
  ): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      const supplier = await trx.selectFrom('suppliers').select('rating_status').where('id', '=', supplierId).forUpdate().executeTakeFirstOrThrow();
      if (supplier.rating_status !== expectedStatus) return false; // another run moved it first
      const now = clock.now();
      const eventId = newSortableId('rte', now.getTime());
      const weight = verdict.action === 'demote' ? rules.demotion_weight : 1;
      const evidence = { reason: verdict.reason, rules, weeks: verdict.weeks, outcome_ids: verdict.weeks.flatMap((w) => w.outcome_ids) };
      const inserted = await trx
        .insertInto('rating_events')
        .values({ id: eventId, seller_id: sellerId, supplier_id: supplierId, week_start: week, rule: verdict.rule, action: verdict.action, evidence: JSON.stringify(evidence), created_at: now })
        .onConflict((oc) => oc.constraint('rating_events_once').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) return false;
      await trx
        .updateTable('suppliers')
        .set({ rating_status: verdict.action === 'demote' ? 'demoted' : 'active', routing_weight: weight })
        .where('id', '=', supplierId)
        .execute();
      const data = { supplier_id: supplierId, week_start: week, rule: verdict.rule, reason: verdict.reason, routing_weight: weight, rating_event_id: eventId, weeks: verdict.weeks.map(ratedWeek) };
      if (verdict.action === 'recover') {
        await deps.events?.emit(trx, sellerId, { type: 'supplier.recovered', data });
        await trx.updateTable('backup_inquiries').set({ status: 'closed', updated_at: now }).where('supplier_id', '=', supplierId).where('status', '!=', 'closed').execute();
        return true;
      }
      await deps.events?.emit(trx, sellerId, { type: 'supplier.demoted', data });
      if (rules.open_backup_inquiry) await openInquiry(trx, sellerId, supplierId, eventId, now);
      return true;
    });
  }

  async function openInquiry(trx: Kysely<Database>, sellerId: string, supplierId: string, ratingEventId: string, now: Date) {
    const own = await trx.selectFrom('catalog_offers').select('sku').where('seller_id', '=', sellerId).where('supplier_id', '=', supplierId).execute();
    const skus = [...new Set(own.map((o) => o.sku))].sort();
    const others =
      skus.length === 0
        ? []
        : await trx
            .selectFrom('catalog_offers as c')
            .innerJoin('suppliers as s', 's.id', 'c.supplier_id')
            .select(['c.sku', 'c.supplier_id', 'c.supplier_sku', 'c.warehouse_id'])
            .where('c.seller_id', '=', sellerId)
            .where('c.sku', 'in', skus)
            .where('c.supplier_id', '!=', supplierId)
            .where('s.is_active', '=', true)
            .orderBy('c.supplier_id')
            .orderBy('c.warehouse_id')
            .orderBy('c.sku')
            .execute();
    const bySource = new Map<string, Alternative>();
    for (const o of others) {
      const k = `${o.supplier_id}|${o.warehouse_id}`;
      const alt = bySource.get(k) ?? { supplier_id: o.supplier_id, warehouse_id: o.warehouse_id, skus: [], items: [] };
      alt.skus.push(o.sku);
      alt.items.push({ sku: o.sku, supplier_sku: o.supplier_sku });
      bySource.set(k, alt);
    }
    const alternatives = [...bySource.values()];
    const inquiryId = newSortableId('inq', now.getTime());
    await trx
      .insertInto('backup_inquiries')
      .values({
        id: inquiryId,
        seller_id: sellerId,
        supplier_id: supplierId,
        rating_event_id: ratingEventId,
        status: alternatives.length > 0 ? 'open' : 'closed',
        alternatives: JSON.stringify(alternatives),
        created_at: now,
        updated_at: now,
      })
      .execute();
    await deps.events?.emit(trx, sellerId, {
      type: 'backup_inquiry.opened',
      data: { inquiry_id: inquiryId, supplier_id: supplierId, skus, alternatives: alternatives.map(({ supplier_id, warehouse_id, skus }) => ({ supplier_id, warehouse_id, skus })) },
    });
  }

  /**
   * Asks each open inquiry's alternatives for an availability quote through the real supplier adapters,
   * outside any transaction, then records the answers in one short one. An inquiry left open by a crash
   * is simply asked again on the next run (quotes are reads).
   */
  async function quoteOpenInquiries(limit = 20): Promise<number> {
    const open = await db.selectFrom('backup_inquiries').selectAll().where('status', '=', 'open').orderBy('created_at').limit(limit).execute();
    for (const inquiry of open) {
      const network = await deps.network.connections(inquiry.seller_id, clock.now().getTime());
      const alternatives = inquiry.alternatives as Alternative[];
      const answered = await Promise.all(
        alternatives.map(async (alt) => {
          const supplier = network.suppliers.get(alt.supplier_id);
          const warehouse = network.warehouses.get(alt.warehouse_id);
          const at = clock.now().toISOString();
          if (!supplier || !warehouse) return { ...alt, answer: { status: 'failed', error: 'supplier or warehouse no longer active', at } };
          try {
            const quote = await deps.adapters.suppliers[supplier.row.protocol as SupplierProtocol].quote(
              supplier.connection,
              {
                orderRef: inquiry.id,
                warehouseRef: warehouse.row.id,
                items: alt.items.map((i) => ({ supplierSku: i.supplier_sku, quantity: 1 })),
                shipTo: { country: warehouse.row.country, region: warehouse.row.region, postalCode: warehouse.row.postal_code, city: warehouse.row.city ?? '' },
              },
              { signal: AbortSignal.timeout(deps.quoteTimeoutMs ?? 5000) },
            );
            const items = quote.items.map((i) => ({ supplier_sku: i.supplierSku, available_quantity: i.availableQuantity, unit_cost_minor: i.unitCostMinor, currency: i.currency }));
            return { ...alt, answer: { status: 'quoted', items, handover_eta: quote.handoverEta.toISOString(), at } };
          } catch (err) {
            return { ...alt, answer: { status: 'failed', error: (err as Error).message, at } };
          }
        }),
      );
      await db
        .updateTable('backup_inquiries')
        .set({ alternatives: JSON.stringify(answered), status: 'quoted', updated_at: clock.now() })
        .where('id', '=', inquiry.id)
        .where('status', '=', 'open')
        .execute();
    }
    return open.length;
  }

  /** GET /v1/suppliers/:id/ratings: weeks rated (newest first), rule firings with evidence, inquiries. */
  async function listRatings(sellerId: string, supplierId: string) {
    const supplier = await db.selectFrom('suppliers').select(['id', 'rating_status', 'routing_weight']).where('seller_id', '=', sellerId).where('id', '=', supplierId).executeTakeFirst();
    if (!supplier) throw notFound('supplier');
    const [weeks, firings, inquiries] = await Promise.all([
      db.selectFrom('supplier_ratings').selectAll().where('supplier_id', '=', supplierId).orderBy('week_start', 'desc').limit(104).execute(),
      db.selectFrom('rating_events').selectAll().where('supplier_id', '=', supplierId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute(),
      db.selectFrom('backup_inquiries').selectAll().where('supplier_id', '=', supplierId).orderBy('created_at', 'desc').execute(),
    ]);
    const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : null);
    return {
      supplier_id: supplier.id,
      rating_status: supplier.rating_status,
      routing_weight: supplier.routing_weight,
      weeks: weeks.map((w) => ({
        week_start: w.week_start,
        outcomes: w.outcomes,
        judged: w.judged,
        on_time: w.on_time,
        on_time_rate: ratio(w.on_time, w.judged),
        refused: w.refused,
        handed_over: w.handed_over,
        tracked: w.tracked,
        compensation_minor: w.compensation_minor,
        refusal_rate: ratio(w.refused, w.outcomes),
        tracking_quality: ratio(w.tracked, w.handed_over),
        outcome_ids: w.outcome_ids,
      })),
      firings: firings.map((f) => ({ id: f.id, week_start: f.week_start, rule: f.rule, action: f.action, evidence: f.evidence, created_at: f.created_at.toISOString() })),
      inquiries: inquiries.map((i) => ({
        id: i.id,
        rating_event_id: i.rating_event_id,
        status: i.status,
        alternatives: (i.alternatives as Alternative[]).map(({ supplier_id, warehouse_id, skus, answer }) => ({ supplier_id, warehouse_id, skus, answer: answer ?? null })),
        created_at: i.created_at.toISOString(),
      })),
    };
  }

  let lastRunWeek: string | null = null;
  /** The tick: rate the last completed week once per process (the unique firing makes other instances no-ops). */
  async function runIfDue() {
    const week = lastCompletedWeek(clock.now());
    if (week === lastRunWeek) return quoteOpenInquiries();
    await run(week);
    lastRunWeek = week;
  }

  return { rulesFor, putRules, rate, run, runIfDue, quoteOpenInquiries, listRatings };
}
export type RatingService = ReturnType<typeof createRatingService>;
