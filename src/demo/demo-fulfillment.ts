import { request } from 'undici';
import type { MilestoneService } from '../milestones/milestone-service.js';
import type { Sandbox } from '../sandbox/index.js';
import { DEMO_SELLER_ID } from './demo-seller.js';

/**
 * Makes `npm start` tell whole stories: the sandbox's suppliers and carriers are given the callback
 * and webhook secrets Pledge issues for the demo seller (as a seller would paste them into each
 * partner's dashboard), then call Pledge back over HTTP as orders move. New secrets on every start:
 * the previous supplier secret keeps verifying for a day, so nothing in flight is refused.
 */
export async function connectDemoPartners(deps: {
  sandbox: Sandbox;
  milestones: Pick<MilestoneService, 'rotateSupplierSecret' | 'setCarrierWebhookSecret'>;
  /** Where Pledge listens, as the partners reach it. */
  pledgeUrl: string;
}): Promise<void> {
  const { sandbox, milestones, pledgeUrl } = deps;
  for (const s of sandbox.world.suppliers) {
    const issued = await milestones.rotateSupplierSecret(DEMO_SELLER_ID, s.id);
    sandbox.fulfillment.setSupplierCallback(s.id, { url: pledgeUrl + issued.callback_path, secret: issued.callback_secret });
  }
  for (const c of sandbox.world.carrierAccounts) {
    const issued = await milestones.setCarrierWebhookSecret(DEMO_SELLER_ID, c.id, undefined);
    sandbox.fulfillment.setCarrierWebhook(c.id, { url: pledgeUrl + issued.webhook_path, secret: issued.webhook_secret, carrier: c.carrier });
  }
}

const DEMO_CUSTOMERS = [
  { name: 'Ada Lovelace', line1: '12 Analytical Way', city: 'Austin', region: 'TX', postal_code: '78701' },
  { name: 'Grace Hopper', line1: '9 Compiler Ct', city: 'Arlington', region: 'VA', postal_code: '22201' },
  { name: 'Alan Turing', line1: '1 Enigma Rd', city: 'Portland', region: 'OR', postal_code: '97201' },
  { name: 'Katherine Johnson', line1: '35 Orbit Ave', city: 'Hampton', region: 'VA', postal_code: '23666' },
  { name: 'Edsger Dijkstra', line1: '4 Shortest Path', city: 'Denver', region: 'CO', postal_code: '80202' },
  { name: 'Barbara Liskov', line1: '77 Substitution St', city: 'Boston', region: 'MA', postal_code: '02108' },
];
const DEMO_BASKETS = [
  [{ sku: 'MUG-001', quantity: 2, unit_price_minor: 1800 }],
  [{ sku: 'LAMP-01', quantity: 1, unit_price_minor: 6900 }],
  [{ sku: 'HEADPHONES-01', quantity: 1, unit_price_minor: 12900 }],
  [{ sku: 'TEE-RED-M', quantity: 3, unit_price_minor: 2400 }],
  [{ sku: 'CHARGER-65W', quantity: 1, unit_price_minor: 4500 }],
  [{ sku: 'HOODIE-GRY-M', quantity: 1, unit_price_minor: 5900 }],
  [{ sku: 'THROW-01', quantity: 1, unit_price_minor: 7900 }],
];

/**
 * The demo seller's policy gets an approval threshold of $40, so a refund for one of the dearer demo
 * baskets waits for finance (the default, $100, would leave the approvals queue of the finance page
 * empty in the demo). A new policy version, through the public API like any seller's change.
 */
async function lowerDemoApprovalThreshold(deps: { pledgeUrl: string; apiKey: string; log: { warn(obj: object, msg: string): void } }) {
  const headers = { authorization: `Bearer ${deps.apiKey}`, 'content-type': 'application/json' };
  try {
    const current = await request(`${deps.pledgeUrl}/v1/policy`, { headers });
    const { version: _v, created_at: _c, compensation_rules: _rules, ...policy } = (await current.body.json()) as Record<string, unknown>;
    // Rules are merged over the previous version's: only the threshold changes.
    const res = await request(`${deps.pledgeUrl}/v1/policy`, { method: 'PUT', headers, body: JSON.stringify({ ...policy, compensation_rules: { approval_threshold_minor: 4000 } }) });
    if (res.statusCode !== 200) deps.log.warn({ status: res.statusCode, body: await res.body.text() }, 'demo policy not updated');
    else await res.body.dump();
  } catch (err) {
    deps.log.warn({ err: String(err) }, 'demo policy not updated');
  }
}

/**
 * Places `count` demo orders through the public API (the same door a seller uses), once: the
 * idempotency keys are fixed, so a restart replays them instead of ordering again. Returns how many
 * were promised.
 */
export async function seedDemoOrders(deps: {
  pledgeUrl: string;
  apiKey: string;
  count: number;
  log: { warn(obj: object, msg: string): void };
  /** Each order placed (promised or not), e.g. for the sandbox partners to play it out. */
  onPlaced?: (orderId: string) => void;
}): Promise<number> {
  await lowerDemoApprovalThreshold(deps);
  let promised = 0;
  for (let i = 0; i < deps.count; i++) {
    const customer = DEMO_CUSTOMERS[i % DEMO_CUSTOMERS.length]!;
    const body = {
      external_id: `demo-${1001 + i}`,
      currency: 'USD',
      ship_to: { ...customer, country: 'US', email: `customer${i + 1}@example.com` },
      lines: DEMO_BASKETS[i % DEMO_BASKETS.length],
    };
    try {
      const res = await request(`${deps.pledgeUrl}/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${deps.apiKey}`, 'content-type': 'application/json', 'idempotency-key': `demo-seed-${1001 + i}` },
        body: JSON.stringify(body),
        headersTimeout: 30_000,
      });
      const answer = (await res.body.json()) as { id?: string; status?: string };
      if (answer.id) deps.onPlaced?.(answer.id);
      if (res.statusCode === 201 && answer.status === 'promised') promised += 1;
    } catch (err) {
      deps.log.warn({ err: String(err), order: body.external_id }, 'demo order not placed');
    }
  }
  return promised;
}
