import { z } from 'zod';

export const StatsQuery = z.strictObject({ weeks: z.coerce.number().int().min(1).max(104).default(12) });

const Estimate = z.object({
  mean: z.number(),
  lower: z.number().describe('5% quantile of the Beta posterior (90% credible interval)'),
  upper: z.number().describe('95% quantile'),
  n: z.number().describe('Evidence behind it after time decay, in outcomes'),
});

export const PartnerStats = z
  .object({
    partner_id: z.string(),
    kind: z.enum(['supplier', 'warehouse', 'carrier']),
    weeks: z.array(z.object({ week_start: z.string().describe('ISO week Monday, UTC'), outcomes: z.number().int(), on_time: z.number().int(), on_time_rate: z.number().nullable() })),
    estimate: Estimate.extend({ outcomes: z.number().int().describe('Outcomes ever applied (not decayed)') }),
    lanes: z.array(Estimate.extend({ lane: z.string(), outcomes: z.number().int(), updated_at: z.string() })).optional(),
  })
  .meta({ id: 'PartnerStats' });

export const RatingRules = z
  .strictObject({
    on_time_threshold: z.number().min(0).max(1),
    consecutive_weeks: z.number().int().min(1).max(12),
    min_outcomes: z.number().int().min(1).max(10_000),
    demotion_weight: z.number().gt(0).max(1),
    open_backup_inquiry: z.boolean(),
  })
  .meta({ id: 'RatingRules' });
export const RatingRulesInput = RatingRules.partial().meta({ id: 'RatingRulesUpdate', description: 'Fields left out take the default (85%, 2 weeks, 5 outcomes, x0.8, inquiry on)' });

export const RatingRunQuery = z.strictObject({
  week: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
    .optional()
    .describe('The ISO week (its Monday) to rate; default the last completed week'),
  seller_id: z.string().min(1).max(100).optional(),
});
export const RatingRun = z.object({
  week_start: z.string(),
  suppliers: z.array(z.object({ supplier_id: z.string(), action: z.enum(['demote', 'recover']).nullable(), reason: z.string(), fired: z.boolean() })),
});

export const SupplierRatings = z
  .object({
    supplier_id: z.string(),
    rating_status: z.enum(['active', 'demoted']),
    routing_weight: z.number(),
    weeks: z.array(
      z.object({
        week_start: z.string(),
        outcomes: z.number().int(),
        judged: z.number().int(),
        on_time: z.number().int(),
        on_time_rate: z.number().nullable(),
        refused: z.number().int(),
        handed_over: z.number().int(),
        tracked: z.number().int(),
        compensation_minor: z.number().int(),
        refusal_rate: z.number().nullable(),
        tracking_quality: z.number().nullable().describe('Share of handed-over shipments with a carrier scan within 48 h'),
        outcome_ids: z.array(z.string()),
      }),
    ),
    firings: z.array(z.object({ id: z.string(), week_start: z.string(), rule: z.string(), action: z.enum(['demote', 'recover']), evidence: z.unknown(), created_at: z.string() })),
    inquiries: z.array(
      z.object({
        id: z.string(),
        rating_event_id: z.string(),
        status: z.enum(['open', 'quoted', 'closed']),
        alternatives: z.array(z.object({ supplier_id: z.string(), warehouse_id: z.string(), skus: z.array(z.string()), answer: z.unknown() })),
        created_at: z.string(),
      }),
    ),
  })
  .meta({ id: 'SupplierRatings' });
