import type { CompensationByBreach } from '../db/database.js';

/** The promise policy every new seller starts with (version 1); sellers change it by API. */
export const DEFAULT_POLICY = Object.freeze({
  minConfidence: 0.7,
  defaultDeliveryDays: 7,
  currency: 'USD',
  compensationMinor: Object.freeze({ late: 500, lost: 2500, refused: 1500, cancelled: 500 }) as CompensationByBreach,
  voucherTerms:
    'If this order is not delivered by the promised date, present this voucher for a credit on your next order. One use per order.',
  voucherValidityDays: 90,
  staleQuotePenalty: 0.05,
});
