/**
 * Weekly supplier rating and the rules that act on it. PURE: weeks, outcomes and rules come in; the
 * service (rating-service.ts) loads them, stores the ratings and carries out what `evaluateRules` says.
 */
import { componentKeys, type OutcomeFacts } from './success-model.js';

const DAY_MS = 86_400_000;

/** A seller's rating rules (rating_rules.rules); every field has the seed's default. */
export type RatingRules = {
  /** A week is bad below this handover on-time rate... */
  on_time_threshold: number;
  /** ...and this many consecutive bad completed weeks demote the supplier. */
  consecutive_weeks: number;
  /** A week with fewer judged outcomes is neither good nor bad: one late parcel does not demote. */
  min_outcomes: number;
  /** A demoted supplier's handover probability is multiplied by this on every route. */
  demotion_weight: number;
  /** Ask the catalog's alternative suppliers for quotes when demoting. */
  open_backup_inquiry: boolean;
};
export const DEFAULT_RATING_RULES: RatingRules = {
  on_time_threshold: 0.85,
  consecutive_weeks: 2,
  min_outcomes: 5,
  demotion_weight: 0.8,
  open_backup_inquiry: true,
};

/** One settled promise of the supplier, with whether a carrier scanned it within 48 h of handover. */
export type RatingOutcome = OutcomeFacts & { id: string; compensation_minor: number; has_carrier_scan_within_48h: boolean };

export type WeeklyRating = {
  week_start: string;
  /** Every outcome of the week; `judged` are those the handover could be judged on (success-model). */
  outcomes: number;
  judged: number;
  on_time: number;
  refused: number;
  handed_over: number;
  tracked: number;
  compensation_minor: number;
  on_time_rate: number | null;
  refusal_rate: number | null;
  tracking_quality: number | null;
  outcome_ids: string[];
};

/** The ISO week's Monday (UTC) as YYYY-MM-DD. */
export function isoWeekStart(d: Date): string {
  const daysSinceMonday = (d.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - daysSinceMonday)).toISOString().slice(0, 10);
}
export const addWeeks = (weekStart: string, weeks: number) => new Date(Date.parse(`${weekStart}T00:00:00Z`) + weeks * 7 * DAY_MS).toISOString().slice(0, 10);
/** The last week that has fully ended at `now`. */
export const lastCompletedWeek = (now: Date) => addWeeks(isoWeekStart(now), -1);
export const isMonday = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && isoWeekStart(new Date(`${s}T00:00:00Z`)) === s;

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

/** One supplier's week. Handover on time as the success model judges it (componentKeys), so both agree. */
export function rateWeek(weekStart: string, outcomes: readonly RatingOutcome[]): WeeklyRating {
  let judged = 0;
  let onTime = 0;
  let refused = 0;
  let handedOver = 0;
  let tracked = 0;
  let compensation = 0;
  for (const o of outcomes) {
    const handover = componentKeys(o).find((u) => u.kind === 'supplier_handover');
    if (handover) {
      judged++;
      if (handover.onTime) onTime++;
    }
    if (o.outcome === 'broken' && o.breach_kind === 'refused' && o.cause === 'supplier') refused++;
    if (o.handed_over_at) {
      handedOver++;
      if (o.has_carrier_scan_within_48h) tracked++;
    }
    if (o.cause === 'supplier') compensation += o.compensation_minor;
  }
  return {
    week_start: weekStart,
    outcomes: outcomes.length,
    judged,
    on_time: onTime,
    refused,
    handed_over: handedOver,
    tracked,
    compensation_minor: compensation,
    on_time_rate: ratio(onTime, judged),
    refusal_rate: ratio(refused, outcomes.length),
    tracking_quality: ratio(tracked, handedOver),
    outcome_ids: outcomes.map((o) => o.id).sort(),
  };
}

export type RuleVerdict =
  | { action: 'demote' | 'recover'; rule: string; reason: string; weeks: WeeklyRating[] }
  | { action: null; reason: string };

const verdictOf = (w: WeeklyRating, rules: RatingRules) =>
  w.judged < rules.min_outcomes || w.on_time_rate === null ? 'too_few' : w.on_time_rate < rules.on_time_threshold ? 'bad' : 'good';

/**
 * What the rules say after the week `history` ends with (history: consecutive weeks, oldest first).
 * - active: demote when the last `consecutive_weeks` weeks are all bad (a thin week breaks the streak);
 * - demoted: recover on the first good week (the streak has ended); a thin or bad week changes nothing.
 */
export function evaluateRules(history: readonly WeeklyRating[], status: 'active' | 'demoted', rules: RatingRules): RuleVerdict {
  const last = history[history.length - 1];
  if (!last) return { action: null, reason: 'no week to rate' };
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  const threshold = pct(rules.on_time_threshold);
  if (status === 'demoted') {
    if (verdictOf(last, rules) !== 'good') return { action: null, reason: `still demoted: week ${last.week_start} is ${verdictOf(last, rules)}` };
    return {
      action: 'recover',
      rule: 'on_time_recovered',
      reason: `handover on time ${pct(last.on_time_rate!)} >= ${threshold} in week ${last.week_start} (${last.judged} outcomes)`,
      weeks: [last],
    };
  }
  const streak = history.slice(-rules.consecutive_weeks);
  if (streak.length < rules.consecutive_weeks || !streak.every((w) => verdictOf(w, rules) === 'bad')) {
    return { action: null, reason: `no streak: ${streak.map((w) => `${w.week_start} ${verdictOf(w, rules)}`).join(', ')}` };
  }
  return {
    action: 'demote',
    rule: 'on_time_below_threshold',
    reason: `handover on time below ${threshold} for ${rules.consecutive_weeks} consecutive weeks: ${streak.map((w) => `${w.week_start} ${pct(w.on_time_rate!)} of ${w.judged}`).join(', ')}`,
    weeks: streak,
  };
}
