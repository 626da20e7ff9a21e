import t from 'tap';
import { gramsToOunces } from '../../src/carriers/units.js';

t.test('grams to ounces: one decimal, never lighter than the parcel', async (t) => {
  const cases: [number, number][] = [[1, 0.1], [28, 1], [29, 1.1], [454, 16.1], [1000, 35.3], [2268, 80.1], [30000, 1058.3]];
  for (const [grams, ounces] of cases) t.equal(gramsToOunces(grams), ounces, `${grams} g`);
  for (const [grams] of cases) t.ok(gramsToOunces(grams) * 28.349523125 >= grams, `${grams} g not under-declared`);
});

t.test('only positive whole grams', async (t) => {
  for (const bad of [0, -5, 1.5, Number.NaN]) t.throws(() => gramsToOunces(bad), RangeError);
});
