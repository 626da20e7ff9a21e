import type { Upstream } from '../../upstream/contract.js';
import type { SupplierAdapter } from '../contract.js';
import { createPledgeV1SupplierClient } from './client.js';
import { fromPledgeV1Cancel, fromPledgeV1Quote, fromPledgeV1Receipt, toPledgeV1Instruction, toPledgeV1QuoteRequest } from './mapping.js';

/**
 * Suppliers speaking the published `pledge-supplier-v1` protocol.
 * Every method throws UpstreamError (see upstream/contract.ts): 'rejected' carries the supplier's
 * problem document, e.g. 422 IDEMPOTENCY_KEY_REUSED or 404 for an unknown supplier order.
 */
export const createPledgeV1SupplierAdapter = (deps: { upstream: Upstream }) => {
  const client = createPledgeV1SupplierClient(deps.upstream);
  return {
    protocol: 'pledge-supplier-v1',

    async quote(partner, req, ctx) {
      return fromPledgeV1Quote(await client.quote(partner, toPledgeV1QuoteRequest(req), ctx.signal));
    },

    async instruct(partner, instruction, ctx) {
      const { receipt, isReplay } = await client.instruct(partner, toPledgeV1Instruction(instruction), ctx.idempotencyKey, ctx.signal);
      return fromPledgeV1Receipt(receipt, isReplay);
    },

    async cancel(partner, supplierOrderRef, ctx) {
      return fromPledgeV1Cancel(await client.cancel(partner, supplierOrderRef, ctx.signal));
    },
  } satisfies SupplierAdapter;
};
