import type { PartnerConnection, Upstream } from '../../upstream/contract.js';
import { parseWire, requireCredential } from '../../upstream/partner-io.js';
import {
  EasypostPurchasedShipment,
  EasypostShipment,
  type EasypostBuy,
  type EasypostCreateShipment,
} from './wire.js';
import { EasypostTracker, EasypostTrackerList } from './tracking.js';

/** Thin EasyPost v2 client: builds requests, calls through the upstream wrapper, validates answers. */
export function createEasypostClient(upstream: Upstream) {
  // Basic auth with the API key as user name and an empty password.
  const auth = (partner: PartnerConnection) => ({
    Authorization: `Basic ${Buffer.from(`${requireCredential(partner, 'api_key')}:`).toString('base64')}`,
  });
  const shipmentPath = (id: string) => `/v2/shipments/${encodeURIComponent(id)}`;

  return {
    /** Creating a shipment is how EasyPost rates; it buys nothing, so a hedged duplicate is harmless. */
    async createShipment(partner: PartnerConnection, body: EasypostCreateShipment, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'POST', path: '/v2/shipments', headers: auth(partner), body, signal, idempotent: true, operation: 'rates',
      });
      return parseWire(partner, EasypostShipment, res, 'easypost shipment');
    },

    async buy(partner: PartnerConnection, shipmentId: string, body: EasypostBuy, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'POST', path: `${shipmentPath(shipmentId)}/buy`, headers: auth(partner), body, signal, idempotent: false, operation: 'buy_label',
      });
      return parseWire(partner, EasypostPurchasedShipment, res, 'easypost purchased shipment');
    },

    async getPurchasedShipment(partner: PartnerConnection, shipmentId: string, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'GET', path: shipmentPath(shipmentId), headers: auth(partner), signal, idempotent: true, operation: 'find_label',
      });
      return parseWire(partner, EasypostPurchasedShipment, res, 'easypost purchased shipment');
    },

    /** Trackers for a tracking code (EasyPost keeps one per code; a label bought there already has one). */
    async trackers(partner: PartnerConnection, trackingCode: string, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'GET', path: `/v2/trackers?tracking_code=${encodeURIComponent(trackingCode)}`, headers: auth(partner), signal, idempotent: true, operation: 'track',
      });
      return parseWire(partner, EasypostTrackerList, res, 'easypost tracker list');
    },

    /** EasyPost answers a repeat for the same code with the existing tracker, so a retry creates nothing new. */
    async createTracker(partner: PartnerConnection, trackingCode: string, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'POST', path: '/v2/trackers', headers: auth(partner), body: { tracker: { tracking_code: trackingCode } }, signal, idempotent: true, operation: 'track',
      });
      return parseWire(partner, EasypostTracker, res, 'easypost tracker');
    },

    async refund(partner: PartnerConnection, shipmentId: string, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'POST', path: `${shipmentPath(shipmentId)}/refund`, headers: auth(partner), signal, idempotent: false, operation: 'void_label',
      });
      return parseWire(partner, EasypostShipment, res, 'easypost refunded shipment');
    },
  };
}
