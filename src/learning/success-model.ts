/**
 * The success model: one Beta posterior per route component, learned from settled promises.
 * PURE: no I/O, no clock (elapsed time comes in as a number). The policy replay and the decision-quality
 * benchmark import this file: its exports are a contract (README.md in this folder documents them).
 */

export type ComponentKind = 'supplier_handover' | 'warehouse_cutoff' | 'carrier_lane';
export const COMPONENT_KINDS: readonly ComponentKind[] = ['supplier_handover', 'warehouse_cutoff', 'carrier_lane'];

/** Beta(alpha, beta) over "this component is on time"; alpha and beta include the prior's pseudo-counts. */
export type Posterior = { alpha: number; beta: number };

export type EstimateSummary = { mean: number; lower: number; upper: number; n: number };

/**
 * Weak informative priors, by component and optional partner class. Means match the engine's historical
 * constants (supplier 0.90, carrier 0.92); strength 10-25 pseudo-outcomes, so a handful of real outcomes
 * moves the estimate but one late parcel does not sink a new partner.
 */
const PRIORS: Record<ComponentKind, Record<string, Posterior>> = {
  supplier_handover: { default: { alpha: 18, beta: 2 }, new: { alpha: 9, beta: 1 }, marketplace: { alpha: 8.5, beta: 1.5 } },
  warehouse_cutoff: { default: { alpha: 18, beta: 2 }, '3pl': { alpha: 19, beta: 1 } },
  carrier_lane: { default: { alpha: 23, beta: 2 }, guaranteed: { alpha: 24.25, beta: 0.75 } },
};

/** The prior for a component; an unknown class gets the component's default. */
export function priorFor(component: ComponentKind, partnerClass?: string): Posterior {
  const byClass = PRIORS[component];
  return { ...((partnerClass !== undefined ? byClass[partnerClass] : undefined) ?? byClass.default!) };
}

/**
 * Exponential forgetting: the evidence above the prior halves every `halfLifeDays`, so a supplier that
 * was bad last quarter and good since is judged on the recent record. The prior itself never decays
 * (the result is never weaker than the prior), so an idle partner drifts back to "new", not to "unknown".
 */
export function decayed(p: Posterior, elapsedDays: number, halfLifeDays: number, prior: Posterior = floorOf(p)): Posterior {
  if (!(elapsedDays > 0) || !(halfLifeDays > 0)) return { ...p };
  const keep = 0.5 ** (elapsedDays / halfLifeDays);
  return {
    alpha: prior.alpha + Math.max(0, p.alpha - prior.alpha) * keep,
    beta: prior.beta + Math.max(0, p.beta - prior.beta) * keep,
  };
}

/** Without a named prior, decay toward the smallest prior of any component that fits under `p`. */
function floorOf(p: Posterior): Posterior {
  return { alpha: Math.min(p.alpha, 1), beta: Math.min(p.beta, 1) };
}

/** The evidence a posterior holds above `prior` (never negative: decay stops at the prior). */
export function evidenceOver(p: Posterior, prior: Posterior): Posterior {
  return { alpha: Math.max(0, p.alpha - prior.alpha), beta: Math.max(0, p.beta - prior.beta) };
}

/**
 * The partner-class prior of a component from its siblings' evidence (a carrier account's other lanes):
 * the base prior's strength, centred on the pooled mean of base + siblings. A lane nobody has used yet
 * then starts where the same carrier stands with this seller, rather than at the generic prior: a lane
 * of a carrier that keeps 99% of its promises is not starved behind a 0.92 guess, and one of a carrier
 * that keeps 80% is not trusted blindly. With no sibling evidence it is the base prior itself.
 */
export function classPrior(base: Posterior, siblings: readonly Posterior[]): Posterior {
  const pooled = { alpha: 0, beta: 0 };
  for (const sibling of siblings) {
    const e = evidenceOver(sibling, base);
    pooled.alpha += e.alpha;
    pooled.beta += e.beta;
  }
  return classPriorOf(base, pooled);
}

/** classPrior from the siblings' evidence already summed (pseudo-counts above `base`). */
export function classPriorOf(base: Posterior, evidence: Posterior): Posterior {
  const alpha = base.alpha + Math.max(0, evidence.alpha);
  const beta = base.beta + Math.max(0, evidence.beta);
  if (alpha === base.alpha && beta === base.beta) return { ...base };
  const strength = base.alpha + base.beta;
  const mean = alpha / (alpha + beta);
  return { alpha: strength * mean, beta: strength * (1 - mean) };
}

/** The carrier account of a lane key (laneKey puts it first; account ids never contain '|'). */
export const laneAccount = (laneKeyValue: string): string => laneKeyValue.slice(0, Math.max(0, laneKeyValue.indexOf('|')));

