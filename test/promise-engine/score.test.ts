import t from 'tap';
import { compareRankable, expectedBreachCostMinor, goodsCostMinor } from '../../src/promise-engine/score.js';
import { utc } from './fixtures.js';

t.test('ranking and money', async (t) => {
  const at = utc('2025-03-06T17:00:00.000Z');
  const later = utc('2025-03-07T17:00:00.000Z');
  const base = { score: 2000, probability: 0.9, estimatedDelivery: at, ids: ['sup_b'] };
  const cases: [string, typeof base, number][] = [
    ['lower score first', { ...base, score: 1999, probability: 0.5 }, -1],
    ['then higher probability', { ...base, probability: 0.91, estimatedDelivery: later }, -1],
    ['then earlier delivery', { ...base, estimatedDelivery: later, ids: ['sup_a'] }, 1],
    ['then ids', { ...base, ids: ['sup_a'] }, -1],
    ['identical', { ...base }, 0],
  ];
  for (const [name, other, sign] of cases) t.equal(Math.sign(compareRankable(other, base)), sign, name);
  t.equal(expectedBreachCostMinor(0.873, 2000), 254);
  t.equal(expectedBreachCostMinor(0.9997, 2000), 1, 'rounded to whole minor units');
  t.equal(expectedBreachCostMinor(0.999, 0), 0, 'no compensation, no breach cost');
  t.equal(goodsCostMinor([{ sku: 'A', supplierSku: 'a', quantity: 3, unitCostMinor: 333 }, { sku: 'B', supplierSku: 'b', quantity: 1, unitCostMinor: 1 }]), 1000);
});
