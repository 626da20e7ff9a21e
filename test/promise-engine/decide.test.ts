import t from 'tap';
import { decide } from '../../src/promise-engine/index.js';
import type { EngineDecision, EngineInput } from '../../src/promise-engine/types.js';
import { buildInput, near, pickup, rate, received, schedule, type Spec } from './fixtures.js';

type Promised = Extract<EngineDecision, { outcome: 'promise' }>;
type Declined = Extract<EngineDecision, { outcome: 'decline' }>;

function promised(d: EngineDecision): Promised {
  if (d.outcome !== 'promise') throw new Error(`expected a promise, got ${d.code}: ${d.reasons.join(' | ')}`);
  return d;
}
function declined(d: EngineDecision): Declined {
  if (d.outcome !== 'decline') throw new Error(`expected a decline, got a promise via ${d.shipments[0]?.carrierAccountId}`);
  return d;
}
const only = (d: Promised) => {
  const [shipment, ...rest] = d.shipments;
  if (!shipment || rest.length > 0) throw new Error(`expected one shipment, got ${d.shipments.length}`);
  return shipment;
};
const iso = (d: Date) => d.toISOString();
/** Next Day Air: arrives Wed 17:00 (2.29 d of slack); rolled onto Wed or Thu it still arrives by Fri. */
const NDA_BREACH = 25;

const supA: Spec['sources'][number] = { supplierId: 'sup_a', warehouseId: 'wh_a', items: { MUG: { costMinor: 1000 } } };
const oneRoute = (over: Partial<Spec> = {}): EngineInput => buildInput({ sources: [supA], rates: { 'wh_a|ca_ups': [rate()] }, ...over });

t.test('the cheapest eligible route wins; the others say why they lost', async (t) => {
  const input = buildInput({
    sources: [supA],
    rates: {
      'wh_a|ca_ups': [rate({ service: 'Next Day Air', amountMinor: 2500, transitDays: 1 }), rate()],
      'wh_a|ca_fedex': [rate({ carrier: 'FedEx', service: 'Home', amountMinor: 900 })],
    },
  });
  const d = promised(decide(input));
  const s = only(d);
  t.same([s.carrierAccountId, s.rate.service], ['ca_ups', 'Ground']);
  t.same([iso(s.handoverBy), iso(s.departsAt), iso(s.estimatedDelivery)], ['2025-03-04T15:00:00.000Z', '2025-03-04T17:00:00.000Z', '2025-03-06T17:00:00.000Z']);
  t.same([s.goodsCostMinor, s.shippingCostMinor, s.landedCostMinor, d.landedCostMinor], [1000, 800, 1800, 1800]);
  // Booked Tue 15:00 (27 h after ready), or rolled onto Wed's pickup (arrives Fri 17:00, still in time).
  t.ok(near(d.confidence, 0.9617897278391964), `confidence ${d.confidence}`);
  t.equal(d.expectedBreachCostMinor, 76);
  t.equal(d.deliverBy, input.deliverBy, 'deliverBy as given');
  t.same(
    d.candidates.map((c) => [c.carrierAccountId, c.service, c.factors.score, c.isEligible]),
    [
      ['ca_ups', 'Ground', 1876, true],
      ['ca_fedex', 'Home', 1976, true],
      ['ca_ups', 'Next Day Air', 3500 + NDA_BREACH, true],
    ],
  );
  t.same(d.candidates[0]?.notes, ['chosen']);
  t.same(d.candidates[1]?.notes, ['lost to sup_a/wh_a via UPS Ground (ca_ups): score 1976 vs 1876']);
});