/** One outcome (or `weight` of one, for partial blame) added to the posterior. */
export function observe(p: Posterior, onTime: boolean, weight = 1): Posterior {
  const w = Math.max(0, weight);
  return onTime ? { alpha: p.alpha + w, beta: p.beta } : { alpha: p.alpha, beta: p.beta + w };
}

export const posteriorMean = (p: Posterior) => p.alpha / (p.alpha + p.beta);

export function posteriorSd(p: Posterior): number {
  const s = p.alpha + p.beta;
  return Math.sqrt((p.alpha * p.beta) / (s * s * (s + 1)));
}

/**
 * Mean and 90% equal-tailed credible interval. `n` is the evidence behind it: alpha + beta minus the
 * prior's pseudo-counts when `prior` is given (decayed outcomes count fractionally), else alpha + beta.
 */
export function summary(p: Posterior, prior?: Posterior): EstimateSummary {
  const strength = p.alpha + p.beta;
  const [lower, upper] = credibleInterval(p.alpha, p.beta);
  return { mean: posteriorMean(p), lower, upper, n: prior ? Math.max(0, strength - prior.alpha - prior.beta) : strength };
}

// The 90% interval costs two bisections of a continued fraction (~0.1 ms); one decision asks for the
// same few components on every candidate route, so the answers are remembered. The result depends
// only on (alpha, beta): a cache, not state. Bounded: cleared whole when full.
const INTERVAL_CACHE_LIMIT = 10_000;
const intervalCache = new Map<string, readonly [number, number]>();
function credibleInterval(alpha: number, beta: number): readonly [number, number] {
  const key = `${alpha}|${beta}`;
  let interval = intervalCache.get(key);
  if (!interval) {
    if (intervalCache.size >= INTERVAL_CACHE_LIMIT) intervalCache.clear();
    interval = [betaQuantile(0.05, alpha, beta), betaQuantile(0.95, alpha, beta)];
    intervalCache.set(key, interval);
  }
  return interval;
}

/**
 * What scoring uses: mean - riskAversion x standard deviation, in [0, 1]. riskAversion 0 is the plain mean.
 *
 * Why this does not starve new partners (the exploration argument): the penalty is bounded by the
 * prior's spread (Beta(18,2): sd 0.065), so a new supplier scores prior mean - k x 0.065 (0.87 at k = 0.5),
 * which beats every partner proven worse than that; it wins traffic where the incumbents are mediocre,
 * and each kept promise shrinks its penalty (sd ~ 1/sqrt(n)). A proven-good partner (mean 0.97 over 200
 * outcomes, sd 0.012) still outranks it: unproven is not trusted blindly.
 */
export function effectiveProbability(p: Posterior, riskAversion: number): number {
  const value = posteriorMean(p) - Math.max(0, riskAversion) * posteriorSd(p);
  return Number.isNaN(value) ? 0 : Math.min(1, Math.max(0, value));
}

