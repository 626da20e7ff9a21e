import { randomBytes } from 'node:crypto';

/** A supplier's callback secret (it signs Pledge-Signature). 256 bits. */
export const newCallbackSecret = () => `pcs_${randomBytes(32).toString('base64url')}`;
/** A carrier account's webhook secret when the seller does not bring one. 256 bits. */
export const newWebhookSecret = () => `pws_${randomBytes(32).toString('base64url')}`;
