import type { QuoteOutcome } from './types.js';

export type Usable<T> = { isUsable: true; value: T; isCached: boolean } | { isUsable: false; reason: string };

/** `what` names the call for humans, e.g. "supplier sup_a quote for wh_a"; the reason is a whole sentence. */
export function readOutcome<T>(outcome: QuoteOutcome<T> | undefined, what: string): Usable<T> {
  if (!outcome) return { isUsable: false, reason: `${what} missing` };
  switch (outcome.status) {
    case 'received':
      return { isUsable: true, value: outcome.value, isCached: false };
    case 'cached':
      return { isUsable: true, value: outcome.value, isCached: true };
    case 'timed_out':
      return { isUsable: false, reason: `${what} timed out` };
    case 'failed':
      return { isUsable: false, reason: `${what} failed: ${outcome.reason}` };
    case 'rejected':
      return { isUsable: false, reason: `${what} rejected: ${outcome.reason}` };
  }
}

export const sameCurrency = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();
