import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { ACCOUNTS } from '../compensation/postings.js';

/**
 * Monthly reconciliation of compensation against chargebacks per partner, and compensation per week.
 * Computed from the journal alone (sums of postings), in integer minor units. The maths is pure; the
 * two queries below only group postings.
 */

const CHARGEBACK_PREFIX = 'chargebacks_receivable:';

/** One group of postings: compensation payable credited for a partner's breaches, or its chargeback account debited. */
export type ReconciliationRow = {
  bucket: 'compensation' | 'chargeback';
  /** null: compensation no partner caused (manual goodwill, unattributed breaches). */
  partner_id: string | null;
  currency: string;
  /** Signed sum of the postings (payable: credits negative; receivable: debits positive). */
  sum_minor: number;
  /** Original transactions (compensation_posted / chargeback), reversals not counted. */
  count: number;
  reversal_count: number;
};

export type ReconciliationLine = {
  partner_id: string | null;
  currency: string;
  compensation_posted_minor: number;
  compensation_count: number;
  chargebacks_booked_minor: number;
  chargeback_count: number;
  reversal_count: number;
  /** Compensation not (yet) recovered from the partner: posted minus charged back. */
  difference_minor: number;
};

export type Reconciliation = {
  month: string;
  from: string;
  to: string;
  partners: ReconciliationLine[];
  totals: Omit<ReconciliationLine, 'partner_id'>[];
};

/** [first instant of the month, first instant of the next), UTC. */
export function monthRange(month: string): { from: Date; to: Date } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return { from: new Date(Date.UTC(y, m - 1, 1)), to: new Date(Date.UTC(y, m, 1)) };
}

const emptyLine = (partner_id: string | null, currency: string): ReconciliationLine => ({
  partner_id,
  currency,
  compensation_posted_minor: 0,
  compensation_count: 0,
  chargebacks_booked_minor: 0,
  chargeback_count: 0,
  reversal_count: 0,
  difference_minor: 0,
});

/** Folds grouped postings into one line per partner and currency, plus totals per currency. Pure. */
export function reconcile(month: string, rows: readonly ReconciliationRow[]): Reconciliation {
  const lines = new Map<string, ReconciliationLine>();
  for (const r of rows) {
    const key = `${r.partner_id ?? ''}|${r.currency}`;
    const line = lines.get(key) ?? emptyLine(r.partner_id, r.currency);
    if (r.bucket === 'compensation') {
      line.compensation_posted_minor += -r.sum_minor; // payable is a liability: credits are negative
      line.compensation_count += r.count;
    } else {
      line.chargebacks_booked_minor += r.sum_minor;
      line.chargeback_count += r.count;
    }
    line.reversal_count += r.reversal_count;
    line.difference_minor = line.compensation_posted_minor - line.chargebacks_booked_minor;
    lines.set(key, line);
  }
  const partners = [...lines.values()].sort((a, b) => (a.partner_id ?? '\uffff').localeCompare(b.partner_id ?? '\uffff') || a.currency.localeCompare(b.currency));
  const totals = new Map<string, ReconciliationLine>();
  for (const l of partners) {
    const t = totals.get(l.currency) ?? emptyLine(null, l.currency);
    t.compensation_posted_minor += l.compensation_posted_minor;
    t.compensation_count += l.compensation_count;
    t.chargebacks_booked_minor += l.chargebacks_booked_minor;
    t.chargeback_count += l.chargeback_count;
    t.reversal_count += l.reversal_count;
    t.difference_minor = t.compensation_posted_minor - t.chargebacks_booked_minor;
    totals.set(l.currency, t);
  }
  const { from, to } = monthRange(month);
  return { month, from: from.toISOString(), to: to.toISOString(), partners, totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)).map(({ partner_id: _, ...t }) => t) };
}

