// Pure compensation maths and breach timing: no I/O, no clock (instants are passed in), integer minor
// units only (intermediate products in bigint so a large order times basis points never loses a unit).

export type BreachKind = 'late' | 'lost' | 'refused' | 'cancelled';
export type TimerKind = 'acceptance' | 'handover' | 'delivery' | 'silence';

/** A seller's compensation rules, stored on each promise policy version (`promise_policies.compensation_rules`). */
export type CompensationRules = {
  /** A share of the shipment's value per started day late, capped; never below `min_minor`. */
  late: { bps_per_day: number; cap_bps: number; min_minor: number };
  /** Full refund of the shipment's value plus goodwill. */
  lost: { goodwill_minor: number };
  refused: { goodwill_minor: number };
  /** A partner, or the seller itself, cancelled a promised order (never the customer's own cancellation): goodwill only. */
  cancelled: { goodwill_minor: number };
  /** Delivery timer: deliver_by plus this; a delivery inside the grace keeps the promise. */
  grace_hours: number;
  /** Acceptance timer: instruction sent plus this. */
  acceptance_hours: number;
  /** Handover timer: the shipment's handover_by plus this. */
  handover_slack_hours: number;
  /** Silence timer: the last carrier scan plus this counts the parcel as lost. */
  silence_days: number;
  /** Compensation strictly above this waits for a finance approval. */
  approval_threshold_minor: number;
};

/** Sensible for a small seller: 5 % a day up to half the value, refunds plus a small goodwill, $100 needs a second pair of eyes. */
export const DEFAULT_COMPENSATION_RULES: CompensationRules = Object.freeze({
  late: Object.freeze({ bps_per_day: 500, cap_bps: 5000, min_minor: 200 }),
  lost: Object.freeze({ goodwill_minor: 500 }),
  refused: Object.freeze({ goodwill_minor: 500 }),
  cancelled: Object.freeze({ goodwill_minor: 500 }),
  grace_hours: 12,
  acceptance_hours: 24,
  handover_slack_hours: 4,
  silence_days: 5,
  approval_threshold_minor: 10_000,
}) as CompensationRules;

/** What a partner owes back of a compensation it caused: a share, optionally capped. */
export type ChargebackTerms = { share_bps: number; cap_minor: number | null };
export const DEFAULT_CHARGEBACK_TERMS = Object.freeze({
  supplier: Object.freeze({ share_bps: 10_000, cap_minor: null }),
  carrier: Object.freeze({ share_bps: 0, cap_minor: null }),
}) as { supplier: ChargebackTerms; carrier: ChargebackTerms };

/** What a seller may send or a row may hold: any part of the rules, the rest from the defaults. */
export type CompensationRulesInput = { [K in keyof CompensationRules]?: (CompensationRules[K] extends object ? Partial<CompensationRules[K]> : CompensationRules[K]) | undefined };

