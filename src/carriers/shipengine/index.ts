import { UpstreamError, type Upstream } from '../../upstream/contract.js';
import type { CarrierAdapter, PurchasedLabel } from '../contract.js';
import { createShipengineClient } from './client.js';
import { shipengineManifest } from './manifest.js';
import {
  fromShipengineLabel,
  fromShipengineRates,
  fromShipengineVoid,
  parseShipengineRateRef,
  previousLabel,
  toShipengineLabelFromRate,
  toShipengineRateRequest,
  type ShipenginePurchaseOutcome,
} from './mapping.js';

/**
 * ShipEngine carrier account.
 * rates/buy/void throw UpstreamError (see upstream/contract.ts); buy throws 'server_error' while a
 * label is still processing there, and TypeError for a foreign rateRef.
 */
export const createShipengineAdapter = (deps: { upstream: Upstream }) => {
  const client = createShipengineClient(deps.upstream);

  const labelOrThrow = (partnerId: string, outcome: ShipenginePurchaseOutcome, body: unknown): PurchasedLabel => {
    if (outcome.ok) return outcome.label;
    const failure = outcome.reason === 'pending' ? 'server_error' : 'invalid_response';
    throw new UpstreamError(failure, partnerId, `shipengine label purchase: ${outcome.detail}`, undefined, body);
  };

  return {
    manifest: shipengineManifest,

    async rates(partner, req, ctx) {
      return fromShipengineRates(await client.rates(partner, toShipengineRateRequest(req, partner.credentials['carrier_ids']), ctx.signal));
    },

    async buy(partner, rateRef, ctx) {
      const ref = parseShipengineRateRef(rateRef);
      // ShipEngine takes no idempotency key, so look before buying: after a crash the first purchase may have gone through.
      const earlier = previousLabel(await client.labelsForShipment(partner, ref.shipment_id, ctx.signal), ref);
      if (earlier === 'in_flight') throw new UpstreamError('server_error', partner.id, 'shipengine label purchase: still processing from an earlier attempt');
      if (earlier) return labelOrThrow(partner.id, fromShipengineLabel(earlier), earlier);
      const label = await client.labelFromRate(partner, ref.rate_id, toShipengineLabelFromRate(), ctx.signal);
      return labelOrThrow(partner.id, fromShipengineLabel(label), label);
    },

    async void(partner, carrierRef, ctx) {
      return fromShipengineVoid(await client.voidLabel(partner, carrierRef, ctx.signal));
    },
  } satisfies CarrierAdapter;
};
