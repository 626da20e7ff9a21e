import t from 'tap';
import { decide } from '../../src/promise-engine/index.js';
import type { EngineDecision } from '../../src/promise-engine/types.js';
import { buildInput, near, rate, type Spec } from './fixtures.js';

type Promised = Extract<EngineDecision, { outcome: 'promise' }>;
type Declined = Extract<EngineDecision, { outcome: 'decline' }>;
function promised(d: EngineDecision): Promised {
  if (d.outcome !== 'promise') throw new Error(`expected a promise, got ${d.code}: ${d.reasons.join(' | ')}`);
  return d;
}
function declined(d: EngineDecision): Declined {
  if (d.outcome !== 'decline') throw new Error('expected a decline');
  return d;
}

/** Long, clean histories so that two shipments together can still clear 0.8. */
const reliable: Pick<Spec, 'suppliers' | 'carriers'> = {
  suppliers: { sup_a: { kept: 500, broken: 2 }, sup_b: { kept: 500, broken: 2 }, sup_c: { kept: 500, broken: 2 } },
  carriers: { ca_ups: { kept: 500, broken: 2 } },
};
const rates = { 'wh_a|ca_ups': [rate()], 'wh_b|ca_ups': [rate()], 'wh_c|ca_ups': [rate()] };
const lines: Spec['lines'] = [['MUG', 1], ['TEE', 2]];

t.test('one supplier serves both lines: one shipment, even if splitting were cheaper', async (t) => {
  const d = promised(
    decide(
      buildInput({
        lines,
        rates,
        sources: [
          { supplierId: 'sup_a', warehouseId: 'wh_a', items: { MUG: { costMinor: 1000 }, TEE: { costMinor: 1200 } } },
          { supplierId: 'sup_b', warehouseId: 'wh_b', items: { MUG: { costMinor: 100 } } },
        ],
      }),
    ),
  );
  t.equal(d.shipments.length, 1);
  const [s] = d.shipments;
  t.same(s?.lines.map((l) => [l.sku, l.supplierSku, l.quantity, l.unitCostMinor]), [['MUG', 'sup_a-MUG', 1, 1000], ['TEE', 'sup_a-TEE', 2, 1200]]);
  t.same([s?.goodsCostMinor, s?.landedCostMinor, d.landedCostMinor], [3400, 4200, 4200]);
  t.same(d.candidates.map((c) => [c.supplierId, c.skus, c.isEligible, c.notes]), [
    ['sup_a', ['MUG', 'TEE'], true, ['chosen']],
    ['sup_b', ['MUG', 'TEE'], false, ['cannot ship the whole order: sup_b/wh_b does not offer TEE']],
  ]);
});

t.test('no supplier serves both lines: two shipments, probabilities multiply', async (t) => {
  const d = promised(
    decide(
      buildInput({
        lines,
        rates,
        ...reliable,
        sources: [
          { supplierId: 'sup_a', warehouseId: 'wh_a', items: { MUG: { costMinor: 1000 } } },
          { supplierId: 'sup_b', warehouseId: 'wh_b', items: { TEE: { costMinor: 1200 } } },
        ],
      }),
    ),
  );
  t.same(d.shipments.map((s) => [s.supplierId, s.lines.map((l) => l.sku)]), [['sup_a', ['MUG']], ['sup_b', ['TEE']]]);
  const [a, b] = d.shipments;
  const product = (a?.probability ?? 0) * (b?.probability ?? 0);
  t.ok(near(d.confidence, product), `${d.confidence} = ${a?.probability} x ${b?.probability}`);
  t.ok(d.confidence < (a?.probability ?? 0), 'two shipments are less sure than one');
  t.equal(d.landedCostMinor, 1000 + 800 + 2400 + 800);
  t.equal(d.expectedBreachCostMinor, Math.round((1 - product) * 2000), 'one breach cost for the whole order');
  t.same(d.candidates.slice(0, 2).map((c) => [c.supplierId, c.notes.at(-1)]), [['sup_a', 'chosen'], ['sup_b', 'chosen']]);
});

t.test('split shipments that are each fine but together too unsure: decline', async (t) => {
  const d = declined(
    decide(
      buildInput({
        lines,
        rates,
        policy: { minConfidence: 0.95 },
        sources: [
          { supplierId: 'sup_a', warehouseId: 'wh_a', items: { MUG: {} } },
          { supplierId: 'sup_b', warehouseId: 'wh_b', items: { TEE: {} } },
        ],
      }),
    ),
  );
  t.equal(d.code, 'BELOW_MIN_CONFIDENCE');
  t.same(d.reasons, ['the order needs 2 shipments; their combined confidence 0.962 x 0.962 = 0.925 is below the minimum 0.95']);
  t.same(d.candidates.map((c) => c.isEligible), [true, true], 'each route alone was eligible');
});

t.test('a split shipment that cannot make the date declines the whole order', async (t) => {
  const d = declined(
    decide(
      buildInput({
        lines,
        ...reliable,
        rates: { 'wh_a|ca_ups': [rate()], 'wh_b|ca_ups': [rate({ transitDays: 6 })] },
        sources: [
          { supplierId: 'sup_a', warehouseId: 'wh_a', items: { MUG: {} } },
          { supplierId: 'sup_b', warehouseId: 'wh_b', items: { TEE: {} } },
        ],
      }),
    ),
  );
  t.equal(d.code, 'NO_ROUTE_MEETS_DATE');
  t.same(d.reasons, [
    'shipment from sup_b/wh_b (TEE): no route arrives by 2025-03-07T23:59:59.999Z; the earliest, sup_b/wh_b via UPS Ground (ca_ups), arrives 2025-03-12T17:00:00.000Z',
  ]);
});

t.test('greedy cover: most lines first, cheaper goods break ties', async (t) => {
  const d = promised(
    decide(
      buildInput({
        lines: [['A', 1], ['B', 1], ['C', 1]],
        rates,
        ...reliable,
        sources: [
          { supplierId: 'sup_a', warehouseId: 'wh_a', items: { A: { costMinor: 1000 }, B: { costMinor: 1000 } } },
          { supplierId: 'sup_b', warehouseId: 'wh_b', items: { B: { costMinor: 900 }, C: { costMinor: 900 } } },
          { supplierId: 'sup_c', warehouseId: 'wh_c', items: { A: { costMinor: 100 } } },
        ],
      }),
    ),
  );
  t.same(d.shipments.map((s) => [s.supplierId, s.lines.map((l) => l.sku)]), [['sup_b', ['B', 'C']], ['sup_c', ['A']]]);
  const unused = d.candidates.find((c) => c.supplierId === 'sup_a');
  t.same([unused?.isEligible, unused?.notes], [false, ['not needed: the split covers these lines from other sources']]);
});

t.test('a line nobody can supply declines with the SKU named', async (t) => {
  const d = declined(
    decide(
      buildInput({
        lines,
        rates,
        sources: [
          { supplierId: 'sup_a', warehouseId: 'wh_a', items: { MUG: {}, TEE: { stock: 1 } } },
          { supplierId: 'sup_b', warehouseId: 'wh_b', items: { TEE: {} }, quote: { status: 'timed_out' } },
        ],
      }),
    ),
  );
  t.same([d.code, d.reasons], ['OUT_OF_STOCK', ['no source can supply TEE: supplier sup_a has 1 of TEE at wh_a, needs 2; supplier sup_b quote for wh_b timed out']]);
});
