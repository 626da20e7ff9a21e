import t from 'tap';
import type { StateEntry } from '../../src/state/shared-state.js';
import { build, orderBody } from '../helper.js';

t.test('received quotes are cached in one write per order, and a fresh entry is not rewritten', async (t) => {
  const ctx = await build(t);
  const state = ctx.deps.state;
  const batches: StateEntry[][] = [];
  const setMany = state.setMany.bind(state);
  let singleSets = 0;
  const set = state.set.bind(state);
  state.setMany = async (entries) => {
    batches.push([...entries]);
    return setMany(entries);
  };
  state.set = async (...args) => {
    if (args[0].startsWith('quote:')) singleSets++;
    return set(...args);
  };

  const first = await ctx.placeOrder(orderBody({ lines: [{ sku: 'MUG-001', quantity: 1, unit_price_minor: 1800 }] }));
  t.equal(first.statusCode, 201, first.body);
  t.equal(batches.length, 1, 'one pipelined write for the order');
  const keys = batches[0]!.map((e) => e.key);
  t.ok(keys.some((k) => k.startsWith('quote:s:')) && keys.some((k) => k.startsWith('quote:w:')) && keys.some((k) => k.startsWith('quote:c:')));
  t.equal(new Set(keys).size, keys.length);
  for (const e of batches[0]!) t.same(Object.keys(JSON.parse(e.value)), ['value', 'at']);

  const second = await ctx.placeOrder(orderBody({ lines: [{ sku: 'MUG-001', quantity: 1, unit_price_minor: 1800 }] }));
  t.equal(second.statusCode, 201, second.body);
  t.equal(batches.length, 1, 'the same quotes seconds later: nothing rewritten');
  t.equal(singleSets, 0, 'no per-quote writes');

  // What was written still stands in for a partner that misses the deadline.
  ctx.sandbox.patchPartner('sup_acme', { hang_rate: 1 });
  const third = await ctx.placeOrder(orderBody({ lines: [{ sku: 'MUG-001', quantity: 1, unit_price_minor: 1800 }] }));
  t.equal(third.statusCode, 201, third.body);
  const decision = (await ctx.request({ method: 'GET', url: `/v1/orders/${third.json().id}/decision` })).json();
  t.equal(decision.quotes.find((q: { partner_id: string }) => q.partner_id === 'sup_acme').status, 'cached');
});
