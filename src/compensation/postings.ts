// Pure posting maths for the compensation journal: no I/O, no clock, no randomness.
// Sign convention: amount_minor is signed, debit positive, credit negative; every transaction sums
// to zero per currency. Liability accounts (promise_exposure, compensation_payable) therefore carry
// negative balances; finance reads the live liability as the negated balance.

export type JournalKind = 'exposure_reserved' | 'exposure_released' | 'compensation_posted' | 'chargeback' | 'reversal';
export type JournalStatus = 'pending' | 'posted' | 'voided';
export type BreachKind = 'late' | 'lost' | 'refused' | 'cancelled';

export type Posting = { account: string; currency: string; amountMinor: number };

export const ACCOUNTS = {
  /** Contingent liability for promises still open: credited when a promise is made. */
  exposure: 'promise_exposure',
  /** Its contra (memo) account: debited with the same amount, so reserving moves no real money. */
  exposureOffset: 'exposure_offset',
  payable: 'compensation_payable',
  expense: 'compensation_expense',
} as const;

export const chargebackAccount = (partnerId: string) => `chargebacks_receivable:${partnerId}`;

export class LedgerUnbalancedError extends Error {
  readonly code = 'LEDGER_UNBALANCED';
  constructor(message: string) {
    super(message);
    this.name = 'LedgerUnbalancedError';
  }
}

/** A journal transaction's lifecycle is expressed by its kind, never by updating a row. */
export function statusOf(kind: JournalKind): JournalStatus {
  switch (kind) {
    case 'exposure_reserved':
      return 'pending';
    case 'exposure_released':
      return 'voided';
    case 'compensation_posted':
    case 'chargeback':
    case 'reversal':
      return 'posted';
  }
}

/** Throws LedgerUnbalancedError unless: two or more postings, non-zero safe integers, each currency sums to zero. */
export function assertBalanced(postings: readonly Posting[]): void {
  if (postings.length < 2) throw new LedgerUnbalancedError(`a journal transaction needs at least two postings, got ${postings.length}`);
  const sums = new Map<string, bigint>();
  for (const p of postings) {
    if (!Number.isSafeInteger(p.amountMinor) || p.amountMinor === 0) throw new LedgerUnbalancedError(`posting to ${p.account}: amount ${p.amountMinor} is not a non-zero integer of minor units`);
    if (!/^[A-Z]{3}$/.test(p.currency)) throw new LedgerUnbalancedError(`posting to ${p.account}: ${p.currency} is not a currency code`);
    sums.set(p.currency, (sums.get(p.currency) ?? 0n) + BigInt(p.amountMinor));
  }
  for (const [currency, sum] of sums) {
    if (sum !== 0n) throw new LedgerUnbalancedError(`postings do not balance in ${currency}: off by ${sum}`);
  }
}

function positive(name: string, amountMinor: number): void {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) throw new LedgerUnbalancedError(`${name} must be a positive integer of minor units, got ${amountMinor}`);
}

/** Promise made: reserve the expected breach cost. */
export function exposureReserved(currency: string, amountMinor: number): Posting[] {
  positive('exposure', amountMinor);
  return [
    { account: ACCOUNTS.exposureOffset, currency, amountMinor },
    { account: ACCOUNTS.exposure, currency, amountMinor: -amountMinor },
  ];
}

/** Promise kept (or settled): the open exposure goes back to zero. */
export function exposureReleased(currency: string, amountMinor: number): Posting[] {
  positive('exposure', amountMinor);
  return [
    { account: ACCOUNTS.exposure, currency, amountMinor },
    { account: ACCOUNTS.exposureOffset, currency, amountMinor: -amountMinor },
  ];
}

/** Promise broken: release whatever exposure is open and recognise the compensation owed to the customer. */
export function compensationPosted(currency: string, compensationMinor: number, openExposureMinor: number): Posting[] {
  positive('compensation', compensationMinor);
  if (!Number.isSafeInteger(openExposureMinor) || openExposureMinor < 0) throw new LedgerUnbalancedError(`open exposure must be a non-negative integer, got ${openExposureMinor}`);
  return [
    ...(openExposureMinor > 0 ? exposureReleased(currency, openExposureMinor) : []),
    { account: ACCOUNTS.expense, currency, amountMinor: compensationMinor },
    { account: ACCOUNTS.payable, currency, amountMinor: -compensationMinor },
  ];
}

/** The partner that caused the breach owes it back: a receivable, reducing the expense. */
export function chargeback(currency: string, partnerId: string, amountMinor: number): Posting[] {
  positive('chargeback', amountMinor);
  return [
    { account: chargebackAccount(partnerId), currency, amountMinor },
    { account: ACCOUNTS.expense, currency, amountMinor: -amountMinor },
  ];
}

/** A correction is never an edit: the same postings, negated. */
export const reversalOf = (postings: readonly Posting[]): Posting[] => postings.map((p) => ({ ...p, amountMinor: -p.amountMinor }));

/** What a set of postings does to each account's balance (per currency). */
export function balancesOf(postings: readonly Posting[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of postings) {
    const key = `${p.account}|${p.currency}`;
    out.set(key, (out.get(key) ?? 0) + p.amountMinor);
  }
  return out;
}

/** RFC 4180: a field is quoted when it holds a comma, a quote, CR or LF; quotes are doubled. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvRow = (fields: readonly (string | number | null)[]) => `${fields.map(csvField).join(',')}\r\n`;