export async function reconciliationRows(db: Kysely<Database>, sellerId: string, range: { from: Date; to: Date }, currency?: string): Promise<ReconciliationRow[]> {
  const isChargeback = sql<boolean>`a.code like ${`${CHARGEBACK_PREFIX}%`}`;
  let q = db
    .selectFrom('journal_postings as p')
    .innerJoin('journal_transactions as t', 't.id', 'p.transaction_id')
    .innerJoin('ledger_accounts as a', 'a.id', 'p.account_id')
    .select([
      sql<'compensation' | 'chargeback'>`case when ${isChargeback} then 'chargeback' else 'compensation' end`.as('bucket'),
      // The chargeback account names its partner; compensation is attributed to the transaction's partner.
      sql<string | null>`case when ${isChargeback} then substr(a.code, ${CHARGEBACK_PREFIX.length + 1}) else t.partner_id end`.as('partner_id'),
      'p.currency',
      sql<string>`sum(p.amount_minor)::bigint`.as('sum_minor'),
      sql<string>`count(distinct t.id) filter (where t.kind <> 'reversal')`.as('count'),
      sql<string>`count(distinct t.id) filter (where t.kind = 'reversal')`.as('reversal_count'),
    ])
    .where('t.seller_id', '=', sellerId)
    .where('t.created_at', '>=', range.from)
    .where('t.created_at', '<', range.to)
    .where((eb) => eb.or([eb('a.code', '=', ACCOUNTS.payable), eb('a.code', 'like', `${CHARGEBACK_PREFIX}%`)]));
  if (currency) q = q.where('p.currency', '=', currency);
  const rows = await q.groupBy([sql`1`, sql`2`, 'p.currency']).execute();
  return rows.map((r) => ({ bucket: r.bucket, partner_id: r.partner_id, currency: r.currency, sum_minor: Number(r.sum_minor), count: Number(r.count), reversal_count: Number(r.reversal_count) }));
}

const DAY_MS = 86_400_000;

/** Monday 00:00 UTC of the week holding `at`. */
export function weekStart(at: Date): Date {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  return new Date(day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS);
}

export type WeeklyPoint = { week_start: string; amount_minor: number; count: number };

/** Compensation posted per ISO week (Monday, UTC), oldest first, every week present (zeros included). Pure. */
export function weeklySeries(now: Date, weeks: number, postings: readonly { created_at: Date; currency: string; amount_minor: number; is_reversal: boolean }[]) {
  const first = weekStart(now).getTime() - (weeks - 1) * 7 * DAY_MS;
  const byCurrency = new Map<string, WeeklyPoint[]>();
  const series = (currency: string) => {
    let points = byCurrency.get(currency);
    if (!points) {
      points = Array.from({ length: weeks }, (_, i) => ({ week_start: new Date(first + i * 7 * DAY_MS).toISOString(), amount_minor: 0, count: 0 }));
      byCurrency.set(currency, points);
    }
    return points;
  };
  for (const p of postings) {
    const i = Math.floor((weekStart(p.created_at).getTime() - first) / (7 * DAY_MS));
    if (i < 0 || i >= weeks) continue;
    const point = series(p.currency)[i]!;
    point.amount_minor += -p.amount_minor;
    if (!p.is_reversal) point.count++;
  }
  return [...byCurrency.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, points]) => ({ currency, points }));
}

export async function weeklyPostings(db: Kysely<Database>, sellerId: string, from: Date, currency?: string) {
  let q = db
    .selectFrom('journal_postings as p')
    .innerJoin('journal_transactions as t', 't.id', 'p.transaction_id')
    .innerJoin('ledger_accounts as a', 'a.id', 'p.account_id')
    .select(['t.created_at', 'p.currency', 'p.amount_minor', sql<boolean>`t.kind = 'reversal'`.as('is_reversal')])
    .where('t.seller_id', '=', sellerId)
    .where('t.created_at', '>=', from)
    .where('a.code', '=', ACCOUNTS.payable);
  if (currency) q = q.where('p.currency', '=', currency);
  const rows = await q.execute();
  return rows.map((r) => ({ created_at: r.created_at, currency: r.currency, amount_minor: Number(r.amount_minor), is_reversal: r.is_reversal }));
}