t.test('a cheaper but risky carrier loses to a safer one on expected breach cost', async (t) => {
  // Both arrive Thursday 17:00 (1.29 days of slack), or Friday 17:00 (0.29 days) when the supplier misses
  // Tuesday's cutoff and the parcel leaves Wednesday. Handover by Tue 0.895 (27 h of slack); a miss gets
  // another try a day later at the supplier's 0.9: by Wed 0.895 + 0.105 x 0.9, so 0.0945 leave Wednesday.
  //   cheap: base (23+10)/(25+20) = 0.733 -> carrier 1 - 0.267 x 0.4^1.29 = 0.918 (Tue), 0.796 (Wed)
  //          P = 0.895 x 0.918 + 0.0945 x 0.796 = 0.897, breach round(0.103 x 5000) = 514, score 1600 + 514 = 2114
  //   solid: base (23+300)/(25+303) = 0.985 -> carrier 0.995 (Tue), 0.988 (Wed)
  //          P = 0.895 x 0.995 + 0.0945 x 0.988 = 0.984, breach round(0.016 x 5000) = 79, score 1900 + 79 = 1979
  const d = promised(
    decide(
      buildInput({
        sources: [supA],
        policy: { compensationMinor: { late: 5000, lost: 5000, refused: 1000, cancelled: 500 } },
        rates: { 'wh_a|ca_cheap': [rate({ carrier: 'Budget', amountMinor: 600 })], 'wh_a|ca_solid': [rate({ amountMinor: 900 })] },
        carriers: { ca_cheap: { kept: 10, broken: 10 }, ca_solid: { kept: 300, broken: 3 } },
      }),
    ),
  );
  t.equal(only(d).carrierAccountId, 'ca_solid');
  const [solid, cheap] = d.candidates;
  t.same([solid?.factors.landedCostMinor, solid?.factors.expectedBreachCostMinor, solid?.factors.score], [1900, 79, 1979]);
  t.same([cheap?.factors.landedCostMinor, cheap?.factors.expectedBreachCostMinor, cheap?.factors.score], [1600, 514, 2114]);
  t.ok(near(cheap?.factors.probability ?? 0, 0.897132204100503), 'cheap P');
  t.ok(near(solid?.factors.probability ?? 0, 0.9842199184567352), 'solid P');
  t.equal(cheap?.isEligible, true, 'the cheap route was eligible: it lost on score, not on a threshold');
});


t.test('the cost of a broken promise beyond compensation buys reliability, but is not reserved', async (t) => {
  // Same two routes as above (P 0.897 and 0.984), with a late compensation of 1000 only:
  //   cheap 1600 + round(0.103 x 1000) = 1703 beats solid 1900 + 16 = 1916.
  // A seller who prices a broken promise at 3000 more (a lost customer):
  //   cheap 1703 + round(0.103 x 3000) = 2012, solid 1916 + round(0.016 x 3000) = 1963: solid wins.
  const input = (brokenPromiseCostMinor: number) =>
    buildInput({
      sources: [supA],
      policy: { compensationMinor: { late: 1000, lost: 5000, refused: 1000, cancelled: 500 }, brokenPromiseCostMinor },
      rates: { 'wh_a|ca_cheap': [rate({ carrier: 'Budget', amountMinor: 600 })], 'wh_a|ca_solid': [rate({ amountMinor: 900 })] },
      carriers: { ca_cheap: { kept: 10, broken: 10 }, ca_solid: { kept: 300, broken: 3 } },
    });
  const careless = promised(decide(input(0)));
  t.equal(only(careless).carrierAccountId, 'ca_cheap', 'with compensation alone the cheap route wins');
  t.same(careless.candidates.map((c) => c.factors.expectedBrokenPromiseCostMinor), [0, 0]);

  const careful = promised(decide(input(3000)));
  t.equal(only(careful).carrierAccountId, 'ca_solid');
  const [solid, cheap] = careful.candidates;
  t.same([solid?.factors.expectedBreachCostMinor, solid?.factors.expectedBrokenPromiseCostMinor, solid?.factors.score], [16, 47, 1963]);
  t.same([cheap?.factors.expectedBreachCostMinor, cheap?.factors.expectedBrokenPromiseCostMinor, cheap?.factors.score], [103, 309, 2012]);
  t.equal(careful.expectedBreachCostMinor, 16, 'the exposure the ledger reserves is the compensation part only');
  t.equal(careful.landedCostMinor, 1900);
});
t.test('deliverBy excludes a slow route', async (t) => {
  const slow = rate({ service: 'Economy', amountMinor: 500, transitDays: 5 });
  const fast = rate({ service: 'Express', amountMinor: 1500, transitDays: 1 });
  const d = promised(decide(oneRoute({ rates: { 'wh_a|ca_ups': [slow, fast] } })));
  t.equal(only(d).rate.service, 'Express');
  const economy = d.candidates.find((c) => c.service === 'Economy');
  t.equal(economy?.isEligible, false);
  t.equal(economy?.factors.estimatedDelivery, '2025-03-11T17:00:00.000Z');
  t.match(economy?.notes[0], /^arrives 2025-03-11T17:00:00.000Z, 3.7 days after deliverBy/);

  const none = declined(decide(oneRoute({ rates: { 'wh_a|ca_ups': [slow] } })));
  t.equal(none.code, 'NO_ROUTE_MEETS_DATE');
  t.match(none.reasons[0], 'the earliest, sup_a/wh_a via UPS Economy (ca_ups), arrives 2025-03-11T17:00:00.000Z');
});

