import { assessSources, blockedRoutes, buildRoutes, linesFor, sourceNotes, type Route, type Source, type SourceLine } from './candidates.js';
import { bestRoute, candidateRecords, explainFailure, unique } from './explain.js';
import { combinedProbability, coverOrder, mergeLines } from './plan.js';
import { expectedBreachCostMinor } from './score.js';
import type { CandidateRecord, DeclineCode, EngineDecision, EngineInput } from './types.js';

export * from './types.js';

/**
 * The promise: the plan with the lowest landed cost plus expected breach cost that arrives by `deliverBy`
 * with at least `policy.minConfidence`, or a decline with a stable code. Pure, deterministic, never throws.
 */
export function decide(input: EngineInput): EngineDecision {
  const lines = mergeLines(input.lines);
  if (lines.length === 0) return decline('NO_OFFERS', ['the order has no lines'], []);
  const unoffered = lines.filter((line) => !input.offers.some((o) => o.sku === line.sku));
  if (unoffered.length > 0) return decline('NO_OFFERS', unoffered.map((l) => `no supplier offers ${l.sku}`), []);

  const sources = assessSources(input, lines);
  const coverage = coverOrder(lines, sources);
  switch (coverage.kind) {
    case 'uncovered':
      return declineUncovered(input, sources, coverage.skus);
    case 'single':
      return decideSingle(input, sources, coverage.sources, lines.map((l) => l.sku));
    case 'split':
      return decideSplit(input, sources, coverage.shipments);
  }
}

function declineUncovered(input: EngineInput, sources: Source[], skus: string[]): EngineDecision {
  const problems = skus.flatMap((sku) => sources.flatMap((s) => s.problems.get(sku) ?? []));
  const code = problems.every((p) => p.kind === 'no_quote') ? 'NO_QUOTES' : 'OUT_OF_STOCK';
  const reasons = skus.map((sku) => `no source can supply ${sku}: ${unique(sources.flatMap((s) => s.problems.get(sku)?.message ?? [])).join('; ')}`);
  const others = sources.flatMap((s) => blockedRoutes(input, s, s.offeredSkus, sourceNotes(s, s.offeredSkus)));
  return decline(code, reasons, candidateRecords([], others));
}

function decideSingle(input: EngineInput, sources: Source[], full: Source[], skus: string[]): EngineDecision {
  const built = full.map((s) => buildRoutes(input, s, linesFor(s, skus)));
  const routes = built.flatMap((b) => b.routes);
  const others = sources
    .filter((s) => !full.includes(s))
    .flatMap((s) => blockedRoutes(input, s, skus, [`cannot ship the whole order: ${sourceNotes(s, skus).join('; ')}`]));
  const chosen = bestRoute(routes);
  const records = candidateRecords([{ routes, chosen }], others);
  if (!chosen) {
    const { code, reasons } = explainFailure(input, routes, built.flatMap((b) => b.problems));
    return decline(code, reasons, records);
  }
  return promise(input, [chosen], chosen.evaluation.plan.probability, records);
}

function decideSplit(input: EngineInput, sources: Source[], shipments: { source: Source; lines: SourceLine[] }[]): EngineDecision {
  const groups = shipments.map(({ source, lines }) => {
    const { routes, problems } = buildRoutes(input, source, lines);
    const label = `shipment from ${source.supplierId}/${source.warehouseId} (${lines.map((l) => l.sku).join(', ')})`;
    return { label, routes, problems, chosen: bestRoute(routes) };
  });
  const used = shipments.map((s) => s.source);
  const others = sources
    .filter((s) => !used.includes(s))
    .flatMap((s) => {
      const notes = sourceNotes(s, s.offeredSkus);
      return blockedRoutes(input, s, s.offeredSkus, notes.length > 0 ? notes : ['not needed: the split covers these lines from other sources']);
    });
  const records = candidateRecords(groups, others);

  const failures = groups.flatMap((g) => (g.chosen ? [] : [{ label: g.label, ...explainFailure(input, g.routes, g.problems) }]));
  const [firstFailure] = failures;
  if (firstFailure) return decline(firstFailure.code, failures.flatMap((f) => f.reasons.map((r) => `${f.label}: ${r}`)), records);

  const chosen = groups.flatMap((g) => (g.chosen ? [g.chosen] : []));
  const probability = combinedProbability(chosen.map((r) => r.evaluation.plan.probability));
  if (probability < input.policy.minConfidence) {
    const parts = chosen.map((r) => r.evaluation.plan.probability.toFixed(3)).join(' x ');
    const reason = `the order needs ${chosen.length} shipments; their combined confidence ${parts} = ${probability.toFixed(3)} is below the minimum ${input.policy.minConfidence}`;
    return decline('BELOW_MIN_CONFIDENCE', [reason], records);
  }
  return promise(input, chosen, probability, records);
}

function decline(code: DeclineCode, reasons: string[], candidates: CandidateRecord[]): EngineDecision {
  return { outcome: 'decline', code, reasons, candidates };
}

function promise(input: EngineInput, chosen: Route[], probability: number, candidates: CandidateRecord[]): EngineDecision {
  const shipments = chosen.flatMap((r) => (r.evaluation ? [r.evaluation.plan] : []));
  return {
    outcome: 'promise',
    shipments,
    deliverBy: input.deliverBy,
    confidence: probability,
    landedCostMinor: shipments.reduce((sum, s) => sum + s.landedCostMinor, 0),
    expectedBreachCostMinor: expectedBreachCostMinor(probability, input.policy.compensationMinor.late),
    candidates,
  };
}
