import type { PartnerConnection, Upstream } from '../../upstream/contract.js';
import { parseWire, requireCredential } from '../../upstream/partner-io.js';
import {
  ShippoRefund,
  ShippoShipment,
  ShippoTransaction,
  ShippoTransactionList,
  type ShippoCreateRefund,
  type ShippoCreateShipment,
  type ShippoCreateTransaction,
} from './wire.js';

/** Pinned so Shippo's answers keep the shape wire.ts describes. */
export const SHIPPO_API_VERSION = '2018-02-08';

/** Thin Shippo client: builds requests, calls through the upstream wrapper, validates answers. */
export function createShippoClient(upstream: Upstream) {
  const headers = (partner: PartnerConnection) => ({
    Authorization: `ShippoToken ${requireCredential(partner, 'api_key')}`,
    'Shippo-API-Version': SHIPPO_API_VERSION,
  });

  return {
    /** A shipment with async=false answers with its rates; it buys nothing, so hedging is harmless. */
    async createShipment(partner: PartnerConnection, body: ShippoCreateShipment, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'POST', path: '/shipments/', headers: headers(partner), body, signal, idempotent: true, operation: 'rates',
      });
      return parseWire(partner, ShippoShipment, res, 'shippo shipment');
    },

    async transactionsForRate(partner: PartnerConnection, rateId: string, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'GET', path: `/transactions/?rate=${encodeURIComponent(rateId)}`, headers: headers(partner), signal, idempotent: true, operation: 'find_label',
      });
      return parseWire(partner, ShippoTransactionList, res, 'shippo transaction list');
    },

    async createTransaction(partner: PartnerConnection, body: ShippoCreateTransaction, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'POST', path: '/transactions/', headers: headers(partner), body, signal, idempotent: false, operation: 'buy_label',
      });
      return parseWire(partner, ShippoTransaction, res, 'shippo transaction');
    },

    async createRefund(partner: PartnerConnection, body: ShippoCreateRefund, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'POST', path: '/refunds/', headers: headers(partner), body, signal, idempotent: false, operation: 'void_label',
      });
      return parseWire(partner, ShippoRefund, res, 'shippo refund');
    },
  };
}
