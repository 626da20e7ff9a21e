import { z } from 'zod';
import { MinorUnits } from '../shared-schemas.js';

const CompensationStatus = z.enum(['pending_approval', 'posted', 'rejected']);
const BreachKind = z.enum(['late', 'lost', 'refused', 'cancelled']);
const BreachStatus = z.enum(['detected', 'repairing', 'repaired', 'repair_failed', 'compensating', 'awaiting_approval', 'compensated', 'rejected', 'closed']);
// Free text lands in the finance page and exports: no leading character a spreadsheet would run as a formula.
const Reason = z.string().trim().min(1, 'required').max(500).regex(/^[^=+\-@\t\r]/, 'must not start with =, +, -, @, tab or CR');

export const CompensationQuery = z.strictObject({
  status: CompensationStatus.optional(),
  order_id: z.string().min(1).max(100).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const Compensation = z
  .object({
    id: z.string(),
    order_id: z.string(),
    breach_id: z.string().nullable().describe('Null for a manual goodwill compensation'),
    breach_kind: BreachKind.nullable(),
    currency: z.string(),
    amount_minor: z.number().int(),
    breakdown: z.record(z.string(), z.unknown()).describe('How the amount was computed: rule, value, days late, cap, goodwill'),
    policy_version: z.number().int().nullable(),
    status: CompensationStatus,
    requested_by: z.string().describe("'system' or the requesting API key id"),
    created_at: z.string(),
    decided_by: z.string().nullable(),
    decided_at: z.string().nullable(),
    reason: z.string().nullable(),
    journal_transaction_id: z.string().nullable(),
  })
  .meta({ id: 'Compensation' });

export const CompensationList = z.object({ data: z.array(Compensation), next_cursor: z.string().nullable() }).meta({ id: 'CompensationList' });

export const CompensationRequest = z.strictObject({
  order_id: z.string().min(1).max(100),
  amount_minor: MinorUnits.min(1),
  reason: Reason,
});

export const RejectRequest = z.strictObject({ reason: Reason });

export const BreachQuery = z.strictObject({
  order_id: z.string().min(1).max(100).optional(),
  kind: BreachKind.optional(),
  status: BreachStatus.optional(),
  cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const Breach = z
  .object({
    id: z.string(),
    order_id: z.string(),
    shipment_id: z.string(),
    kind: BreachKind,
    trigger: z.string().describe('What detected it: a timer, a failure milestone, a late delivery'),
    cause: z.enum(['supplier', 'warehouse', 'carrier', 'seller', 'customer', 'platform']),
    partner_id: z.string().nullable(),
    status: BreachStatus,
    detected_at: z.string(),
    resolved_at: z.string().nullable(),
    evidence: z.object({
      milestones: z.array(z.object({ id: z.string(), proof_url: z.string() })),
      timer_id: z.string().nullable(),
      notes: z.array(z.string()),
    }),
    compensation: z
      .object({ id: z.string(), status: CompensationStatus, amount_minor: z.number().int().optional(), currency: z.string().optional() })
      .nullable()
      .describe('Amounts are left out for ops keys'),
  })
  .meta({ id: 'Breach' });

export const BreachList = z.object({ data: z.array(Breach), next_cursor: z.string().nullable().describe('Null on the last page') }).meta({ id: 'BreachList' });
