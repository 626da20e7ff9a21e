import type { PartnerConnection, Upstream } from '../../upstream/contract.js';
import { parseWire, requireCredential } from '../../upstream/partner-io.js';
import { isReplayed } from './mapping.js';
import {
  IDEMPOTENCY_KEY_HEADER,
  PledgeV1CancelResult,
  PledgeV1InstructionReceipt,
  PledgeV1Quote,
  type PledgeV1Instruction,
  type PledgeV1QuoteRequest,
} from './wire.js';

/** Thin client for `pledge-supplier-v1`: builds requests, calls through the upstream wrapper, validates answers. */
export function createPledgeV1SupplierClient(upstream: Upstream) {
  const auth = (partner: PartnerConnection) => ({ Authorization: `Bearer ${requireCredential(partner, 'api_key')}` });

  return {
    async quote(partner: PartnerConnection, body: PledgeV1QuoteRequest, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'POST', path: '/quotes', headers: auth(partner), body, signal, idempotent: true, operation: 'quote',
      });
      return parseWire(partner, PledgeV1Quote, res, 'supplier quote');
    },

    /** Never hedged: the Idempotency-Key makes a retry safe, a parallel duplicate would still be a second request. */
    async instruct(partner: PartnerConnection, body: PledgeV1Instruction, idempotencyKey: string, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'POST',
        path: '/instructions',
        headers: { ...auth(partner), [IDEMPOTENCY_KEY_HEADER]: idempotencyKey },
        body,
        signal,
        idempotent: false,
        operation: 'instruction',
      });
      return { receipt: parseWire(partner, PledgeV1InstructionReceipt, res, 'instruction receipt'), isReplay: isReplayed(res.headers) };
    },

    async cancel(partner: PartnerConnection, supplierOrderRef: string, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'POST', path: `/instructions/${encodeURIComponent(supplierOrderRef)}/cancel`, headers: auth(partner), signal, idempotent: false, operation: 'cancel',
      });
      return parseWire(partner, PledgeV1CancelResult, res, 'cancel result');
    },
  };
}
