import t from 'tap';
import {
  DEFAULT_RATING_RULES,
  addWeeks,
  evaluateRules,
  isMonday,
  isoWeekStart,
  lastCompletedWeek,
  rateWeek,
  type RatingOutcome,
  type WeeklyRating,
} from '../../src/learning/supplier-rating.js';

t.test('ISO weeks (UTC Mondays)', async (t) => {
  const cases: [string, string][] = [
    ['2026-11-25T05:00:00Z', '2026-11-23'], // Wednesday
    ['2026-11-23T00:00:00Z', '2026-11-23'], // Monday midnight
    ['2026-11-29T23:59:59Z', '2026-11-23'], // Sunday night
    ['2027-01-01T12:00:00Z', '2026-12-28'], // across the year
  ];
  for (const [at, monday] of cases) t.equal(isoWeekStart(new Date(at)), monday, at);
  t.equal(lastCompletedWeek(new Date('2026-11-25T05:00:00Z')), '2026-11-16');
  t.equal(addWeeks('2026-12-28', 1), '2027-01-04');
  t.same(['2026-11-23', '2026-11-24', '2026-13-01', 'monday'].map(isMonday), [true, false, false, false]);
});

const at = (iso: string) => new Date(iso);
let n = 0;
const outcome = (over: Partial<RatingOutcome> = {}): RatingOutcome => ({
  id: `out_${++n}`,
  outcome: 'kept',
  breach_kind: null,
  cause: null,
  supplier_id: 'sup_a',
  warehouse_id: 'wh_a',
  carrier_account_id: 'ca_a',
  service: 'ground',
  origin_region: null,
  destination_region: null,
  deliver_by: at('2026-03-06T23:00:00Z'),
  handover_by: at('2026-03-03T17:00:00Z'),
  handed_over_at: at('2026-03-03T15:00:00Z'),
  delivered_at: at('2026-03-05T12:00:00Z'),
  compensation_minor: 0,
  has_carrier_scan_within_48h: true,
  ...over,
});

t.test('rateWeek: on-time, refusals, tracking, compensation', async (t) => {
  const w = rateWeek('2026-03-02', [
    outcome(),
    outcome({ has_carrier_scan_within_48h: false }),
    outcome({ outcome: 'broken', breach_kind: 'late', cause: 'supplier', handed_over_at: at('2026-03-04T10:00:00Z'), delivered_at: null, compensation_minor: 700 }),
    outcome({ outcome: 'broken', breach_kind: 'refused', cause: 'supplier', handed_over_at: null, delivered_at: null, compensation_minor: 300 }),
    outcome({ outcome: 'broken', breach_kind: 'lost', cause: 'carrier', delivered_at: null, compensation_minor: 5000 }),
    outcome({ outcome: 'broken', breach_kind: 'cancelled', cause: 'customer', handed_over_at: null, delivered_at: null }),
  ]);
  t.same(
    { outcomes: w.outcomes, judged: w.judged, on_time: w.on_time, refused: w.refused, handed_over: w.handed_over, tracked: w.tracked, compensation_minor: w.compensation_minor },
    { outcomes: 6, judged: 5, on_time: 3, refused: 1, handed_over: 4, tracked: 3, compensation_minor: 1000 },
    'the customer cancellation is not judged; only supplier-caused compensation counts',
  );
  t.equal(w.on_time_rate, 0.6);
  t.equal(w.refusal_rate, 1 / 6);
  t.equal(w.tracking_quality, 0.75);
  t.equal(rateWeek('2026-03-02', []).on_time_rate, null, 'no outcomes: no rate');
});

const week = (week_start: string, judged: number, on_time: number): WeeklyRating => ({
  week_start,
  outcomes: judged,
  judged,
  on_time,
  refused: 0,
  handed_over: judged,
  tracked: judged,
  compensation_minor: 0,
  on_time_rate: judged > 0 ? on_time / judged : null,
  refusal_rate: 0,
  tracking_quality: 1,
  outcome_ids: [],
});

t.test('rules: streaks, minimum outcomes, recovery', async (t) => {
  const R = DEFAULT_RATING_RULES;
  const cases: [string, WeeklyRating[], 'active' | 'demoted', 'demote' | 'recover' | null][] = [
    ['two bad weeks demote', [week('w1', 10, 7), week('w2', 10, 8)], 'active', 'demote'],
    ['one bad week does not', [week('w1', 10, 9), week('w2', 10, 5)], 'active', null],
    ['bad then good does not', [week('w1', 10, 5), week('w2', 10, 9)], 'active', null],
    ['exactly at the threshold is good', [week('w1', 20, 17), week('w2', 20, 17)], 'active', null],
    ['a thin week (below min outcomes) breaks the streak', [week('w1', 10, 5), week('w2', 4, 0)], 'active', null],
    ['thin bad weeks never demote', [week('w1', 4, 0), week('w2', 4, 0)], 'active', null],
    ['only one week of history', [week('w2', 10, 5)], 'active', null],
    ['demoted + a good week recovers', [week('w1', 10, 5), week('w2', 10, 9)], 'demoted', 'recover'],
    ['demoted + a bad week stays', [week('w1', 10, 5), week('w2', 10, 5)], 'demoted', null],
    ['demoted + a thin good week stays', [week('w1', 10, 5), week('w2', 3, 3)], 'demoted', null],
    ['demoted is not demoted again', [week('w1', 10, 1), week('w2', 10, 1)], 'demoted', null],
  ];
  for (const [name, history, status, expected] of cases) t.equal(evaluateRules(history, status, R).action, expected, name);
  const three = { ...R, consecutive_weeks: 3 };
  t.equal(evaluateRules([week('w1', 10, 5), week('w2', 10, 5)], 'active', three).action, null, 'a 3-week rule needs 3 weeks');
  t.equal(evaluateRules([week('w0', 10, 5), week('w1', 10, 5), week('w2', 10, 5)], 'active', three).action, 'demote');
  const verdict = evaluateRules([week('w1', 10, 7), week('w2', 10, 8)], 'active', R);
  t.match(verdict, { action: 'demote', rule: 'on_time_below_threshold', reason: /w1 70% of 10, w2 80% of 10/ });
});
