import t from 'tap';
import type { MilestoneType } from '../../src/ledger/milestones.js';
import { MILESTONE_TYPES } from '../../src/ledger/milestones.js';
import { advance, fold, INITIAL_STATE, MILESTONE_RANK, type FulfillmentState } from '../../src/milestones/state-machine.js';

const at = (h: number) => new Date(Date.UTC(2026, 10, 25, h));
const ev = (type: MilestoneType, h: number) => ({ type, occurredAt: at(h) });
const st = (state: MilestoneType | null, h: number | null = null): FulfillmentState => ({
  state,
  rank: state === null ? 0 : state === 'exception' || state === 'supplier_refused' ? 40 : MILESTONE_RANK[state],
  at: h === null ? null : at(h),
});

t.test('every milestone type is either ranked or a flag', async (t) => {
  for (const type of MILESTONE_TYPES) t.ok(type in MILESTONE_RANK || type === 'exception' || type === 'supplier_refused', type);
});

t.test('one event at a time (table)', async (t) => {
  const cases: [string, FulfillmentState, ReturnType<typeof ev>, 'advanced' | 'flagged' | 'unchanged', MilestoneType | null][] = [
    ['first milestone', INITIAL_STATE, ev('instruction_sent', 1), 'advanced', 'instruction_sent'],
    ['forward', st('supplier_accepted', 2), ev('handed_over', 3), 'advanced', 'handed_over'],
    ['skipping steps is fine', st('instruction_sent', 1), ev('delivered', 9), 'advanced', 'delivered'],
    ['duplicate type', st('in_transit', 5), ev('in_transit', 6), 'unchanged', 'in_transit'],
    ['late in_transit after delivered', st('delivered', 9), ev('in_transit', 5), 'unchanged', 'delivered'],
    ['later in_transit after delivered', st('delivered', 9), ev('in_transit', 12), 'unchanged', 'delivered'],
    ['late handed_over after in_transit', st('in_transit', 5), ev('handed_over', 3), 'unchanged', 'in_transit'],
    ['returned is terminal', st('returned', 20), ev('delivered', 21), 'unchanged', 'returned'],
    ['cancelled is terminal', st('cancelled', 2), ev('handed_over', 3), 'unchanged', 'cancelled'],
    ['terminal after in_transit', st('in_transit', 5), ev('returned', 20), 'advanced', 'returned'],
    ['exception flags', st('in_transit', 5), ev('exception', 6), 'flagged', 'exception'],
    ['an exception older than the state is history', st('out_for_delivery', 8), ev('exception', 6), 'unchanged', 'out_for_delivery'],
    ['exception after delivered', st('delivered', 9), ev('exception', 10), 'unchanged', 'delivered'],
    ['refusal flags', st('instruction_sent', 1), ev('supplier_refused', 2), 'flagged', 'supplier_refused'],
    ['progress after a flag continues', st('exception', 6), ev('out_for_delivery', 8), 'advanced', 'out_for_delivery'],
    ['progress from before the flag raises the rank, the flag stays', st('exception', 6), ev('out_for_delivery', 5), 'advanced', 'exception'],
    ['a terminal from before the flag still ends it', st('exception', 6), ev('delivered', 5), 'advanced', 'delivered'],
    ['same-rank progress after the flag, newer: moving again', st('exception', 6), ev('in_transit', 7), 'advanced', 'in_transit'],
    ['same-rank progress from before the flag: stays flagged', st('exception', 6), ev('in_transit', 4), 'unchanged', 'exception'],
    ['lower-rank progress after a flag: still behind', st('exception', 6), ev('handed_over', 7), 'unchanged', 'exception'],
    ['the same flag again', st('exception', 6), ev('exception', 7), 'unchanged', 'exception'],
  ];
  for (const [name, current, event, effect, state] of cases) {
    const tr = advance(current, event);
    if (name.startsWith('progress from before the flag')) t.equal(tr.next.rank, MILESTONE_RANK.out_for_delivery, `${name}: rank`);
    t.equal(tr.effect, effect, `${name}: effect`);
    t.equal(tr.next.state, state, `${name}: state`);
    t.ok(tr.next.rank >= current.rank, `${name}: rank never falls`);
  }
});

t.test('folding: order of arrival never moves the state backwards', async (t) => {
  const happy = [ev('instruction_sent', 1), ev('supplier_accepted', 2), ev('handed_over', 3), ev('in_transit', 5), ev('out_for_delivery', 8), ev('delivered', 9)];
  t.equal(fold(happy).state, 'delivered');
  t.equal(fold([...happy].reverse()).state, 'delivered', 'delivered first, then the rest late');
  t.equal(fold([happy[0]!, happy[3]!, happy[2]!, happy[1]!]).state, 'in_transit');
  t.equal(fold([ev('instruction_sent', 1), ev('supplier_refused', 2)]).state, 'supplier_refused');
  t.equal(fold([ev('instruction_sent', 1), ev('supplier_refused', 2), ev('supplier_accepted', 3)]).state, 'supplier_accepted', 'a refusal withdrawn');
  // Every permutation of a short history ends in a state at least as far as any single event.
  const events = [ev('handed_over', 3), ev('in_transit', 5), ev('exception', 6), ev('out_for_delivery', 8)];
  const permutations = (xs: typeof events): (typeof events)[] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p])));
  for (const p of permutations(events)) {
    const end = fold(p);
    t.equal(end.rank, MILESTONE_RANK.out_for_delivery, p.map((e) => e.type).join(','));
    t.equal(end.state, 'out_for_delivery', 'the exception at 6 is older than out_for_delivery at 8');
  }
});
