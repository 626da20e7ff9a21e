import { z } from 'zod';

const Kind = z.enum(['exposure_reserved', 'exposure_released', 'compensation_posted', 'chargeback', 'reversal']);
const Instant = z.iso.datetime({ offset: true }).describe('ISO 8601 instant');

export const LedgerTransactionQuery = z.strictObject({
  from: Instant.optional().describe('created_at >= from'),
  to: Instant.optional().describe('created_at < to'),
  account: z.string().min(1).max(140).optional().describe('Only transactions posting to this account code, e.g. promise_exposure'),
  partner_id: z.string().min(1).max(100).optional(),
  order_id: z.string().min(1).max(100).optional(),
  kind: Kind.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const LedgerExportQuery = LedgerTransactionQuery.omit({ limit: true, cursor: true });

const LedgerPosting = z
  .object({
    account: z.string(),
    currency: z.string(),
    amount_minor: z.number().int().describe('Signed minor units: debit positive, credit negative'),
  })
  .meta({ id: 'LedgerPosting' });

export const LedgerTransaction = z
  .object({
    id: z.string(),
    seq: z.number().int().describe("Position in the seller's hash chain"),
    kind: Kind,
    status: z.enum(['pending', 'posted', 'voided']),
    order_id: z.string().nullable(),
    partner_id: z.string().nullable(),
    reverses_id: z.string().nullable(),
    memo: z.string().nullable(),
    idempotency_key: z.string(),
    created_at: z.string(),
    prev_hash: z.string(),
    hash: z.string().describe('sha256(prev_hash || canonical JSON of the transaction and its postings)'),
    postings: z.array(LedgerPosting),
  })
  .meta({ id: 'LedgerTransaction' });

export const LedgerTransactionList = z.object({ data: z.array(LedgerTransaction), next_cursor: z.string().nullable() }).meta({ id: 'LedgerTransactionList' });

export const LedgerBalances = z
  .object({
    as_of: z.string(),
    accounts: z.array(
      z.object({
        account: z.string(),
        currency: z.string(),
        balance_minor: z.number().int().describe('Debits minus credits; liabilities are negative'),
        debits_minor: z.number().int(),
        credits_minor: z.number().int(),
      }),
    ),
    live_exposure: z.array(z.object({ currency: z.string(), amount_minor: z.number().int() })).describe('Expected breach cost of promises still open'),
  })
  .meta({ id: 'LedgerBalances' });

export const ReverseRequest = z
  .strictObject({
    memo: z
      .string()
      .trim()
      .min(1)
      .max(500)
      // The memo lands in the CSV export: no leading character a spreadsheet would run as a formula.
      .regex(/^[^=+\-@\t\r]/, 'must not start with =, +, -, @, tab or CR')
      .optional()
      .describe('Why; defaults to "reversal of <id>"'),
  })
  .nullish();
