import t from 'tap';
import { fromPledgeV1Schedule, toPledgeV1ScheduleRequest } from '../../../src/warehouses/pledge-v1/mapping.js';
import { PledgeV1Schedule } from '../../../src/warehouses/pledge-v1/wire.js';
import { fixture } from '../../fixtures/load.js';

const load = (name: string) => PledgeV1Schedule.parse(fixture(`warehouses/pledge-v1/${name}.json`));

t.test('request is exactly the documented body', async (t) => {
  t.strictSame(toPledgeV1ScheduleRequest({ from: new Date('2026-11-25T14:00:00Z'), days: 5, parcels: 1 }), fixture('warehouses/pledge-v1/schedule-request.json'));
});

t.test('schedule as documented', async (t) => {
  t.strictSame(fromPledgeV1Schedule(load('schedule')), {
    warehouseRef: 'EWR-2',
    handlingHours: 4,
    pickups: [{ cutoffAt: new Date('2026-11-25T20:00:00Z'), departsAt: new Date('2026-11-25T22:00:00Z'), capacityRemaining: 120 }],
  });
});

t.test('pickups come back ascending whatever the order sent; full pickups are kept (capacity 0)', async (t) => {
  const s = fromPledgeV1Schedule(load('schedule-busy-week'));
  t.equal(s.handlingHours, 2.5);
  t.strictSame(s.pickups.map((p) => [p.cutoffAt.toISOString(), p.capacityRemaining]), [
    ['2026-11-25T20:00:00.000Z', 0],
    ['2026-11-26T20:00:00.000Z', 40],
    ['2026-11-30T20:00:00.000Z', 120],
  ]);
});

t.test('negative capacity or missing handling time is not the protocol', async (t) => {
  const s = fixture<any>('warehouses/pledge-v1/schedule.json');
  t.notOk(PledgeV1Schedule.safeParse({ ...s, pickups: [{ ...s.pickups[0], capacity_remaining: -1 }] }).success);
  t.notOk(PledgeV1Schedule.safeParse({ ...s, handling_hours: undefined }).success);
});
