import type { Kysely } from 'kysely';
import { csvRow } from '../compensation/postings.js';
import type { Database } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import type { JournalProofs } from '../ledger/journal-proofs.js';
import { monthRange, reconcile, reconciliationRows, weeklyPostings, weeklySeries, weekStart } from './reconciliation.js';

export type FinanceServiceDeps = { db: Kysely<Database>; clock: Clock; journal: JournalProofs };

export const RECONCILIATION_CSV_HEADER = [
  'month',
  'partner_id',
  'currency',
  'compensation_posted_minor',
  'compensation_count',
  'chargebacks_booked_minor',
  'chargeback_count',
  'reversal_count',
  'difference_minor',
] as const;

/** Finance views computed from the compensation journal: reconciliation and the weekly chart. */
export function createFinanceService(deps: FinanceServiceDeps) {
  const { db, clock } = deps;

  async function reconciliation(sellerId: string, q: { month: string; currency?: string | undefined }) {
    return reconcile(q.month, await reconciliationRows(db, sellerId, monthRange(q.month), q.currency));
  }

  /** Each transaction view with its anchoring state ({status, batch_id, tx_hash}). */
  async function withAnchors<T extends { id: string }>(views: readonly T[]) {
    const states = await deps.journal.states(views.map((v) => v.id));
    return views.map((v) => ({ ...v, anchor: states.get(v.id)! }));
  }

  return {
    reconciliation,
    withAnchors,

    async listTransactions<T extends { id: string }>(page: { data: T[]; next_cursor: string | null }) {
      return { data: await withAnchors(page.data), next_cursor: page.next_cursor };
    },

    /** @throws AppError NOT_FOUND */
    transactionProof: (sellerId: string, transactionId: string) => deps.journal.proof(sellerId, transactionId),

    /** The same lines as CSV (RFC 4180, CRLF): one row per partner (empty partner_id: no partner), then totals per currency with partner_id `*`. */
    async reconciliationCsv(sellerId: string, q: { month: string; currency?: string | undefined }): Promise<string> {
      const r = await reconciliation(sellerId, q);
      let out = csvRow(RECONCILIATION_CSV_HEADER);
      const row = (partner: string, l: (typeof r.totals)[number]) =>
        csvRow([r.month, partner, l.currency, l.compensation_posted_minor, l.compensation_count, l.chargebacks_booked_minor, l.chargeback_count, l.reversal_count, l.difference_minor]);
      for (const l of r.partners) out += row(l.partner_id ?? '', l);
      for (const t of r.totals) out += row('*', t);
      return out;
    },

    async compensationWeekly(sellerId: string, q: { weeks: number; currency?: string | undefined }) {
      const now = clock.now();
      const from = new Date(weekStart(now).getTime() - (q.weeks - 1) * 7 * 86_400_000);
      return { as_of: now.toISOString(), weeks: q.weeks, series: weeklySeries(now, q.weeks, await weeklyPostings(db, sellerId, from, q.currency)) };
    },
  };
}
export type FinanceService = ReturnType<typeof createFinanceService>;
