import t from 'tap';
import type { GatheredQuotes } from '../../src/orders/quote-gatherer.js';
import type { OrderNetwork } from '../../src/network/network-service.js';
import type { EngineDecision, ShipmentPlan } from '../../src/promise-engine/types.js';
import { cancelPlan, chosenRoute, exclusionsFor, withoutExcluded } from '../../src/compensation/saga/repair-quote.js';
import { nextAction, retryDelayMs, type StepState } from '../../src/compensation/saga/runner.js';
import type { SagaStepStatus } from '../../src/db/database.js';

const names = ['requote', 'cancel_original', 'reserve_route', 'send_instruction', 'finish'];
const compensable = new Map<string, 'fn' | 'irreversible' | 'none'>([
  ['requote', 'none'],
  ['cancel_original', 'irreversible'],
  ['reserve_route', 'fn'],
  ['send_instruction', 'none'],
  ['finish', 'none'],
]);
const steps = (...statuses: SagaStepStatus[]): StepState[] => statuses.map((status, i) => ({ seq: i + 1, name: names[i]!, status }));

t.test('nextAction: what a saga does next from its persisted state', async (t) => {
  const cases: [string, Parameters<typeof nextAction>[0], StepState[], ReturnType<typeof nextAction>][] = [
    ['a new saga starts at the first step', 'running', steps('pending', 'pending', 'pending', 'pending', 'pending'), { kind: 'invoke', seq: 1 }],
    ['a step interrupted by a crash runs again', 'running', steps('done', 'running', 'pending', 'pending', 'pending'), { kind: 'invoke', seq: 2 }],
    ['the next pending step after done ones', 'running', steps('done', 'done', 'done', 'pending', 'pending'), { kind: 'invoke', seq: 4 }],
    ['compensation starts with the latest done step that has a compensate', 'compensating', steps('done', 'done', 'done', 'failed', 'pending'), { kind: 'compensate', seq: 3, irreversible: false }],
    ['an interrupted compensation runs again', 'compensating', steps('done', 'done', 'compensating', 'failed', 'pending'), { kind: 'compensate', seq: 3, irreversible: false }],
    ['an irreversible step is recorded as such', 'compensating', steps('done', 'done', 'compensated', 'failed', 'pending'), { kind: 'compensate', seq: 2, irreversible: true }],
    ['steps without compensate are skipped; then the saga ends compensated', 'compensating', steps('done', 'irreversible', 'compensated', 'failed', 'pending'), { kind: 'finish_compensated' }],
    ['a completed saga is idle', 'completed', steps('done', 'done', 'done', 'done', 'done'), { kind: 'idle' }],
    ['a failed saga is idle', 'failed', steps('failed', 'pending', 'pending', 'pending', 'pending'), { kind: 'idle' }],
  ];
  for (const [label, phase, state, expected] of cases) t.same(nextAction(phase, state, compensable), expected, label);
});

t.test('retry delays grow and are capped', async (t) => {
  t.equal(retryDelayMs(1), 2_000);
  t.equal(retryDelayMs(2), 4_000);
  t.equal(retryDelayMs(50), 600_000);
});

t.test('exclusions: the failing supplier always, the blamed warehouse or carrier account too', async (t) => {
  const s = { supplier_id: 'sup_acme', warehouse_id: 'wh_acme_nj', carrier_account_id: 'car_shippo' };
  t.same(exclusionsFor(s, { cause: 'supplier', partner_id: 'sup_acme' }), { suppliers: ['sup_acme'], warehouses: [], carrierAccounts: [] });
  t.same(exclusionsFor(s, { cause: 'carrier', partner_id: 'car_shippo' }), { suppliers: ['sup_acme'], warehouses: [], carrierAccounts: ['car_shippo'] });
  t.same(exclusionsFor(s, { cause: 'warehouse', partner_id: null }), { suppliers: ['sup_acme'], warehouses: ['wh_acme_nj'], carrierAccounts: [] });
});

