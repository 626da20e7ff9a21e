import { z } from 'zod';
import { isCountryCode } from '../lib/countries.js';

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; `code` is stable, `errors` names the failing fields' });

export const problemResponses = {
  400: Problem,
  401: Problem,
  404: Problem,
  422: Problem,
} as const;

export const CountryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code in upper case')
  .refine(isCountryCode, 'not an ISO 3166-1 alpha-2 country code');

export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code in upper case, e.g. USD');

export const MinorUnits = z
  .number()
  .int('must be an integer number of minor units (cents)')
  .min(0)
  .max(Number.MAX_SAFE_INTEGER);

export const BearerHeaders = z.looseObject({ authorization: z.string().optional() });

export const IdParams = z.strictObject({ id: z.string().min(1).max(100) });

export const PartnerLimits = z
  .strictObject({
    max_concurrency: z.number().int().min(1).max(1000).optional(),
    rate_limit_per_second: z.number().int().min(1).max(100_000).optional(),
    timeout_ms: z.number().int().min(50).max(60_000).optional(),
  })
  .meta({ id: 'PartnerLimits' });

export const Credentials = z
  .record(z.string().min(1).max(100), z.string().min(1).max(4096))
  .describe('Secrets for the partner API, e.g. {"api_key": "..."}; stored encrypted, never returned');

export const Pagination = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
