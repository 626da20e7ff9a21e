import type { PartnerConnection, Upstream } from '../../upstream/contract.js';
import { parseWire, requireCredential } from '../../upstream/partner-io.js';
import {
  ShipengineLabel,
  ShipengineLabelList,
  ShipengineRateResponse,
  ShipengineVoid,
  type ShipengineLabelFromRate,
  type ShipengineRateRequest,
} from './wire.js';

/** Thin ShipEngine v1 client: builds requests, calls through the upstream wrapper, validates answers. */
export function createShipengineClient(upstream: Upstream) {
  const headers = (partner: PartnerConnection) => ({ 'API-Key': requireCredential(partner, 'api_key') });
  const labelPath = (id: string) => `/v1/labels/${encodeURIComponent(id)}`;

  return {
    async rates(partner: PartnerConnection, body: ShipengineRateRequest, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'POST', path: '/v1/rates', headers: headers(partner), body, signal, idempotent: true, operation: 'rates',
      });
      return parseWire(partner, ShipengineRateResponse, res, 'shipengine rates');
    },

    async labelsForShipment(partner: PartnerConnection, shipmentId: string, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'GET', path: `/v1/labels?shipment_id=${encodeURIComponent(shipmentId)}`, headers: headers(partner), signal, idempotent: true, operation: 'find_label',
      });
      return parseWire(partner, ShipengineLabelList, res, 'shipengine label list');
    },

    async labelFromRate(partner: PartnerConnection, rateId: string, body: ShipengineLabelFromRate, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'POST', path: `/v1/labels/rates/${encodeURIComponent(rateId)}`, headers: headers(partner), body, signal, idempotent: false, operation: 'buy_label',
      });
      return parseWire(partner, ShipengineLabel, res, 'shipengine label');
    },

    async voidLabel(partner: PartnerConnection, labelId: string, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'PUT', path: `${labelPath(labelId)}/void`, headers: headers(partner), signal, idempotent: false, operation: 'void_label',
      });
      return parseWire(partner, ShipengineVoid, res, 'shipengine void');
    },
  };
}