t.test('a route that arrives in time but below minConfidence declines', async (t) => {
  const d = declined(decide(oneRoute({ policy: { minConfidence: 0.97 } })));
  t.equal(d.code, 'BELOW_MIN_CONFIDENCE');
  t.same(d.reasons, ['the best route arriving in time, sup_a/wh_a via UPS Ground (ca_ups), has confidence 0.962, below the minimum 0.97']);
  t.same(d.candidates[0]?.notes, ['confidence 0.962 is below the minimum 0.97']);
  t.equal(d.candidates[0]?.isEligible, false);
});

t.test('a cached quote costs confidence and can lose the order', async (t) => {
  const policy = { minConfidence: 0.7 };
  const fresh = promised(decide(oneRoute({ policy })));
  const stale = promised(decide(oneRoute({ policy, sources: [{ ...supA, quote: 'cached' }] })));
  t.ok(near(stale.confidence, fresh.confidence * 0.9), `${stale.confidence} = ${fresh.confidence} x (1 - 0.1)`);
  t.same([only(fresh).usedCachedQuote, only(stale).usedCachedQuote], [false, true]);
  t.equal(stale.expectedBreachCostMinor, 269, 'round((1 - 0.962 x 0.9) x 2000)');
  t.ok(stale.candidates[0]?.notes.includes('supplier sup_a quote is cached'));

  const cachedRates = promised(decide(oneRoute({ policy, rates: { 'wh_a|ca_ups': { status: 'cached', value: [rate()], ageMs: 1000 } } })));
  t.ok(near(cachedRates.confidence, fresh.confidence * 0.9), 'cached rates cost the same');

  // sup_a is 100 cheaper but cached: breach 269 vs 76 makes sup_b's fresh quote the better deal.
  const d = promised(
    decide(
      buildInput({
        policy: { minConfidence: 0.7 },
        sources: [
          { supplierId: 'sup_a', warehouseId: 'wh_a', items: { MUG: { costMinor: 1000 } }, quote: 'cached' },
          { supplierId: 'sup_b', warehouseId: 'wh_b', items: { MUG: { costMinor: 1100 } } },
        ],
        rates: { 'wh_a|ca_ups': [rate()], 'wh_b|ca_ups': [rate()] },
      }),
    ),
  );
  t.equal(only(d).supplierId, 'sup_b');
  t.same(d.candidates.map((c) => c.factors.score), [1100 + 800 + 76, 1000 + 800 + 269]);
});

t.test('degraded partners cost 10% each', async (t) => {
  const fresh = promised(decide(oneRoute())).confidence;
  const cases: [string[], number][] = [
    [['ca_ups'], 0.9],
    [['wh_a'], 0.9],
    [['sup_a', 'ca_ups'], 0.81],
    [['sup_other'], 1],
  ];
  for (const [degraded, factor] of cases) {
    const d = decide(oneRoute({ degraded, policy: { minConfidence: 0.5 } }));
    const got = promised(d).confidence;
    t.ok(near(got, fresh * factor), `${degraded.join('+')}: ${got} = ${fresh} x ${factor}`);
  }
  const d = declined(decide(oneRoute({ degraded: ['sup_a'], policy: { minConfidence: 0.9 } })));
  t.equal(d.code, 'BELOW_MIN_CONFIDENCE', '0.962 x 0.9 = 0.866 is under 0.9');
  t.ok(d.candidates[0]?.notes.includes('partner sup_a is degraded'));
});

