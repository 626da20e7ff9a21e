import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../errors.js';
import { Problem } from '../shared-schemas.js';

const VoucherCheck = z
  .object({
    code: z.string(),
    order_id: z.string(),
    terms: z.string(),
    expires_at: z.string(),
    signature: z.string(),
    verify_url: z.string(),
    signature_valid: z.boolean(),
    status: z.enum(['valid', 'expired', 'invalid']),
  })
  .meta({ id: 'VoucherCheck' });

/** Public: a customer holding a voucher code can check it without an API key. */
export async function voucherRoutes(app: FastifyInstance) {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/vouchers/:code',
    {
      schema: {
        tags: ['vouchers'],
        summary: "Check an after-sales voucher and its signature (no API key needed)",
        params: z.strictObject({ code: z.string().regex(/^PV-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/, 'not a voucher code') }),
        response: { 200: VoucherCheck, 400: Problem, 404: Problem },
      },
    },
    async (req) => {
      const voucher = await app.services.vouchers.check(req.params.code);
      if (!voucher) throw notFound('voucher');
      return voucher;
    },
  );
}
