import { z } from 'zod';

/** Longest latency a knob may ask for; also caps each drawn latency (timers overflow past 2^31 ms). */
export const MAX_LATENCY_MS = 600_000;

const latencyMs = z.number().min(0).max(MAX_LATENCY_MS);
const probability = z.number().min(0).max(1);

const fields = {
  latency_ms_median: latencyMs,
  latency_ms_p99: latencyMs,
  /** Probability that a request answers 500/503 in the partner's own error format. */
  error_rate: probability,
  /** Probability that a request never answers. */
  hang_rate: probability,
  /** Suppliers: overrides every SKU's available quantity; null keeps the world's stock. */
  stock: z.number().int().min(0).nullable(),
  /** Suppliers: probability that goods are actually handed over by the quoted ETA. */
  handover_reliability: probability,
  /** Warehouses: overrides the parcels every pickup takes; null keeps the site's capacity. */
  pickup_capacity: z.number().int().min(0).nullable(),
};

const p99NotBelowMedian = {
  message: 'must be greater than or equal to latency_ms_median',
  path: ['latency_ms_p99'],
};

export const SandboxKnobs = z
  .object(fields)
  .strict()
  .refine((k) => k.latency_ms_p99 >= k.latency_ms_median, p99NotBelowMedian);
export type SandboxKnobs = z.infer<typeof SandboxKnobs>;

/** The body of `PATCH /sandbox/partners/:id`: any subset of the knobs, unknown keys refused. */
export const SandboxKnobsPatch = z
  .object(fields)
  .partial()
  .strict()
  .refine(
    (p) => p.latency_ms_median === undefined || p.latency_ms_p99 === undefined || p.latency_ms_p99 >= p.latency_ms_median,
    p99NotBelowMedian,
  );
export type SandboxKnobsPatch = z.infer<typeof SandboxKnobsPatch>;

export const DEFAULT_KNOBS: SandboxKnobs = Object.freeze({
  latency_ms_median: 40,
  latency_ms_p99: 250,
  error_rate: 0,
  hang_rate: 0,
  stock: null,
  handover_reliability: 1,
  pickup_capacity: null,
});