t.test('out of stock', async (t) => {
  const cases: [string, Spec['sources'], string][] = [
    ['too few', [{ ...supA, items: { MUG: { stock: 1 } } }], 'no source can supply MUG: supplier sup_a has 1 of MUG at wh_a, needs 2'],
    [
      'two suppliers, neither has enough',
      [
        { ...supA, items: { MUG: { stock: 0 } } },
        { supplierId: 'sup_b', warehouseId: 'wh_b', items: { MUG: { stock: 1 } }, quote: { status: 'timed_out' } },
      ],
      'no source can supply MUG: supplier sup_a has 0 of MUG at wh_a, needs 2; supplier sup_b quote for wh_b timed out',
    ],
  ];
  for (const [name, sources, reason] of cases) {
    const d = declined(decide(buildInput({ lines: [['MUG', 2]], sources, rates: { 'wh_a|ca_ups': [rate()] } })));
    t.same([d.code, d.reasons], ['OUT_OF_STOCK', [reason]], name);
    t.equal(d.candidates[0]?.isEligible, false, `${name}: candidate recorded as ineligible`);
  }
  const enough = promised(decide(buildInput({ lines: [['MUG', 2]], sources: [{ ...supA, items: { MUG: { stock: 2 } } }], rates: { 'wh_a|ca_ups': [rate()] } })));
  t.equal(only(enough).goodsCostMinor, 2000, 'exactly enough stock is enough');
  const split = promised(decide(buildInput({ lines: [['MUG', 1], ['MUG', 1]], sources: [{ ...supA, items: { MUG: { stock: 2 } } }], rates: { 'wh_a|ca_ups': [rate()] } })));
  t.same(only(split).lines.map((l) => [l.sku, l.quantity]), [['MUG', 2]], 'duplicate lines count together');
  const dup = declined(decide(buildInput({ lines: [['MUG', 1], ['MUG', 1]], sources: [{ ...supA, items: { MUG: { stock: 1 } } }], rates: { 'wh_a|ca_ups': [rate()] } })));
  t.equal(dup.code, 'OUT_OF_STOCK', 'two lines of one each need two in stock');
});

t.test('unusable supplier quotes: NO_QUOTES, or another supplier wins', async (t) => {
  const supB: Spec['sources'][number] = { supplierId: 'sup_b', warehouseId: 'wh_b', items: { MUG: { costMinor: 1400 } } };
  const cases: [string, EngineInput['supplierQuotes'][string], string][] = [
    ['timed out', { status: 'timed_out' }, 'supplier sup_a quote for wh_a timed out'],
    ['failed', { status: 'failed', reason: 'HTTP 503' }, 'supplier sup_a quote for wh_a failed: HTTP 503'],
    ['rejected', { status: 'rejected', reason: 'unknown SKU' }, 'supplier sup_a quote for wh_a rejected: unknown SKU'],
  ];
  for (const [name, quote, reason] of cases) {
    const alone = declined(decide(buildInput({ sources: [{ ...supA, quote }], rates: { 'wh_a|ca_ups': [rate()] } })));
    t.same([alone.code, alone.reasons], ['NO_QUOTES', [`no source can supply MUG: ${reason}`]], `${name}, alone`);

    const d = promised(decide(buildInput({ sources: [{ ...supA, quote }, supB], rates: { 'wh_a|ca_ups': [rate()], 'wh_b|ca_ups': [rate()] } })));
    t.equal(only(d).supplierId, 'sup_b', `${name}: the dearer supplier who answered wins`);
    const recorded = d.candidates.find((c) => c.supplierId === 'sup_a');
    t.same([recorded?.isEligible, recorded?.notes], [false, [`cannot ship the whole order: ${reason}`]], `${name}: recorded`);
  }
  const missing = declined(decide({ ...oneRoute(), supplierQuotes: {} }));
  t.same([missing.code, missing.reasons], ['NO_QUOTES', ['no source can supply MUG: supplier sup_a quote for wh_a missing']]);
});

