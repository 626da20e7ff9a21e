import type { PartnerConnection, Upstream } from '../../upstream/contract.js';
import { parseWire, requireCredential } from '../../upstream/partner-io.js';
import { PledgeV1Schedule, type PledgeV1ScheduleRequest } from './wire.js';

/** Thin client for `pledge-warehouse-v1`: builds requests, calls through the upstream wrapper, validates answers. */
export function createPledgeV1WarehouseClient(upstream: Upstream) {
  return {
    async schedule(partner: PartnerConnection, body: PledgeV1ScheduleRequest, signal: AbortSignal) {
      const res = await upstream.request(partner, {
        method: 'POST',
        path: '/schedule',
        headers: { Authorization: `Bearer ${requireCredential(partner, 'api_key')}` },
        body,
        signal,
        idempotent: true,
        operation: 'schedule',
      });
      return parseWire(partner, PledgeV1Schedule, res, 'warehouse schedule');
    },
  };
}
