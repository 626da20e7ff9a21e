import t from 'tap';
import { engineEstimates, withCarrierClassPriors } from '../../src/learning/estimates.js';
import { laneKey, observe, posteriorMean, priorFor, type Posterior } from '../../src/learning/success-model.js';

const base = priorFor('carrier_lane');
const record = (kept: number, broken: number): Posterior => {
  let p = base;
  for (let i = 0; i < kept; i++) p = observe(p, true);
  for (let i = 0; i < broken; i++) p = observe(p, false);
  return p;
};

t.test("lanes borrow their prior from the carrier account's other lanes, counting their own outcomes once", async (t) => {
  const ground = laneKey('car_premier', 'Ground', null, null);
  const express = laneKey('car_premier', 'Express', null, null);
  const other = laneKey('car_cheap', 'Ground', null, null);
  const lanes: Record<string, Posterior> = { [ground]: record(490, 10), [express]: record(2, 0), [other]: record(40, 10) };
  const accounts = withCarrierClassPriors(lanes);

  t.ok(posteriorMean(lanes[express]!) > 0.97, `a thin lane of a 98% carrier: ${posteriorMean(lanes[express]!)} (was ${posteriorMean(record(2, 0))})`);
  t.ok(Math.abs(lanes[express]!.alpha + lanes[express]!.beta - 27) < 1e-9, 'class prior strength 25 plus its own 2 outcomes');
  t.ok(Math.abs(posteriorMean(lanes[ground]!) - posteriorMean(record(490, 10))) < 0.001, 'a lane with much evidence keeps its own record');
  t.same(lanes[other], record(40, 10), 'a lane alone on its account keeps the base prior');
  t.ok(posteriorMean(accounts.car_premier!) > 0.97, 'an unseen lane of the account starts from all its lanes');
  t.same(accounts.car_cheap, { alpha: 25 * posteriorMean(record(40, 10)), beta: 25 * (1 - posteriorMean(record(40, 10))) });
});

t.test('engineEstimates hands the engine the carrier priors with the decayed lanes', async (t) => {
  const now = new Date('2026-10-01T00:00:00Z');
  const row = (key: string, p: Posterior) => ({ kind: 'carrier_lane' as const, key, alpha: p.alpha, beta: p.beta, n: 0, updated_at: now });
  const learned = engineEstimates({
    rows: [row(laneKey('car_a', 'Ground', 'NJ', 'NY'), record(200, 2))],
    now,
    halfLifeDays: 30,
    riskAversion: 0.5,
    originRegions: {},
    destinationRegion: null,
    supplierWeights: {},
  });
  t.ok(posteriorMean(learned.carrierAccounts!.car_a!) > 0.98);
  t.same(Object.keys(learned.carrierAccounts!), ['car_a']);
});