t.test('unusable warehouse schedule or carrier rates: NO_QUOTES naming the partner', async (t) => {
  const cases: [string, Partial<Spec>, string[]][] = [
    ['schedule timed out', { schedules: { wh_a: { status: 'timed_out' } } }, ['warehouse wh_a schedule timed out']],
    ['rates failed', { rates: { 'wh_a|ca_ups': { status: 'failed', reason: 'HTTP 500' } } }, ['carrier account ca_ups rates for wh_a failed: HTTP 500']],
    ['no rates at all', { rates: {} }, ['no carrier rates for warehouse wh_a']],
    ['empty rate list', { rates: { 'wh_a|ca_ups': [] } }, ['carrier account ca_ups returned no rates for wh_a']],
  ];
  for (const [name, over, reasons] of cases) {
    const d = declined(decide(oneRoute(over)));
    t.same([d.code, d.reasons], ['NO_QUOTES', reasons], name);
  }
  const oneDown = promised(decide(oneRoute({ rates: { 'wh_a|ca_dhl': { status: 'timed_out' }, 'wh_a|ca_ups': [rate()] } })));
  t.equal(only(oneDown).carrierAccountId, 'ca_ups', 'one carrier down, another carries');
});

t.test('missing delivery date and transit days: five business days and a haircut', async (t) => {
  const deliverBy = '2025-03-12T23:59:59.999Z';
  const known = promised(decide(oneRoute({ deliverBy, rates: { 'wh_a|ca_ups': [rate({ transitDays: 5 })] } })));
  const unknown = promised(decide(oneRoute({ deliverBy, policy: { minConfidence: 0.5 }, rates: { 'wh_a|ca_ups': [rate({ transitDays: null })] } })));
  t.equal(iso(only(unknown).estimatedDelivery), '2025-03-11T17:00:00.000Z', 'Tue + 5 business days = next Tue');
  t.equal(iso(only(known).estimatedDelivery), iso(only(unknown).estimatedDelivery));
  t.ok(near(only(unknown).pCarrierOnTime, only(known).pCarrierOnTime * 0.8), 'unknown transit costs 20% of the carrier part');
  t.ok(unknown.candidates[0]?.notes.includes('UPS Ground gave no transit time; assumed 5 business days'));

  const dated = promised(decide(oneRoute({ rates: { 'wh_a|ca_ups': [rate({ deliveryDate: new Date('2025-03-05T20:00:00.000Z'), transitDays: null })] } })));
  t.equal(iso(only(dated).estimatedDelivery), '2025-03-05T20:00:00.000Z', "without transit days the carrier's date is used");
  const both = decide(oneRoute({ rates: { 'wh_a|ca_ups': [rate({ deliveryDate: new Date('2025-03-05T20:00:00.000Z'), transitDays: 4 })] } }));
  t.equal(both.candidates[0]?.factors.estimatedDelivery, '2025-03-10T17:00:00.000Z', 'transit days count from the actual departure, not the quoted ship date');
});

t.test('guaranteed rates lift an unreliable carrier', async (t) => {
  const carriers = { ca_ups: { kept: 0, broken: 12 } }; // base 23/37 = 0.62
  const policy = { minConfidence: 0.9 };
  const plain = declined(decide(oneRoute({ carriers, policy })));
  t.equal(plain.code, 'BELOW_MIN_CONFIDENCE', `${plain.reasons[0]}`);
  const guaranteed = promised(decide(oneRoute({ carriers, policy, rates: { 'wh_a|ca_ups': [rate({ isGuaranteed: true })] } })));
  const slackDays = guaranteed.candidates[0]?.factors.slackDays ?? NaN;
  t.ok(near(only(guaranteed).pCarrierOnTime, 1 - 0.03 * 0.4 ** slackDays), 'base 0.97 instead of 0.62');
  const trusted = promised(decide(oneRoute({ carriers: { ca_ups: { kept: 2000, broken: 0 } }, rates: { 'wh_a|ca_ups': [rate({ isGuaranteed: true })] } })));
  t.ok(only(trusted).pCarrierOnTime > 1 - 0.03 * 0.4 ** slackDays, 'a better record than the guarantee floor still counts');
});

