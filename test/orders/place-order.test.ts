import t from 'tap';
import { build, orderBody } from '../helper.js';

t.test('the promise path, end to end through the sandbox', async (t) => {
  const ctx = await build(t);

  t.test('a single-line order is promised, instructed once and gets a checkable voucher', async (t) => {
    const res = await ctx.placeOrder(orderBody({ lines: [{ sku: 'MUG-001', quantity: 2, unit_price_minor: 1800 }] }));
    t.equal(res.statusCode, 201, res.body);
    const order = res.json();
    t.match(order.id, /^ord_[0-9a-f]{32}$/);
    t.equal(order.status, 'promised');
    t.ok(order.confidence >= 0.7 && order.confidence <= 1, `confidence ${order.confidence}`);
    t.ok(new Date(order.deliver_by).getTime() > Date.now());
    t.equal(order.route.supplier, 'sup_acme');
    t.equal(order.route.warehouse, 'wh_acme_nj');
    t.ok(['car_easypost', 'car_shippo', 'car_shipengine'].includes(order.route.carrier_account));
    t.ok(order.route.carrier && order.route.service);
    t.ok(Number.isInteger(order.landed_cost_minor) && order.landed_cost_minor > 2 * 650, 'landed cost covers goods and shipping');
    t.ok(Number.isInteger(order.expected_breach_cost_minor));
    t.equal(order.instruction.status, 'sent');
    t.ok(order.instruction.supplier_order_ref);
    t.ok(order.instruction.tracking_number);
    t.ok(typeof order.decided_in_ms === 'number' && order.decided_in_ms >= 0);

    const received = ctx.sandbox.instructions({ orderId: order.id });
    t.equal(received.length, 1, 'the supplier received one instruction');
    t.equal(received[0]!.deliveries, 1, 'delivered exactly once');
    t.equal(received[0]!.supplier_order_ref, order.instruction.supplier_order_ref);

    t.match(order.voucher.code, /^PV-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    t.ok(order.voucher.terms.length > 0);
    const check = await ctx.request({ method: 'GET', url: `/v1/vouchers/${order.voucher.code}`, key: null });
    t.equal(check.statusCode, 200);
    t.match(check.json(), { code: order.voucher.code, order_id: order.id, signature_valid: true, status: 'valid', signature: order.voucher.signature });

    const got = await ctx.request({ method: 'GET', url: `/v1/orders/${order.id}` });
    t.equal(got.statusCode, 200);
    t.same(got.json().instruction, order.instruction);

    const decision = (await ctx.request({ method: 'GET', url: `/v1/orders/${order.id}/decision` })).json();
    t.equal(decision.outcome, 'promise');
    t.equal(decision.policy_version, order.policy_version);
    t.ok(decision.candidates.length >= 1, 'candidates recorded');
    t.ok(decision.candidates[0].factors.probability > 0);
    t.ok(decision.quotes.some((q: any) => q.partner_kind === 'supplier' && q.status === 'received'));
    t.ok(decision.quotes.some((q: any) => q.partner_kind === 'carrier'));
  });

  t.test('lines no single supplier can serve are split into one shipment per supplier', async (t) => {
    // Two shipments multiply two risks: this seller accepts a lower order confidence.
    const policy = (await ctx.request({ method: 'GET', url: '/v1/policy' })).json();
    const { version: _v, created_at: _c, ...update } = policy;
    t.equal((await ctx.request({ method: 'PUT', url: '/v1/policy', payload: { ...update, min_confidence: 0.4 } })).statusCode, 200);
    t.teardown(async () => void (await ctx.request({ method: 'PUT', url: '/v1/policy', payload: update })));
    const res = await ctx.placeOrder(
      orderBody({
        lines: [
          { sku: 'MUG-001', quantity: 1, unit_price_minor: 1800 },
          { sku: 'HEADPHONES-01', quantity: 1, unit_price_minor: 9900 },
        ],
      }),
    );
    t.equal(res.statusCode, 201, res.body);
    const order = res.json();
    t.equal(order.status, 'promised');
    t.equal(order.shipments.length, 2);
    t.same(new Set(order.shipments.map((s: any) => s.route.supplier)), new Set(['sup_acme', 'sup_bolt']));
    for (const s of order.shipments) t.equal(s.instruction.status, 'sent');
    const product = order.shipments.reduce((p: number, s: any) => p * s.confidence, 1);
    t.ok(Math.abs(order.confidence - product) < 0.001, 'the order confidence covers both shipments');
    t.equal(ctx.sandbox.instructions({ orderId: order.id }).length, 2);
  });

  t.test('lines one supplier can serve all ship together', async (t) => {
    const res = await ctx.placeOrder(
      orderBody({
        lines: [
          { sku: 'MUG-001', quantity: 1, unit_price_minor: 1800 },
          { sku: 'THROW-01', quantity: 1, unit_price_minor: 4500 },
        ],
      }),
    );
    const order = res.json();
    t.equal(order.status, 'promised', res.body);
    t.equal(order.shipments.length, 1);
    t.equal(order.route.supplier, 'sup_acme');
  });

  t.test('out of stock everywhere is a reasoned decline, stored, without instruction', async (t) => {
    ctx.sandbox.patchPartner('sup_coral', { stock: 0 });
    t.teardown(() => void ctx.sandbox.patchPartner('sup_coral', { stock: null }));
    const res = await ctx.placeOrder(orderBody({ lines: [{ sku: 'HOODIE-GRY-M', quantity: 1, unit_price_minor: 5000 }] }));
    t.equal(res.statusCode, 201);
    const order = res.json();
    t.equal(order.status, 'declined');
    t.equal(order.code, 'OUT_OF_STOCK');
    t.ok(order.reasons.length > 0 && order.reasons.every((r: unknown) => typeof r === 'string'));
    t.notOk(order.voucher);
    t.equal(ctx.sandbox.instructions({ orderId: order.id }).length, 0);
    t.equal((await ctx.request({ method: 'GET', url: `/v1/orders/${order.id}` })).json().status, 'declined');
  });

  t.test('a delivery date nobody can meet is declined', async (t) => {
    const soon = new Date(Date.now() + 60 * 60_000).toISOString();
    const order = (await ctx.placeOrder(orderBody({ deliver_by: soon }))).json();
    t.equal(order.status, 'declined');
    t.equal(order.code, 'NO_ROUTE_MEETS_DATE');
  });

  t.test('orders list newest first with a cursor', async (t) => {
    const first = (await ctx.request({ method: 'GET', url: '/v1/orders?limit=2' })).json();
    t.equal(first.data.length, 2);
    t.ok(first.next_cursor);
    const second = (await ctx.request({ method: 'GET', url: `/v1/orders?limit=2&cursor=${first.next_cursor}` })).json();
    t.ok(second.data.length >= 1);
    const ids = [...first.data, ...second.data].map((o: any) => o.id);
    t.same(ids, [...ids].sort().reverse(), 'strictly newest first');
    t.equal(new Set(ids).size, ids.length, 'no order twice');
    const declined = (await ctx.request({ method: 'GET', url: '/v1/orders?status=declined' })).json();
    t.ok(declined.data.every((o: any) => o.status === 'declined'));
  });

  t.test('metrics count decisions', async (t) => {
    const text = (await ctx.request({ method: 'GET', url: '/metrics', key: null })).body;
    t.match(text, /pledge_orders_total\{status="promised"\} \d+/);
    t.match(text, /pledge_decision_duration_ms_bucket/);
    t.match(text, /pledge_partner_call_duration_ms_count\{/);
  });
});

t.test('a bare deliver_by date means the end of that day (UTC)', async (t) => {
  const ctx = await build(t);
  const day = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
  const order = (await ctx.placeOrder(orderBody({ deliver_by: day }))).json();
  t.equal(order.status, 'promised', JSON.stringify(order.reasons ?? ''));
  t.equal(order.deliver_by, `${day}T23:59:59.999Z`);
  t.equal(order.requested_deliver_by, `${day}T23:59:59.999Z`);
  const today = new Date().toISOString().slice(0, 10);
  const sameDay = await ctx.placeOrder(orderBody({ deliver_by: today }));
  t.equal(sameDay.statusCode, 201, 'today is still in the future until midnight UTC');
});
