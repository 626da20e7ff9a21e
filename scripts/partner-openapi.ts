// Builds the partner protocol documents from the zod wire schemas, so the published contract and the
// code that speaks it cannot drift. `npm run openapi:write` regenerates the JSON files;
// test/suppliers/partner-openapi.test.ts fails when a committed file differs from what this builds.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import {
  IDEMPOTENCY_KEY_HEADER,
  PledgeV1Signature,
  REPLAYED_HEADER,
  SIGNATURE_HEADER,
  supplierWire,
} from '../src/suppliers/pledge-v1/wire.js';
import { warehouseWire } from '../src/warehouses/pledge-v1/wire.js';

type Json = Record<string, unknown>;
const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string) => ({ 'application/json': { schema: ref(id) } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });

/** OpenAPI 3.1 schemas are JSON Schema 2020-12; drop what only makes sense in a standalone schema. */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$schema' || k === '$id') continue;
    // zod spells RFC 3339 out as a long regex next to format: date-time; the format says it.
    if (k === 'pattern' && (node as Json)['format'] === 'date-time') continue;
    out[k] = tidy(v);
  }
  return out;
}

const components = (registry: Parameters<typeof z.toJSONSchema>[0]) =>
  tidy(z.toJSONSchema(registry as z.core.$ZodRegistry<{ id?: string }>, { io: 'input', uri: (id) => `#/components/schemas/${id}` }).schemas) as Json;

const common = {
  security: [{ bearerAuth: [] }],
  servers: [{ url: '{base}', variables: { base: { default: 'https://partner.example/pledge/v1', description: 'The base URL the seller configured for this partner.' } } }],
};
const securitySchemes = { bearerAuth: { type: 'http', scheme: 'bearer', description: 'The API key the seller stored with this partner.' } };

export function buildSupplierOpenApi(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Pledge supplier protocol',
      version: 'pledge-supplier-v1',
      description: 'What a drop-ship supplier implements so Pledge can quote, instruct and cancel (docs/partners.md). Unknown fields must be ignored by both sides; any 4xx is a business rejection that Pledge does not retry.',
    },
    ...common,
    paths: {
      '/quotes': {
        post: {
          operationId: 'quote',
          summary: 'Can you ship these items, at what cost, and when can they be handed over?',
          requestBody: { required: true, content: json('QuoteRequest') },
          responses: { '200': { description: 'The quote.', content: json('Quote') }, '4XX': problem('Refused.') },
        },
      },
      '/instructions': {
        post: {
          operationId: 'instruct',
          summary: 'Ship this: the drop-ship instruction.',
          parameters: [{
            name: IDEMPOTENCY_KEY_HEADER, in: 'header', required: true, schema: { type: 'string', minLength: 1 },
            description: 'The Pledge shipment id. A repeat carries byte-for-byte the same body under the same key.',
          }],
          requestBody: { required: true, content: json('Instruction') },
          responses: {
            '201': { description: 'First receipt of this key.', content: json('InstructionReceipt') },
            '200': {
              description: 'A repeat of the same key and body: the first answer, replayed.',
              headers: { [REPLAYED_HEADER]: { required: true, schema: { type: 'string', const: 'true' } } },
              content: json('InstructionReceipt'),
            },
            '422': problem('The same key with a different body (code IDEMPOTENCY_KEY_REUSED), or the instruction is refused.'),
            '4XX': problem('Refused.'),
          },
        },
      },
      '/instructions/{supplier_order_ref}/cancel': {
        post: {
          operationId: 'cancel',
          summary: 'Cancel an instruction, if the parcel has not been handed over yet.',
          parameters: [{ name: 'supplier_order_ref', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'cancelled, or too_late when the parcel was already handed over.', content: json('CancelResult') },
            '404': problem('Unknown supplier order.'),
          },
        },
      },
    },
    webhooks: {
      supplierEvent: {
        post: {
          operationId: 'supplierEvent',
          summary: 'Status events, sent by the supplier to POST {pledge}/v1/partners/suppliers/{supplier_id}/events',
          description: `Signed with the per-supplier secret: ${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">.`,
          security: [],
          parameters: [{ name: SIGNATURE_HEADER, in: 'header', required: true, schema: tidy(z.toJSONSchema(PledgeV1Signature)) }],
          requestBody: { required: true, content: json('SupplierEvent') },
          responses: { '2XX': { description: 'Received.' }, '401': problem('Signature missing or invalid.') },
        },
      },
    },
    components: { schemas: components(supplierWire), securitySchemes },
  };
}

export function buildWarehouseOpenApi(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Pledge warehouse protocol',
      version: 'pledge-warehouse-v1',
      description: 'What a ship-from location implements so Pledge knows when parcels leave (docs/partners.md). Unknown fields must be ignored by both sides.',
    },
    ...common,
    paths: {
      '/schedule': {
        post: {
          operationId: 'schedule',
          summary: 'When will parcels leave?',
          requestBody: { required: true, content: json('ScheduleRequest') },
          responses: { '200': { description: 'Handling time and the next pickups, ascending.', content: json('Schedule') }, '4XX': problem('Refused.') },
        },
      },
    },
    components: { schemas: components(warehouseWire), securitySchemes },
  };
}

export const partnerDocuments = {
  'supplier.json': buildSupplierOpenApi,
  'warehouse.json': buildWarehouseOpenApi,
} as const;

export const render = (doc: Json) => `${JSON.stringify(doc, null, 2)}\n`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv[2] === 'write') {
  for (const [file, build] of Object.entries(partnerDocuments)) writeFileSync(new URL(`../openapi/partners/${file}`, import.meta.url), render(build()));
  console.log('wrote openapi/partners/supplier.json and warehouse.json');
}