t.test('transit skips the weekend', async (t) => {
  const d = promised(
    decide(
      oneRoute({
        deliverBy: '2025-03-11T23:59:59.999Z',
        sources: [{ ...supA, handoverEta: '2025-03-06T08:00:00.000Z' }],
        schedules: { wh_a: received(schedule('wh_a', { pickups: [pickup('2025-03-07'), pickup('2025-03-10')] })) },
      }),
    ),
  );
  const s = only(d);
  t.same([iso(s.departsAt), iso(s.estimatedDelivery)], ['2025-03-07T17:00:00.000Z', '2025-03-11T17:00:00.000Z'], 'Friday + 2 = Tuesday, not Sunday');
});

t.test('pickups without capacity are skipped', async (t) => {
  const withPickups = (capacities: number[]) =>
    oneRoute({
      schedules: {
        wh_a: received(schedule('wh_a', { pickups: capacities.map((c, i) => pickup(`2025-03-0${4 + i}`, c)) })),
      },
    });
  const s = only(promised(decide(withPickups([0, 3, 5]))));
  t.same([iso(s.handoverBy), iso(s.departsAt), iso(s.estimatedDelivery)], ['2025-03-05T15:00:00.000Z', '2025-03-05T17:00:00.000Z', '2025-03-07T17:00:00.000Z']);
  const none = declined(decide(withPickups([0, 0])));
  t.same([none.code, none.reasons], ['NO_ROUTE_MEETS_DATE', ['no pickup with capacity at wh_a after the goods are ready at 2025-03-03T12:00:00.000Z']]);
});

t.test('currency mismatches make a source or a rate unusable', async (t) => {
  const euroGoods = declined(decide(oneRoute({ sources: [{ ...supA, items: { MUG: { currency: 'EUR' } } }] })));
  t.same([euroGoods.code, euroGoods.reasons], ['OUT_OF_STOCK', ['no source can supply MUG: supplier sup_a quotes MUG in EUR, the order is in USD']]);

  const mixed = promised(decide(oneRoute({ rates: { 'wh_a|ca_dhl': [rate({ carrier: 'DHL', amountMinor: 300, currency: 'EUR' })], 'wh_a|ca_ups': [rate()] } })));
  t.equal(only(mixed).carrierAccountId, 'ca_ups', 'the cheaper euro rate is not usable');
  const dhl = mixed.candidates.find((c) => c.carrierAccountId === 'ca_dhl');
  t.same([dhl?.isEligible, dhl?.notes, dhl?.factors.estimatedDelivery], [false, ['rate is in EUR, the order is in USD'], null]);

  const euroOnly = declined(decide(oneRoute({ rates: { 'wh_a|ca_dhl': [rate({ currency: 'EUR' })] } })));
  t.same([euroOnly.code, euroOnly.reasons], ['NO_QUOTES', ['rate is in EUR, the order is in USD']]);
  t.equal(promised(decide(oneRoute({ currency: 'usd' }))).shipments.length, 1, 'currency codes compare case-insensitively');
});

t.test('no offer for a SKU', async (t) => {
  const d = declined(decide(oneRoute({ lines: [['MUG', 1], ['HAT', 1], ['SCARF', 1]] })));
  t.same([d.code, d.reasons, d.candidates], ['NO_OFFERS', ['no supplier offers HAT', 'no supplier offers SCARF'], []]);
  t.equal(declined(decide(oneRoute({ lines: [] }))).code, 'NO_OFFERS');
});

t.test('deterministic: same input, same output, whatever the order of offers and rate keys', async (t) => {
  const spec: Spec = {
    sources: [
      { supplierId: 'sup_b', warehouseId: 'wh_b', items: { MUG: { costMinor: 1000 } } },
      { supplierId: 'sup_a', warehouseId: 'wh_a', items: { MUG: { costMinor: 1000 } } },
    ],
    rates: { 'wh_b|ca_ups': [rate()], 'wh_a|ca_fedex': [rate({ carrier: 'FedEx' })], 'wh_a|ca_ups': [rate()] },
  };
  const input = buildInput(spec);
  const first = decide(input);
  t.same(decide(input), first);
  const reordered: EngineInput = {
    ...input,
    offers: [...input.offers].reverse(),
    carrierRates: Object.fromEntries(Object.entries(input.carrierRates).reverse()),
  };
  t.same(decide(reordered), first);
  // Four routes with equal score, P and date: ids decide.
  t.same(
    promised(first).candidates.map((c) => `${c.supplierId}/${c.carrierAccountId}`),
    ['sup_a/ca_fedex', 'sup_a/ca_ups', 'sup_b/ca_ups'],
  );
  t.same(input, buildInput(spec), 'the input is not mutated');
});

