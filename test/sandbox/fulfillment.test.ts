import t from 'tap';
import { connectDemoPartners } from '../../src/demo/demo-fulfillment.js';
import { drawFate } from '../../src/sandbox/fulfillment.js';
import { build, orderBody, type TestContext } from '../helper.js';

// The sandbox's partners call Pledge back over real HTTP, signed as the real ones sign: these tests
// go through Pledge's public intake (supplier events, carrier webhooks) with nothing faked inside.

const NO_FAILURES = { refusalRates: {}, defaultRefusalRate: 0, returnRate: 0, exceptionRate: 0 };

async function listening(t: Parameters<typeof build>[0]) {
  // One simulated hour = 1 ms: a whole delivery plays out in tens of milliseconds of ticks.
  const ctx = await build(t, { env: { PLEDGE_SANDBOX_MS_PER_HOUR: '1' } });
  const address = await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  await connectDemoPartners({ sandbox: ctx.sandbox, milestones: ctx.app.services.milestones, pledgeUrl: address });
  return ctx;
}

async function playOut(ctx: TestContext) {
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 20));
    await ctx.sandbox.fulfillment.tick();
    if (ctx.sandbox.fulfillment.inFlight().length === 0) return;
  }
}

const CARRIER_SOURCES = /^(easypost|shippo|shipengine):/;
const fromCarrier = (types: string[], type: string) => types.some((m) => CARRIER_SOURCES.test(m) && m.endsWith(`:${type}`));

async function milestoneTypes(ctx: TestContext, orderId: string): Promise<string[]> {
  const res = await ctx.request({ method: 'GET', url: `/v1/orders/${orderId}/milestones` });
  const body = res.json() as { shipments: { milestones: { type: string; source: string }[] }[] };
  return body.shipments[0]!.milestones.map((m) => `${m.source}:${m.type}`);
}

t.test('an instruction plays out to delivery through signed supplier events and carrier webhooks', async (t) => {
  const ctx = await listening(t);
  ctx.sandbox.fulfillment.setMix(NO_FAILURES);
  const order = (await ctx.placeOrder(orderBody())).json() as { id: string; status: string; instruction: { status: string } };
  ctx.sandbox.fulfillment.follow(order.id);
  t.equal(order.status, 'promised');
  t.equal(order.instruction.status, 'sent');
  await playOut(ctx);
  const types = await milestoneTypes(ctx, order.id);
  t.ok(types.includes('supplier:supplier_accepted'), `accepted by the supplier: ${types}`);
  t.ok(types.includes('supplier:handed_over'), 'handed over, said by the supplier');
  t.ok(fromCarrier(types, 'delivered'), `delivered, said by the carrier: ${types}`);
  t.equal(ctx.sandbox.fulfillment.stats().failed, 0, 'Pledge accepted every callback (no 4xx)');
});

t.test('a refusing supplier sends a signed refusal', async (t) => {
  const ctx = await listening(t);
  ctx.sandbox.fulfillment.setMix({ ...NO_FAILURES, defaultRefusalRate: 1 });
  const order = (await ctx.placeOrder(orderBody())).json() as { id: string };
  ctx.sandbox.fulfillment.follow(order.id);
  await playOut(ctx);
  const types = await milestoneTypes(ctx, order.id);
  t.ok(types.includes('supplier:supplier_refused'), `refused: ${types}`);
  t.notOk(types.includes('supplier:handed_over'), 'nothing handed over');
});

t.test('a parcel returned to sender ends as returned (or an exception for carriers without a return status)', async (t) => {
  const ctx = await listening(t);
  ctx.sandbox.fulfillment.setMix({ ...NO_FAILURES, returnRate: 1 });
  const order = (await ctx.placeOrder(orderBody())).json() as { id: string };
  ctx.sandbox.fulfillment.follow(order.id);
  await playOut(ctx);
  const types = await milestoneTypes(ctx, order.id);
  t.ok(fromCarrier(types, 'returned') || fromCarrier(types, 'exception'), `returned: ${types}`);
  t.notOk(fromCarrier(types, 'delivered'), 'never delivered');
});

t.test('unconfigured partners stay silent', async (t) => {
  const ctx = await build(t, { env: { PLEDGE_SANDBOX_MS_PER_HOUR: '1' } });
  const order = (await ctx.placeOrder(orderBody())).json() as { id: string };
  ctx.sandbox.fulfillment.follow(order.id);
  await playOut(ctx);
  t.same(await milestoneTypes(ctx, order.id), ['pledge:instruction_sent'], 'only Pledge’s own milestone');
});

t.test('by default only followed orders are played (the demo\'s own), so API users drive their orders themselves', async (t) => {
  const ctx = await listening(t);
  ctx.sandbox.fulfillment.setMix(NO_FAILURES);
  const mine = (await ctx.placeOrder(orderBody())).json() as { id: string };
  const followed = (await ctx.placeOrder(orderBody())).json() as { id: string };
  ctx.sandbox.fulfillment.follow(followed.id);
  await playOut(ctx);
  t.same(await milestoneTypes(ctx, mine.id), ['pledge:instruction_sent'], 'not followed: untouched');
  t.ok((await milestoneTypes(ctx, followed.id)).length > 3, 'followed: played out');
});

t.test('a callback refused for good is not retried', async (t) => {
  const ctx = await listening(t);
  ctx.sandbox.fulfillment.setMix(NO_FAILURES);
  for (const s of ctx.sandbox.world.suppliers) {
    ctx.sandbox.fulfillment.setSupplierCallback(s.id, { url: `http://127.0.0.1:${(ctx.app.server.address() as { port: number }).port}/v1/partners/suppliers/${s.id}/events`, secret: 'not-the-secret' });
  }
  const order = (await ctx.placeOrder(orderBody())).json() as { id: string };
  ctx.sandbox.fulfillment.follow(order.id);
  await playOut(ctx);
  t.same(ctx.sandbox.fulfillment.stats(), { sent: 0, failed: 1, abandoned: 1 }, 'one 401, then the supplier gives up');
  t.same(await milestoneTypes(ctx, order.id), ['pledge:instruction_sent']);
});

t.test('fates are drawn from the seed and the shipment, in the configured proportions', async (t) => {
  t.equal(drawFate(7, 'shp_a', 0.2, 0.1, 0.1), drawFate(7, 'shp_a', 0.2, 0.1, 0.1), 'deterministic');
  const counts = { delivered: 0, refused: 0, returned: 0, exception_then_delivered: 0 };
  for (let i = 0; i < 4000; i++) counts[drawFate(7, `shp_${i}`, 0.2, 0.1, 0.1)] += 1;
  t.ok(Math.abs(counts.refused / 4000 - 0.2) < 0.03, `refused ~20%: ${counts.refused}`);
  t.ok(Math.abs(counts.returned / 4000 - 0.1) < 0.03, `returned ~10%: ${counts.returned}`);
  t.ok(Math.abs(counts.exception_then_delivered / 4000 - 0.1) < 0.03, `exceptions ~10%: ${counts.exception_then_delivered}`);
  t.equal(drawFate(7, 'shp_x', 0, 0, 0), 'delivered', 'no failure rates, no failures');
});
