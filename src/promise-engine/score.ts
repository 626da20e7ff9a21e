import type { ShipmentPlan } from './types.js';

export function goodsCostMinor(lines: ShipmentPlan['lines']): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitCostMinor, 0);
}

export function expectedBreachCostMinor(probability: number, lateCompensationMinor: number): number {
  return Math.round((1 - probability) * lateCompensationMinor);
}

/** The broken promise's cost beyond compensation, weighted by its chance: part of the score only. */
export function expectedBrokenPromiseCostMinor(probability: number, brokenPromiseCostMinor: number): number {
  return Math.round((1 - probability) * brokenPromiseCostMinor);
}

export type Rankable = {
  score: number;
  probability: number;
  estimatedDelivery: Date;
  /** Last resort, so equal routes still order the same way every time. */
  ids: readonly (string | number)[];
};

/** Lower score, then higher probability, then earlier delivery, then ids. Code-unit order, never locale order. */
export function compareRankable(a: Rankable, b: Rankable): number {
  if (a.score !== b.score) return a.score - b.score;
  if (a.probability !== b.probability) return b.probability - a.probability;
  const byDate = a.estimatedDelivery.getTime() - b.estimatedDelivery.getTime();
  if (byDate !== 0) return byDate;
  return compareIds(a.ids, b.ids);
}

export function compareIds(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
