import { fixedClock } from '../../src/lib/clock.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';

type Teardown = { teardown(fn: () => unknown): void };

/** Wednesday 14:00 UTC: a business day, before every demo warehouse's cut-off. */
export const WEDNESDAY = '2026-11-25T14:00:00Z';

export type Running = {
  sandbox: Sandbox;
  baseUrl: string;
  clock: ReturnType<typeof fixedClock>;
  /** fetch against the sandbox origin. */
  call(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
};

/**
 * A started sandbox with a fixed clock, closed when the test ends. Latency is zeroed on every partner
 * unless `keepLatency` is set, so suites stay fast; tests that exercise knobs set their own.
 */
export async function startSandbox(t: Teardown, opts: { seed?: number; now?: string; keepLatency?: boolean } = {}): Promise<Running> {
  const clock = fixedClock(opts.now ?? WEDNESDAY);
  const sandbox = createSandbox({ seed: opts.seed ?? 7, now: clock.now });
  const { baseUrl } = await sandbox.start();
  t.teardown(() => sandbox.close());
  if (!opts.keepLatency) {
    for (const p of sandbox.partners()) sandbox.patchPartner(p.id, { latency_ms_median: 0, latency_ms_p99: 0 });
  }
  return {
    sandbox,
    baseUrl,
    clock,
    call(path, init = {}) {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(baseUrl + path, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
    },
  };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
export const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

export function partnerKey(sandbox: Sandbox, id: string): string {
  const w = sandbox.world;
  const found = [...w.suppliers, ...w.warehouses, ...w.carrierAccounts].find((p) => p.id === id);
  if (!found) throw new Error(`no partner ${id} in the demo world`);
  return found.apiKey;
}

export function quoteBody(overrides: Record<string, unknown> = {}) {
  return {
    order_ref: 'ord_test_1',
    warehouse_ref: 'wh_acme_nj',
    items: [{ supplier_sku: 'ACME-MUG-BLK-12', quantity: 2 }],
    ship_to: { country: 'US', region: 'NY', postal_code: '10001', city: 'New York' },
    ...overrides,
  };
}

export function instructionBody(overrides: Record<string, unknown> = {}) {
  return {
    shipment_ref: 'shp_test_1',
    order_ref: 'ord_test_1',
    warehouse_ref: 'wh_acme_nj',
    items: [{ supplier_sku: 'ACME-MUG-BLK-12', quantity: 2 }],
    ship_to: {
      name: 'Ada Lovelace', line1: '1 Main St', line2: null, city: 'New York', region: 'NY',
      postal_code: '10001', country: 'US', phone: null, email: null,
    },
    carrier: 'USPS',
    service: 'Priority',
    tracking_number: '9405500000000000000000',
    label_url: 'https://labels.example/1.pdf',
    handover_by: '2026-11-25T20:00:00Z',
    ...overrides,
  };
}

export const NJ_ADDRESS = { name: 'Acme Home Goods', street1: '300 Raritan Center Pkwy', city: 'Edison', state: 'NJ', zip: '08837', country: 'US' };
export const NY_ADDRESS = { name: 'Ada Lovelace', street1: '1 Main St', city: 'New York', state: 'NY', zip: '10001', country: 'US' };
export const CA_ADDRESS = { name: 'Grace Hopper', street1: '9 Ocean Ave', city: 'San Diego', state: 'CA', zip: '92101', country: 'US' };
