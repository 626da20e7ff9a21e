import { z } from 'zod';
import { UpstreamError, type PartnerConnection, type UpstreamResponse } from './contract.js';

/**
 * Validates a partner's 2xx answer against its wire schema.
 * @throws UpstreamError('invalid_response') when the body does not match: the partner broke its format.
 */
export function parseWire<S extends z.ZodType>(partner: PartnerConnection, schema: S, res: UpstreamResponse, what: string): z.output<S> {
  const parsed = schema.safeParse(res.body);
  if (parsed.success) return parsed.data;
  throw new UpstreamError('invalid_response', partner.id, `${what}: ${z.prettifyError(parsed.error)}`, res.status, res.body);
}

/**
 * @throws UpstreamError('rejected') without calling the partner when the seller has not stored the credential.
 */
export function requireCredential(partner: PartnerConnection, field: string): string {
  const value = partner.credentials[field];
  if (!value) throw new UpstreamError('rejected', partner.id, `credential "${field}" is not configured`);
  return value;
}
