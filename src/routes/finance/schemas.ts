import { z } from 'zod';
import { JournalProof as JournalProofShape } from '../../ledger/proof-format.js';

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

const LedgerAnchor = z
  .object({
    status: z.enum(['pending', 'submitted', 'final']).describe('pending: not yet in a batch sent to the chain; final: anchored with the required confirmations'),
    batch_id: z.number().int().nullable(),
    tx_hash: z.string().nullable(),
  })
  .meta({ id: 'LedgerAnchor', description: "Where the transaction's hash stands in the anchoring of journal batches; the proof is at /v1/ledger/transactions/{id}/proof" });

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
    anchor: LedgerAnchor,
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

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM');
const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code in upper case, e.g. USD');

export const ReconciliationQuery = z.strictObject({
  month: Month.describe('Calendar month, UTC'),
  currency: Currency.optional(),
});

const ReconciliationFigures = {
  currency: z.string(),
  compensation_posted_minor: z.number().int().describe('Compensation posted to compensation_payable in the month (net of reversals)'),
  compensation_count: z.number().int(),
  chargebacks_booked_minor: z.number().int().describe('Chargebacks booked to chargebacks_receivable:<partner> in the month (net of reversals)'),
  chargeback_count: z.number().int(),
  reversal_count: z.number().int(),
  difference_minor: z.number().int().describe('compensation_posted_minor - chargebacks_booked_minor: not (yet) recovered'),
};

export const Reconciliation = z
  .object({
    month: z.string(),
    from: z.string(),
    to: z.string(),
    partners: z.array(z.object({ partner_id: z.string().nullable().describe('null: compensation no partner caused'), ...ReconciliationFigures })),
    totals: z.array(z.object(ReconciliationFigures)),
  })
  .meta({ id: 'Reconciliation' });

export const CompensationWeeklyQuery = z.strictObject({
  weeks: z.coerce.number().int().min(1).max(104).default(12),
  currency: Currency.optional(),
});

export const CompensationWeekly = z
  .object({
    as_of: z.string(),
    weeks: z.number().int(),
    series: z.array(
      z.object({
        currency: z.string(),
        points: z.array(z.object({ week_start: z.string().describe('Monday 00:00 UTC'), amount_minor: z.number().int(), count: z.number().int() })),
      }),
    ),
  })
  .meta({ id: 'CompensationWeekly' });

export const JournalProof = JournalProofShape.meta({
  id: 'JournalProof',
  description:
    "One journal transaction, its chain hash as the leaf, the Merkle path to its batch root, and where that root is anchored on chain. Check it offline with `pledge verify proof.json --rpc URL`.",
});
