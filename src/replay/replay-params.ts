import { z } from 'zod';

const Minor = z.number().int().min(0).max(10_000_000);

/** The policy change to try; every field optional (absent = as each order was decided). Unknown fields refused. */
export const ReplayPolicySchema = z
  .strictObject({
    min_confidence: z.number().min(0).max(1).optional().describe('Never promise below this confidence (0..1)'),
    breach_cost_weight: z.number().min(0).max(100).optional().describe('Multiplies the expected breach cost in the score; 1 = as recorded'),
    excluded_partners: z.array(z.string().min(1).max(100)).max(200).optional().describe('Supplier, warehouse or carrier account ids to route around'),
    compensation_minor: z.strictObject({ late: Minor.optional(), lost: Minor.optional(), refused: Minor.optional(), cancelled: Minor.optional() }).optional(),
    broken_promise_cost_minor: Minor.optional().describe('What a broken promise costs beyond the compensation (scored, never paid); absent = as each order was decided'),
  })
  .meta({ id: 'ReplayPolicy' });

const Day = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const ReplayRequestSchema = z
  .strictObject({
    from: Day.describe('Orders placed at or after this instant (a bare date is its start, UTC)'),
    to: Day.describe('Orders placed before this instant (a bare date is its start, UTC)'),
    policy: ReplayPolicySchema,
  })
  .refine((r) => toInstant(r.from).getTime() < toInstant(r.to).getTime(), { message: 'must be after from', path: ['to'] })
  .refine((r) => toInstant(r.to).getTime() - toInstant(r.from).getTime() <= 366 * 86_400_000, { message: 'the window is at most 366 days', path: ['to'] });

export type ReplayRequest = z.infer<typeof ReplayRequestSchema>;

export const toInstant = (value: string) => new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value);