/** Inverse of the regularized incomplete beta function by bisection (60 halvings: < 1e-15). */
export function betaQuantile(q: number, alpha: number, beta: number): number {
  if (q <= 0) return 0;
  if (q >= 1) return 1;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (regularizedBeta(mid, alpha, beta) < q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** I_x(a, b) by Lentz's continued fraction (Numerical Recipes 6.4), using the symmetry for fast convergence. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for positive arguments. */
function logGamma(z: number): number {
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const x = z - 1;
  let sum = c[0]!;
  for (let i = 1; i < g + 2; i++) sum += c[i]! / (x + i);
  const t = x + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The lane key: carrier account, service, origin region -> destination region ('?' when unknown). */
export function laneKey(carrierAccountId: string, service: string, originRegion: string | null | undefined, destinationRegion: string | null | undefined): string {
  return `${carrierAccountId}|${service}|${originRegion || '?'}->${destinationRegion || '?'}`;
}

/** The facts of one settled promise the model needs (a promise_outcomes row satisfies it). */
export type OutcomeFacts = {
  outcome: 'kept' | 'broken';
  breach_kind: 'late' | 'lost' | 'refused' | 'cancelled' | null;
  cause: 'supplier' | 'warehouse' | 'carrier' | 'seller' | 'customer' | null;
  supplier_id: string;
  warehouse_id: string;
  carrier_account_id: string;
  service: string;
  origin_region: string | null;
  destination_region: string | null;
  deliver_by: Date;
  handover_by: Date | null;
  handed_over_at: Date | null;
  delivered_at: Date | null;
  /** The supplier's own quoted handover ETA at commit; absent/null on outcomes written before 0014. */
  handover_eta?: Date | null;
  /** The carrier's estimate for the booked departure; absent/null on outcomes written before 0014. */
  estimated_delivery?: Date | null;
};

/**
 * How long after its own quoted handover ETA a supplier still counts as having had a good day. The
 * engine's supplier number is the asymptote of its slack curve, base x (1 - 0.5 exp(-slack / 6 h))
 * (promise-engine/probability.ts `supplierOnTime`, SUPPLIER_SLACK_SCALE_HOURS = 6): P(handed over
 * given all the slack it needs). Three scales (18 h) past the ETA the curve is at 97.5% of base, so
 * "handed over within 18 h of its ETA" is the event the engine calls base; later is a breakdown the
 * curve does not cover. Kept here, not imported: the engine imports this file.
 */
export const HANDOVER_GRACE_HOURS = 18;
const HOUR_MS = 3_600_000;

export type ComponentUpdate = { kind: ComponentKind; key: string; onTime: boolean };

/**
 * Which component estimates one outcome updates, and with what (who to blame). Each component is judged
 * against what it promised, not against the slack the engine added on top (the engine adds it again):
 * - Seller- or customer-caused breaks say nothing about partners: no update.
 * - A break whose cause names the supplier (or the warehouse) judges that one alone, and the other
 *   handover component and the carrier lane are left alone: false, except a late supplier handover
 *   within HANDOVER_GRACE_HOURS of its own ETA (breach detection blames any handover after the booked
 *   cut-off; that one missed only the slack the engine chose).
 * - Otherwise the handover (supplier and warehouse cut-off together: they share one timestamp, so we
 *   cannot tell them apart), when handed_over_at is known: on time if by the booked cut-off
 *   (handover_by), or, when the supplier's handover_eta is known, within HANDOVER_GRACE_HOURS of it. A
 *   handover after a tight cut-off but within the grace is a good day priced by the engine's slack
 *   curve, not a miss of the supplier's. Old rows (no ETA) are judged by handover_by alone. Without
 *   timestamps: true for a kept promise or a carrier-caused break (the carrier had the parcel).
 * - Carrier lane: judged only given a handover by the booked cut-off (a carrier is not blamed for a
 *   parcel that started late, and its estimate is for the booked departure): delivered_at <= its own
 *   estimated_delivery when known (else deliver_by, old rows); false for a carrier-caused break; true when kept.
 */
export function componentKeys(o: OutcomeFacts): ComponentUpdate[] {
  if (o.cause === 'seller' || o.cause === 'customer') return [];
  const isBroken = o.outcome === 'broken';
  const withinGrace = !!o.handed_over_at && !!o.handover_eta && o.handed_over_at.getTime() <= o.handover_eta.getTime() + HANDOVER_GRACE_HOURS * HOUR_MS;
  // Breach detection names the supplier for any handover after the booked cut-off; a late one within the
  // grace of its own ETA was the engine's tight booking, not the supplier's miss.
  if (isBroken && o.cause === 'supplier') return [{ kind: 'supplier_handover', key: o.supplier_id, onTime: o.breach_kind === 'late' && withinGrace }];
  if (isBroken && o.cause === 'warehouse') return [{ kind: 'warehouse_cutoff', key: o.warehouse_id, onTime: false }];

  let madeBookedCutoff: boolean | null = null;
  let handoverOnTime: boolean | null = null;
  if (o.handed_over_at && o.handover_by) {
    const at = o.handed_over_at.getTime();
    madeBookedCutoff = at <= o.handover_by.getTime();
    handoverOnTime = madeBookedCutoff || withinGrace;
  } else if (!isBroken || o.cause === 'carrier') madeBookedCutoff = handoverOnTime = true;
  if (handoverOnTime === null) return [];
  const updates: ComponentUpdate[] = [
    { kind: 'supplier_handover', key: o.supplier_id, onTime: handoverOnTime },
    { kind: 'warehouse_cutoff', key: o.warehouse_id, onTime: handoverOnTime },
  ];
  if (!madeBookedCutoff) return updates;

  const promisedBy = o.estimated_delivery ?? o.deliver_by;
  let carrierOnTime: boolean | null = null;
  if (isBroken && o.cause === 'carrier' && o.breach_kind === 'lost') carrierOnTime = false;
  else if (o.delivered_at) carrierOnTime = o.delivered_at.getTime() <= promisedBy.getTime();
  else if (isBroken && o.cause === 'carrier') carrierOnTime = false;
  else if (!isBroken) carrierOnTime = true;
  if (carrierOnTime !== null) updates.push({ kind: 'carrier_lane', key: laneKey(o.carrier_account_id, o.service, o.origin_region, o.destination_region), onTime: carrierOnTime });
  return updates;
}
