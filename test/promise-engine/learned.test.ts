import t from 'tap';
import { laneKey, observe, priorFor, type Posterior } from '../../src/learning/success-model.js';
import { decide } from '../../src/promise-engine/index.js';
import type { EngineDecision, LearnedEstimates } from '../../src/promise-engine/types.js';
import { buildInput, rate, type Spec } from './fixtures.js';

const withRecord = (p: Posterior, kept: number, broken: number) => ({ alpha: p.alpha + kept, beta: p.beta + broken });
const SUPPLIER = priorFor('supplier_handover');
const NEW = SUPPLIER;
const PROVEN = withRecord(SUPPLIER, 300, 6);
const PROVEN_BAD = withRecord(SUPPLIER, 60, 40);

// Two sources for the same mug: sup_a is a little cheaper, so with equal reliability it wins.
const twoSources = (): Spec => ({
  sources: [
    { supplierId: 'sup_a', warehouseId: 'wh_a', items: { MUG: { costMinor: 1000 } } },
    { supplierId: 'sup_b', warehouseId: 'wh_b', items: { MUG: { costMinor: 1050 } } },
  ],
  rates: { 'wh_a|ca_ups': [rate()], 'wh_b|ca_ups': [rate()] },
  policy: { minConfidence: 0.3, compensationMinor: { late: 5000, lost: 5000, refused: 1000, cancelled: 500 } },
});
const learned = (suppliers: Record<string, Posterior>, over: Partial<LearnedEstimates> = {}): LearnedEstimates => ({
  riskAversion: 0.5,
  suppliers,
  warehouses: {},
  lanes: {},
  originRegions: { wh_a: 'NJ', wh_b: 'TX' },
  destinationRegion: 'NY',
  supplierWeights: {},
  ...over,
});
const winner = (d: EngineDecision) => (d.outcome === 'promise' ? d.shipments[0]?.supplierId : `declined ${d.code}`);

t.test('who wins: new vs proven vs proven-bad suppliers (sup_a is 50 cheaper)', async (t) => {
  const cases: [string, Record<string, Posterior>, string][] = [
    ['no learned data on either: the cheaper one', {}, 'sup_a'],
    ['both new: the cheaper one', { sup_a: NEW, sup_b: NEW }, 'sup_a'],
    ['proven good beats new despite the price', { sup_a: NEW, sup_b: PROVEN }, 'sup_b'],
    ['new beats proven bad: a new supplier is not starved', { sup_a: PROVEN_BAD, sup_b: NEW }, 'sup_b'],
    ['proven good beats proven bad', { sup_a: PROVEN_BAD, sup_b: PROVEN }, 'sup_b'],
  ];
  for (const [name, suppliers, expected] of cases) {
    const input = { ...buildInput(twoSources()), learned: learned(suppliers) };
    t.equal(winner(decide(input)), expected, name);
  }
});

t.test('uncertainty costs: same mean, less data, lower probability', async (t) => {
  const few = { alpha: 9, beta: 1 }; // mean 0.9 from a weak prior
  const many = { alpha: 900, beta: 100 }; // mean 0.9 from 1000 outcomes
  const p = (suppliers: Record<string, Posterior>, riskAversion: number) => {
    const d = decide({ ...buildInput(twoSources()), learned: learned(suppliers, { riskAversion }) });
    return d.candidates.find((c) => c.supplierId === 'sup_a')!.factors.pSupplierOnTime;
  };
  t.ok(p({ sup_a: few }, 0.5) < p({ sup_a: many }, 0.5), 'the thin record pays for its uncertainty');
  t.ok(Math.abs(p({ sup_a: few }, 0) - p({ sup_a: many }, 0)) < 1e-12, 'riskAversion 0 uses the mean only');
});

