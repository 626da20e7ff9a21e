import type { Upstream } from '../../upstream/contract.js';
import type { WarehouseAdapter } from '../contract.js';
import { createPledgeV1WarehouseClient } from './client.js';
import { fromPledgeV1Schedule, toPledgeV1ScheduleRequest } from './mapping.js';

/** Warehouses speaking the published `pledge-warehouse-v1` protocol. schedule() throws UpstreamError. */
export const createPledgeV1WarehouseAdapter = (deps: { upstream: Upstream }) => {
  const client = createPledgeV1WarehouseClient(deps.upstream);
  return {
    protocol: 'pledge-warehouse-v1',

    async schedule(partner, req, ctx) {
      return fromPledgeV1Schedule(await client.schedule(partner, toPledgeV1ScheduleRequest(req), ctx.signal));
    },
  } satisfies WarehouseAdapter;
};