t.test('withoutExcluded drops the partners and their offers, so they are never asked', async (t) => {
  const entry = (id: string) => [id, { row: { id }, connection: {} }] as const;
  const network = {
    policy: {},
    offers: [
      { sku: 'LAMP-01', supplier_id: 'sup_acme', warehouse_id: 'wh_acme_nj' },
      { sku: 'LAMP-01', supplier_id: 'sup_bolt', warehouse_id: 'wh_bolt_tx' },
    ],
    suppliers: new Map([entry('sup_acme'), entry('sup_bolt')]),
    warehouses: new Map([entry('wh_acme_nj'), entry('wh_bolt_tx')]),
    carrierAccounts: new Map([entry('car_shippo'), entry('car_easypost')]),
    trackRecords: { suppliers: {}, warehouses: {}, carriers: {} },
  } as unknown as OrderNetwork;
  const out = withoutExcluded(network, { suppliers: ['sup_acme'], warehouses: [], carrierAccounts: ['car_shippo'] });
  t.same([...out.suppliers.keys()], ['sup_bolt']);
  t.same(out.offers.map((o) => o.supplier_id), ['sup_bolt']);
  t.same([...out.carrierAccounts.keys()], ['car_easypost']);
  t.equal(network.suppliers.size, 2, 'the input is not mutated');
});

t.test('chosenRoute: one shipment at another supplier, or why not', async (t) => {
  const plan = {
    supplierId: 'sup_bolt',
    warehouseId: 'wh_bolt_tx',
    carrierAccountId: 'car_shippo',
    lines: [{ sku: 'LAMP-01', supplierSku: 'BOLT-LAMP', quantity: 1, unitCostMinor: 2250 }],
    rate: { carrier: 'USPS', service: 'Priority', amountMinor: 900, currency: 'USD', transitDays: 2, deliveryDate: null, isGuaranteed: false, rateRef: { id: 'r1' } },
    handoverBy: new Date('2030-01-02T15:00:00Z'),
    estimatedDelivery: new Date('2030-01-04T23:59:00Z'),
    probability: 0.9,
    landedCostMinor: 3150,
    shippingCostMinor: 900,
  } as unknown as ShipmentPlan;
  const ex = { suppliers: ['sup_acme'], warehouses: [], carrierAccounts: [] };
  const promise = (shipments: ShipmentPlan[]) => ({ outcome: 'promise', shipments, candidates: [] }) as unknown as EngineDecision;
  const quote = { status: 'received', latencyMs: 3, value: { handoverEta: new Date('2030-01-02T11:00:00Z') } } as unknown as GatheredQuotes['supplierQuotes'][string];
  const ok = chosenRoute(promise([plan]), { carrierRates: { 'wh_bolt_tx|car_shippo': { status: 'cached', value: [], ageMs: 5 } }, supplierQuotes: { 'sup_bolt|wh_bolt_tx': quote } }, ex);
  t.match(ok, { ok: true, route: { supplier_id: 'sup_bolt', rate_source: 'cached', handover_by: '2030-01-02T15:00:00.000Z', handover_eta: '2030-01-02T11:00:00.000Z', lines: [{ supplier_sku: 'BOLT-LAMP', unit_cost_minor: 2250 }] } });
  const none = { carrierRates: {}, supplierQuotes: {} };
  t.match(chosenRoute(promise([plan]), none, ex), { ok: true, route: { handover_eta: null } }, 'no quote kept: no ETA');
  t.match(chosenRoute({ outcome: 'decline', code: 'NO_ROUTE_MEETS_DATE', reasons: ['too far'], candidates: [] }, none, ex), { ok: false, reason: /NO_ROUTE_MEETS_DATE/ });
  t.match(chosenRoute(promise([plan, plan]), none, ex), { ok: false, reason: /split into 2/ });
  t.match(chosenRoute(promise([{ ...plan, supplierId: 'sup_acme' }]), none, ex), { ok: false, reason: /failing supplier/ });
});

t.test('cancelPlan: how the first instruction is stopped', async (t) => {
  const cases: [string, Parameters<typeof cancelPlan>[0], ReturnType<typeof cancelPlan>['kind']][] = [
    ['sent: ask the supplier', { instruction_status: 'sent', supplier_order_ref: 'SO-1', cancel_outcome: null }, 'supplier_cancel'],
    ['refused when instructed: nothing live', { instruction_status: 'failed', supplier_order_ref: null, cancel_outcome: null }, 'nothing_live'],
    ['not sent yet: close the outbox row', { instruction_status: 'pending', supplier_order_ref: null, cancel_outcome: null }, 'close_outbox'],
    ['cancelled before (a re-run after a crash)', { instruction_status: 'cancelled', supplier_order_ref: 'SO-1', cancel_outcome: 'cancelled' }, 'already_cancelled'],
    ['too late: the parcel left', { instruction_status: 'sent', supplier_order_ref: 'SO-1', cancel_outcome: 'too_late' }, 'unknown'],
    ['sent without a reference cannot be confirmed', { instruction_status: 'sent', supplier_order_ref: null, cancel_outcome: null }, 'unknown'],
  ];
  for (const [label, s, kind] of cases) t.equal(cancelPlan(s).kind, kind, label);
});