t.test('a demotion weight and a bad warehouse both lower the handover probability', async (t) => {
  const base = decide({ ...buildInput(twoSources()), learned: learned({}) });
  const demoted = decide({ ...buildInput(twoSources()), learned: learned({}, { supplierWeights: { sup_a: 0.8 } }) });
  const pA = (d: EngineDecision) => d.candidates.find((c) => c.supplierId === 'sup_a')!.factors.pSupplierOnTime;
  t.ok(Math.abs(pA(demoted) - 0.8 * pA(base)) < 1e-9, 'x 0.8');
  t.equal(winner(demoted), 'sup_b', 'the demoted supplier loses the route');
  const badWarehouse = decide({ ...buildInput(twoSources()), learned: learned({}, { warehouses: { wh_a: withRecord(priorFor('warehouse_cutoff'), 10, 30) } }) });
  t.ok(pA(badWarehouse) < pA(base) * 0.7, 'capped by the warehouse cut-off estimate');
  t.equal(winner(badWarehouse), 'sup_b');
});

t.test('a learned lane prices the carrier; the decision record shows mean and interval', async (t) => {
  const lane = laneKey('ca_ups', 'Ground', 'NJ', 'NY');
  let badLane = priorFor('carrier_lane');
  for (let i = 0; i < 40; i++) badLane = observe(badLane, i % 2 === 0);
  const d = decide({ ...buildInput(twoSources()), learned: learned({ sup_a: NEW, sup_b: NEW }, { lanes: { [lane]: badLane } }) });
  t.equal(winner(d), 'sup_b', 'the NJ->NY lane is unreliable, TX->NY has no data (prior)');
  const a = d.candidates.find((c) => c.supplierId === 'sup_a')!;
  const e = a.factors.estimates!;
  t.equal(e.supplier.source, 'learned');
  t.equal(e.carrier.source, 'learned');
  t.equal(e.carrier.lane, lane);
  t.ok(e.carrier.lower < e.carrier.mean && e.carrier.mean < e.carrier.upper, 'interval around the mean');
  const b = d.candidates.find((c) => c.supplierId === 'sup_b')!;
  t.equal(b.factors.estimates!.carrier.source, 'track_record', 'no lane data: prior and counts');
  t.equal(b.factors.estimates!.carrier.lane, laneKey('ca_ups', 'Ground', 'TX', 'NY'));
});

t.test("a lane with no outcomes is priced from its carrier account's record, not the generic prior", async (t) => {
  // sup_a (50 cheaper) ships on a mediocre NJ->NY lane (90% kept); sup_b's TX->NY lane has no outcomes.
  // On the generic lane prior (0.92) the cheaper sup_a wins; priced from the account's 99% record, sup_b.
  const laneA = laneKey('ca_ups', 'Ground', 'NJ', 'NY');
  const mediocre = withRecord(priorFor('carrier_lane'), 90, 10);
  const input = (carrierAccounts?: Record<string, Posterior>) =>
    decide({ ...buildInput(twoSources()), learned: learned({ sup_a: PROVEN, sup_b: PROVEN }, { lanes: { [laneA]: mediocre }, ...(carrierAccounts ? { carrierAccounts } : {}) }) });
  const generic = input();
  const b0 = generic.candidates.find((c) => c.supplierId === 'sup_b')!;
  t.equal(b0.factors.estimates!.carrier.source, 'track_record');
  const strong = { alpha: 25 * 0.99, beta: 25 * 0.01 };
  const informed = input({ ca_ups: strong });
  const b1 = informed.candidates.find((c) => c.supplierId === 'sup_b')!;
  t.equal(b1.factors.estimates!.carrier.source, 'carrier_account');
  t.ok(Math.abs(b1.factors.estimates!.carrier.mean - 0.99) < 1e-9, 'the account prior is the estimate');
  t.ok(b1.factors.probability > b0.factors.probability, 'priced higher than on the generic prior');
  const a1 = informed.candidates.find((c) => c.supplierId === 'sup_a')!;
  t.equal(a1.factors.estimates!.carrier.source, 'learned', 'a lane with its own outcomes keeps them');
  t.equal(winner(generic), 'sup_a');
  t.equal(winner(informed), 'sup_b', "the untried lane of a reliable carrier is no longer starved");
});