t.test('a tight first pickup is booked: a missed cutoff rolls onto the next pickup, which still arrives in time', async (t) => {
  // Ready at 14:30 for Tue's 15:00 cutoff: half an hour of slack. Before the rollover was modelled, a miss
  // counted as a broken promise, so the engine booked Wednesday; now a miss leaves Wednesday (arrives Fri
  // 17:00, by the date) and booking Tuesday gets the earlier delivery and a higher P.
  //   handover by Tue 15:00: 0.9 x (1 - 0.5 e^(-0.5/6)) = 0.48598
  //   by Wed 15:00: 0.48598 + 0.51402 x 0.9 (another try at the supplier's 0.9) = 0.94860; 0.46262 leave Wed
  //   P = 0.48598 x 0.97550 (Thu arrival, 1.29 d slack) + 0.46262 x 0.93876 (Fri, 0.29 d) = 0.90836
  //   (booking Wednesday outright: 0.89242 x 0.93876 = 0.838)
  const tight = oneRoute({ sources: [{ ...supA, handoverEta: '2025-03-04T10:30:00.000Z' }] });
  const d = promised(decide(tight));
  const s = only(d);
  const byTue = 0.9 * (1 - 0.5 * Math.exp(-0.5 / 6));
  t.equal(iso(s.handoverBy), '2025-03-04T15:00:00.000Z', 'the tight pickup');
  t.ok(near(s.pSupplierOnTime, byTue), `supplier on time ${s.pSupplierOnTime}`);
  t.ok(near(s.pLaterPickups, (1 - byTue) * 0.9 * 0.9387615548010106), `later pickups ${s.pLaterPickups}`);
  t.ok(near(d.confidence, 0.9083637308723045), `confidence ${d.confidence}`);
  t.same(
    d.candidates[0]?.factors.laterPickups.map((l) => l.departsAt),
    ['2025-03-05T17:00:00.000Z'],
    "the record lists the later pickup behind it (Thursday's would arrive Monday, after the date)",
  );
  const onlyTight = decide(
    oneRoute({
      sources: [{ ...supA, handoverEta: '2025-03-04T10:30:00.000Z' }],
      schedules: { wh_a: received(schedule('wh_a', { pickups: [pickup('2025-03-04')] })) },
    }),
  );
  t.equal(onlyTight.outcome, 'decline', 'with no later pickup to roll onto, the tight one is too risky');
  t.ok(near(onlyTight.candidates[0]?.factors.probability ?? 0, byTue * 0.9755046219204043), 'P is the booked pickup alone');
});

t.test('date slack decides how much the next pickup is worth', async (t) => {
  // Same tight handover; deliverBy Thursday end of day: Tuesday's pickup arrives Thursday 17:00 (0.29 d
  // slack) and Wednesday's would arrive Friday, after the date, so a missed cutoff is a broken promise.
  const d = decide(oneRoute({ deliverBy: '2025-03-06T23:59:59.999Z', policy: { minConfidence: 0.3 }, sources: [{ ...supA, handoverEta: '2025-03-04T10:30:00.000Z' }] }));
  const booked = d.candidates.find((c) => c.factors.estimatedDelivery === '2025-03-06T17:00:00.000Z');
  t.equal(booked?.factors.pLaterPickups, 0, 'no later pickup arrives by Thursday');
  t.same(booked?.factors.laterPickups, []);
  t.ok(near(booked?.factors.probability ?? 0, 0.9 * (1 - 0.5 * Math.exp(-0.5 / 6)) * (1 - 0.08 * 0.4 ** (7 / 24 - 1 / (24 * 3_600_000)))), `P ${booked?.factors.probability}`);
});
