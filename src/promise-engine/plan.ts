import { linesFor, type Source, type SourceLine } from './candidates.js';
import { clampProbability } from './probability.js';
import { goodsCostMinor } from './score.js';
import type { OrderLine } from './types.js';

export type Coverage =
  | { kind: 'single'; sources: Source[] }
  | { kind: 'split'; shipments: { source: Source; lines: SourceLine[] }[] }
  | { kind: 'uncovered'; skus: string[] };

/** One line per SKU: stock is checked against the total quantity, not per duplicate line. */
export function mergeLines(lines: readonly OrderLine[]): OrderLine[] {
  const merged = new Map<string, OrderLine>();
  for (const line of lines) {
    const seen = merged.get(line.sku);
    merged.set(line.sku, seen ? { ...seen, quantity: seen.quantity + line.quantity } : { ...line });
  }
  return [...merged.values()];
}

/**
 * Single shipment whenever one source serves every line. Otherwise greedy set cover: repeatedly take the
 * source serving the most uncovered lines (cheaper goods, then ids, break ties; `sources` arrive sorted by ids).
 */
export function coverOrder(lines: readonly OrderLine[], sources: readonly Source[]): Coverage {
  const skus = lines.map((l) => l.sku);
  const uncoverable = skus.filter((sku) => !sources.some((s) => s.servable.has(sku)));
  if (uncoverable.length > 0) return { kind: 'uncovered', skus: uncoverable };
  const full = sources.filter((s) => skus.every((sku) => s.servable.has(sku)));
  if (full.length > 0) return { kind: 'single', sources: full };

  const left = new Set(skus);
  const shipments: { source: Source; lines: SourceLine[] }[] = [];
  while (left.size > 0) {
    let best: { source: Source; lines: SourceLine[]; cost: number } | null = null;
    for (const source of sources) {
      if (shipments.some((s) => s.source === source)) continue;
      const covered = linesFor(source, skus.filter((sku) => left.has(sku)));
      if (covered.length === 0) continue;
      const cost = goodsCostMinor(covered);
      if (!best || covered.length > best.lines.length || (covered.length === best.lines.length && cost < best.cost)) {
        best = { source, lines: covered, cost };
      }
    }
    if (!best) return { kind: 'uncovered', skus: [...left] };
    shipments.push({ source: best.source, lines: best.lines });
    for (const line of best.lines) left.delete(line.sku);
  }
  return { kind: 'split', shipments };
}

/** Shipments fail independently and any late one breaks the promise, so the order's P is their product. */
export function combinedProbability(probabilities: readonly number[]): number {
  return clampProbability(probabilities.reduce((p, q) => p * q, 1));
}
