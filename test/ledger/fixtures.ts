import type { MilestoneInput } from '../../src/ledger/milestones.js';

/** Milestone inputs for one test file: a fresh source event id each call, `base` and `over` on top. */
export function milestoneInputs(base: Partial<MilestoneInput> = {}) {
  let n = 0;
  return (over: Partial<MilestoneInput> = {}): MilestoneInput => {
    n += 1;
    return {
      sellerId: 'sel_a',
      orderId: 'ord_1',
      shipmentId: 'shp_1',
      type: 'in_transit',
      occurredAt: new Date('2025-05-01T10:00:00.000Z'),
      source: 'easypost',
      sourceEventId: `evt_${n}`,
      details: { n },
      ...base,
      ...over,
    };
  };
}
