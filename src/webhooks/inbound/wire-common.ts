import { z } from 'zod';

/** A platform id after `parseJsonExact`: a safe integer (number) or an exact digit string. */
export const PlatformIdValue = z.union([z.string().regex(/^\d+$/, 'must be a numeric id'), z.number().int().nonnegative()]).transform(String);

/** Decimal amounts arrive as strings ("19.99") or, from WooCommerce, sometimes as JSON numbers. */
export const Amount = z.union([z.string(), z.number()]);

export const optionalText = z.string().nullish();
