import { z } from 'zod';
import { ReplayPolicySchema, ReplayRequestSchema } from '../../replay/replay-params.js';

export { ReplayPolicySchema };
export const ReplayRequest = ReplayRequestSchema.meta({ id: 'ReplayRequest' });

export const ReplayAccepted = z.object({ id: z.string(), status: z.literal('queued') }).meta({ id: 'ReplayAccepted' });

const Summary = z
  .object({
    orders: z.number().int(),
    promised: z.number().int(),
    promise_rate: z.number(),
    expected_kept_rate: z.number().describe('Mean P(on time) of the promises: the actual outcome where the route is the one that happened, else the estimator'),
    landed_cost_minor: z.number().int(),
    expected_compensation_minor: z.number().int(),
    total_cost_minor: z.number().int(),
  })
  .meta({ id: 'ReplaySummary' });

const DecisionView = z.object({
  outcome: z.enum(['promise', 'decline']),
  routes: z.array(z.string()),
  landed_cost_minor: z.number().int(),
  p_on_time: z.number().nullable(),
  basis: z.enum(['actual', 'estimated']).nullable(),
});

export const ReplayResult = z
  .object({
    currency: z.string().nullable(),
    orders_considered: z.number().int(),
    skipped_without_snapshot: z.number().int().describe('Orders recorded before decisions kept their engine input; not replayed'),
    changed_decisions: z.number().int(),
    baseline: Summary.describe('What was decided at the time'),
    alternative: Summary.describe('What the policy change would have decided'),
    diffs: z.array(z.object({ order_id: z.string(), baseline: DecisionView, alternative: DecisionView })).describe('The first 50 changed orders'),
  })
  .meta({ id: 'ReplayResult' });

export const Replay = z
  .object({
    id: z.string(),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    params: z.object({ from: z.string(), to: z.string(), policy: z.record(z.string(), z.unknown()) }),
    progress: z.object({ done: z.number().int(), total: z.number().int() }),
    result: ReplayResult.nullable(),
    error: z.string().nullable(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'Replay' });
