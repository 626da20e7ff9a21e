import { UpstreamError, type Upstream } from '../../upstream/contract.js';
import type { CarrierAdapter } from '../contract.js';
import { createEasypostClient } from './client.js';
import { easypostManifest } from './manifest.js';
import { fromEasypostTracker } from './tracking.js';
import {
  fromEasypostPurchase,
  fromEasypostRates,
  fromEasypostRefund,
  isPostageExists,
  parseEasypostRateRef,
  toEasypostBuy,
  toEasypostShipment,
} from './mapping.js';

/**
 * EasyPost carrier account.
 * rates/buy/void throw UpstreamError (see upstream/contract.ts); buy also throws TypeError for a foreign rateRef.
 */
export const createEasypostAdapter = (deps: { upstream: Upstream }) => {
  const client = createEasypostClient(deps.upstream);
  return {
    manifest: easypostManifest,

    async rates(partner, req, ctx) {
      return fromEasypostRates(await client.createShipment(partner, toEasypostShipment(req), ctx.signal));
    },

    async buy(partner, rateRef, ctx) {
      const ref = parseEasypostRateRef(rateRef);
      try {
        return fromEasypostPurchase(await client.buy(partner, ref.shipment_id, toEasypostBuy(ref), ctx.signal));
      } catch (err) {
        // A retry after a crash: the first buy went through, so hand back that label instead of failing.
        if (!(err instanceof UpstreamError && err.failure === 'rejected' && isPostageExists(err.responseBody))) throw err;
        return fromEasypostPurchase(await client.getPurchasedShipment(partner, ref.shipment_id, ctx.signal));
      }
    },

    async void(partner, carrierRef, ctx) {
      return fromEasypostRefund(await client.refund(partner, carrierRef, ctx.signal));
    },

    /** The parcel's tracker, created when EasyPost has none yet (a label bought elsewhere). */
    async track(partner, trackingNumber, ctx) {
      const found = (await client.trackers(partner, trackingNumber, ctx.signal)).trackers.find((t) => t.tracking_code === trackingNumber);
      const tracker = found ?? (await client.createTracker(partner, trackingNumber, ctx.signal));
      // No clock here: a tracker without any timestamp is dated by its own creation, never by "now".
      return fromEasypostTracker(tracker, new Date(tracker.updated_at ?? tracker.created_at ?? 0));
    },
  } satisfies CarrierAdapter;
};
