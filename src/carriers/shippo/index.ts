import { UpstreamError, type Upstream } from '../../upstream/contract.js';
import type { CarrierAdapter, PurchasedLabel } from '../contract.js';
import { createShippoClient } from './client.js';
import { shippoManifest } from './manifest.js';
import {
  fromShippoRates,
  fromShippoRefund,
  fromShippoTransaction,
  parseShippoRateRef,
  previousPurchase,
  toShippoRefund,
  toShippoShipment,
  toShippoTransaction,
  type ShippoPurchaseOutcome,
} from './mapping.js';

/**
 * Shippo carrier account.
 * rates/buy/void throw UpstreamError (see upstream/contract.ts); buy throws 'rejected' when Shippo
 * answers the purchase with status ERROR, 'server_error' while a purchase is still pending there,
 * and TypeError for a foreign rateRef.
 */
export const createShippoAdapter = (deps: { upstream: Upstream }) => {
  const client = createShippoClient(deps.upstream);

  const labelOrThrow = (partnerId: string, outcome: ShippoPurchaseOutcome, body: unknown): PurchasedLabel => {
    if (outcome.ok) return outcome.label;
    const message = `shippo label purchase: ${outcome.detail}`;
    if (outcome.reason === 'failed') throw new UpstreamError('rejected', partnerId, message, undefined, body);
    if (outcome.reason === 'pending') throw new UpstreamError('server_error', partnerId, message, undefined, body);
    throw new UpstreamError('invalid_response', partnerId, message, undefined, body);
  };

  return {
    manifest: shippoManifest,

    async rates(partner, req, ctx) {
      return fromShippoRates(await client.createShipment(partner, toShippoShipment(req), ctx.signal));
    },

    async buy(partner, rateRef, ctx) {
      const ref = parseShippoRateRef(rateRef);
      // Shippo has no idempotency key, so look before buying: after a crash the first purchase may have gone through.
      const earlier = previousPurchase(await client.transactionsForRate(partner, ref.rate_id, ctx.signal), ref, ctx.idempotencyKey);
      if (earlier === 'in_flight') throw new UpstreamError('server_error', partner.id, 'shippo label purchase: still pending from an earlier attempt');
      if (earlier) return labelOrThrow(partner.id, fromShippoTransaction(earlier), earlier);
      const transaction = await client.createTransaction(partner, toShippoTransaction(ref, ctx.idempotencyKey), ctx.signal);
      return labelOrThrow(partner.id, fromShippoTransaction(transaction), transaction);
    },

    async void(partner, carrierRef, ctx) {
      return fromShippoRefund(await client.createRefund(partner, toShippoRefund(carrierRef), ctx.signal));
    },
  } satisfies CarrierAdapter;
};
