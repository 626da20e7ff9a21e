import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import type { z } from 'zod';
import { partnerDocuments, render } from '../../scripts/partner-openapi.js';
import {
  PledgeV1CancelResult,
  PledgeV1Instruction,
  PledgeV1InstructionReceipt,
  PledgeV1Problem,
  PledgeV1Quote,
  PledgeV1QuoteRequest,
  PledgeV1SupplierEvent,
} from '../../src/suppliers/pledge-v1/wire.js';
import * as warehouseWire from '../../src/warehouses/pledge-v1/wire.js';
import { fixture } from '../fixtures/load.js';

t.test('the committed protocol documents are what the wire schemas generate', async (t) => {
  for (const [file, build] of Object.entries(partnerDocuments)) {
    const committed = readFileSync(new URL(`../../openapi/partners/${file}`, import.meta.url), 'utf8');
    t.equal(committed, render(build()), `${file} is stale: run npm run openapi:write`);
  }
});

t.test('the supplier document carries the idempotency and signature headers', async (t) => {
  const doc = partnerDocuments['supplier.json']() as any;
  t.match(doc.paths['/instructions'].post.parameters, [{ name: 'Idempotency-Key', in: 'header', required: true }]);
  t.ok(doc.paths['/instructions'].post.responses['200'].headers['Idempotent-Replayed']);
  const signature = doc.webhooks.supplierEvent.post.parameters[0];
  t.match(signature, { name: 'Pledge-Signature', in: 'header', required: true });
  t.match(`t=1764108000,v1=${'ab'.repeat(32)}`, new RegExp(signature.schema.pattern));
  t.notMatch('v1=abc,t=1', new RegExp(signature.schema.pattern));
});

// Every recorded payload is checked against its wire schema; a fixture without an entry fails the test.
const bySchema: Record<string, Record<string, z.ZodType>> = {
  'suppliers/pledge-v1': {
    'quote-request.json': PledgeV1QuoteRequest,
    'quote.json': PledgeV1Quote,
    'quote-out-of-stock.json': PledgeV1Quote,
    'instruction.json': PledgeV1Instruction,
    'instruction-receipt.json': PledgeV1InstructionReceipt,
    'cancel-cancelled.json': PledgeV1CancelResult,
    'cancel-too-late.json': PledgeV1CancelResult,
    'problem-idempotency-key-reused.json': PledgeV1Problem,
    'problem-not-found.json': PledgeV1Problem,
    'event-handed-over.json': PledgeV1SupplierEvent,
    'event-refused.json': PledgeV1SupplierEvent,
  },
  'warehouses/pledge-v1': {
    'schedule-request.json': warehouseWire.PledgeV1ScheduleRequest,
    'schedule.json': warehouseWire.PledgeV1Schedule,
    'schedule-busy-week.json': warehouseWire.PledgeV1Schedule,
    'problem.json': warehouseWire.PledgeV1Problem,
  },
};

for (const [dir, schemas] of Object.entries(bySchema)) {
  t.test(`${dir} fixtures match the wire schemas`, async (t) => {
    const files = readdirSync(new URL(`../fixtures/${dir}/`, import.meta.url)).filter((f) => f.endsWith('.json')).sort();
    t.strictSame(files, Object.keys(schemas).sort(), 'every fixture has a schema');
    for (const [file, schema] of Object.entries(schemas)) {
      const parsed = schema.safeParse(fixture(`${dir}/${file}`));
      t.ok(parsed.success, `${file}${parsed.success ? '' : `: ${parsed.error.message}`}`);
    }
  });
}
