/** Errors the ledger throws, each with a stable code (mapped to problem+json where they reach HTTP). */
export type LedgerErrorCode = 'MILESTONE_INVALID';

export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}