/** Stored rules merged over the defaults, so an old policy row (null) or a partial one still works. */
export function rulesOf(stored: CompensationRulesInput | null | undefined): CompensationRules {
  const d = DEFAULT_COMPENSATION_RULES;
  // An explicit undefined must not erase a default.
  const defined = <T extends object>(o: T | undefined) => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
  const s = defined(stored ?? {});
  return {
    ...d,
    ...s,
    late: { ...d.late, ...defined(s.late) },
    lost: { ...d.lost, ...defined(s.lost) },
    refused: { ...d.refused, ...defined(s.refused) },
    cancelled: { ...d.cancelled, ...defined(s.cancelled) },
  } as CompensationRules;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Round half up of a / b for non-negative bigints. */
const divRound = (a: bigint, b: bigint) => (a * 2n + b) / (2n * b);
const bps = (valueMinor: number, basisPoints: number) => Number(divRound(BigInt(valueMinor) * BigInt(basisPoints), 10_000n));

/** Started days after deliver_by (grace only delays detection; it is not forgiven once late). At least 1. */
export function daysLate(deliverBy: Date, at: Date): number {
  const ms = at.getTime() - deliverBy.getTime();
  return Math.max(1, Math.ceil(ms / DAY_MS));
}

type Line = { sku: string; quantity: number };
/** A shipment's share of the order value: its lines priced at the order's unit prices (a split order refunds only what broke). */
export function shipmentValueMinor(orderLines: readonly (Line & { unit_price_minor: number })[], shipmentLines: readonly Line[]): number {
  let total = 0n;
  for (const l of shipmentLines) {
    const priced = orderLines.find((o) => o.sku === l.sku);
    if (priced) total += BigInt(priced.unit_price_minor) * BigInt(l.quantity);
  }
  return Number(total);
}

export type CompensationInput = {
  kind: BreachKind;
  rules: CompensationRules;
  /** The broken shipment's share of the order value, minor units. */
  valueMinor: number;
  deliverBy: Date;
  /** When lateness is measured: the delivery, or the moment the breach is settled if still not delivered. */
  lateAt: Date;
  /** Already posted for this shipment (a late parcel later lost is owed the difference, not both). */
  alreadyCompensatedMinor: number;
};
export type CompensationBreakdown = {
  rule: BreachKind;
  value_minor: number;
  days_late?: number;
  per_day_minor?: number;
  cap_minor?: number;
  min_minor?: number;
  refund_minor?: number;
  goodwill_minor?: number;
  already_compensated_minor: number;
  amount_minor: number;
};

/** The compensation one breach is owed under the rules its order was promised under. */
export function computeCompensation(input: CompensationInput): { amountMinor: number; breakdown: CompensationBreakdown } {
  const { rules, valueMinor } = input;
  let gross: number;
  let detail: Partial<CompensationBreakdown>;
  switch (input.kind) {
    case 'late': {
      const days = daysLate(input.deliverBy, input.lateAt);
      const perDay = bps(valueMinor, rules.late.bps_per_day);
      const cap = bps(valueMinor, rules.late.cap_bps);
      gross = Math.max(rules.late.min_minor, Math.min(cap, perDay * days));
      detail = { days_late: days, per_day_minor: perDay, cap_minor: cap, min_minor: rules.late.min_minor };
      break;
    }
    case 'lost':
    case 'refused':
      gross = valueMinor + rules[input.kind].goodwill_minor;
      detail = { refund_minor: valueMinor, goodwill_minor: rules[input.kind].goodwill_minor };
      break;
    case 'cancelled':
      gross = rules.cancelled.goodwill_minor;
      detail = { goodwill_minor: rules.cancelled.goodwill_minor };
      break;
  }
  const amountMinor = Math.max(0, gross - input.alreadyCompensatedMinor);
  return { amountMinor, breakdown: { rule: input.kind, value_minor: valueMinor, ...detail, already_compensated_minor: input.alreadyCompensatedMinor, amount_minor: amountMinor } };
}

/** The partner's share under its terms; 0 when nobody to charge. */
export function chargebackMinor(amountMinor: number, terms: ChargebackTerms): number {
  const share = bps(amountMinor, terms.share_bps);
  return terms.cap_minor === null ? share : Math.min(share, terms.cap_minor);
}

export const needsApproval = (amountMinor: number, rules: CompensationRules) => amountMinor > rules.approval_threshold_minor;

/** When each timer is due. Null when its anchor is unknown (no handover_by planned). */
export function timerDueAt(kind: TimerKind, rules: CompensationRules, at: { sentAt: Date; handoverBy: Date | null; deliverBy: Date; lastScanAt?: Date }): Date | null {
  switch (kind) {
    case 'acceptance':
      return new Date(at.sentAt.getTime() + rules.acceptance_hours * HOUR_MS);
    case 'handover':
      return at.handoverBy ? new Date(at.handoverBy.getTime() + rules.handover_slack_hours * HOUR_MS) : null;
    case 'delivery':
      return new Date(at.deliverBy.getTime() + rules.grace_hours * HOUR_MS);
    case 'silence':
      return at.lastScanAt ? new Date(at.lastScanAt.getTime() + rules.silence_days * DAY_MS) : null;
  }
}

/** Delivered inside deliver_by plus grace: the promise is kept. */
export const isOnTime = (deliveredAt: Date, deliverBy: Date, rules: CompensationRules) => deliveredAt.getTime() <= deliverBy.getTime() + rules.grace_hours * HOUR_MS;

/** What a fired timer means: the breach kind it detects. */
export const BREACH_OF_TIMER: Record<TimerKind, BreachKind> = {
  // Silence from the supplier is treated like a refusal: the shipment must be re-sourced or refunded.
  acceptance: 'refused',
  // A missed handover is a late delivery in the making; it is compensated only once deliver_by has passed.
  handover: 'late',
  delivery: 'late',
  silence: 'lost',
};

/** A breach is worth re-routing (the repair saga) only when a supplier failed and there is time left. */
export function isRepairable(breach: { kind: BreachKind; trigger: string }, now: Date, deliverBy: Date): boolean {
  const supplierSide = breach.kind === 'refused' || breach.trigger === 'acceptance_timer' || breach.trigger === 'handover_timer';
  return supplierSide && now.getTime() < deliverBy.getTime();
}
