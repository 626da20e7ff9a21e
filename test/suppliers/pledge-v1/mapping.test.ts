import t from 'tap';
import {
  fromPledgeV1Cancel,
  fromPledgeV1Quote,
  fromPledgeV1Receipt,
  isReplayed,
  toPledgeV1Instruction,
  toPledgeV1QuoteRequest,
} from '../../../src/suppliers/pledge-v1/mapping.js';
import { PledgeV1CancelResult, PledgeV1InstructionReceipt, PledgeV1Quote } from '../../../src/suppliers/pledge-v1/wire.js';
import { fixture } from '../../fixtures/load.js';
import { instruction, quoteRequest } from '../../fixtures/suppliers/requests.js';

const load = <T>(schema: { parse(v: unknown): T }, name: string): T => schema.parse(fixture(`suppliers/pledge-v1/${name}.json`));

t.test('quote request is exactly the documented body', async (t) => {
  t.strictSame(toPledgeV1QuoteRequest(quoteRequest), fixture('suppliers/pledge-v1/quote-request.json'));
  t.equal(toPledgeV1QuoteRequest({ ...quoteRequest, shipTo: { ...quoteRequest.shipTo, region: undefined } }).ship_to.region, null);
});

t.test('quote: minor units as sent, timestamps parsed', async (t) => {
  t.strictSame(fromPledgeV1Quote(load(PledgeV1Quote, 'quote')), {
    items: [{ supplierSku: 'MUG-BLK-12', availableQuantity: 14, unitCostMinor: 650, currency: 'USD' }],
    handoverEta: new Date('2026-11-25T18:00:00Z'),
    validUntil: new Date('2026-11-25T14:30:00Z'),
  });
});

t.test('quote: out of stock, offset timestamp, no validity, unknown fields ignored', async (t) => {
  const quote = fromPledgeV1Quote(load(PledgeV1Quote, 'quote-out-of-stock'));
  t.strictSame(quote.items.map((i) => [i.supplierSku, i.availableQuantity, i.unitCostMinor]), [['MUG-BLK-12', 0, 650], ['MUG-WHT-12', 3, 0]]);
  t.equal(quote.handoverEta.toISOString(), '2026-11-26T08:00:00.000Z');
  t.equal(quote.validUntil, null);
});

t.test('quote: a float amount or a timestamp without offset is not the protocol', async (t) => {
  const quote = fixture<any>('suppliers/pledge-v1/quote.json');
  t.notOk(PledgeV1Quote.safeParse({ ...quote, items: [{ ...quote.items[0], unit_cost: { amount_minor: 6.5, currency: 'USD' } }] }).success);
  t.notOk(PledgeV1Quote.safeParse({ ...quote, handover_eta: '2026-11-25T18:00:00' }).success);
  t.notOk(PledgeV1Quote.safeParse({ ...quote, valid_until: undefined }).success, 'valid_until may be null, not absent');
});

t.test('instruction is exactly the documented body, and the same bytes every time', async (t) => {
  t.strictSame(toPledgeV1Instruction(instruction), fixture('suppliers/pledge-v1/instruction.json'));
  t.equal(JSON.stringify(toPledgeV1Instruction(instruction)), JSON.stringify(toPledgeV1Instruction(structuredClone(instruction))));
});

t.test('replay is read from Idempotent-Replayed only', async (t) => {
  t.equal(isReplayed({ 'idempotent-replayed': 'true' }), true);
  t.equal(isReplayed({ 'idempotent-replayed': 'True ' }), true);
  t.equal(isReplayed({ 'idempotent-replayed': ['true'] }), true);
  t.equal(isReplayed({ 'idempotent-replayed': 'false' }), false);
  t.equal(isReplayed({}), false);
  t.strictSame(fromPledgeV1Receipt(load(PledgeV1InstructionReceipt, 'instruction-receipt'), true), { supplierOrderRef: 'SO-88412', status: 'received', isReplay: true });
});

t.test('cancel outcomes', async (t) => {
  t.strictSame(fromPledgeV1Cancel(load(PledgeV1CancelResult, 'cancel-cancelled')), { status: 'cancelled' });
  t.strictSame(fromPledgeV1Cancel(load(PledgeV1CancelResult, 'cancel-too-late')), { status: 'too_late' });
});
