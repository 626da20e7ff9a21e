import t from 'tap';
import { buildApp } from '../../src/app.js';
import { createBreachService } from '../../src/compensation/breach-service.js';
import type { MilestoneType } from '../../src/ledger/milestones.js';
import { createEventSink } from '../../src/webhooks/outbound/event-sink.js';
import { recordShipmentMilestone } from '../../src/milestones/record.js';
import { signSupplierEvent } from '../../src/milestones/supplier-events.js';
import { build, orderBody } from '../helper.js';
import { placedShipment } from '../milestones/helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

t.test('broken promises: timers, breaches, compensation, approvals', async (t) => {
  const ctx = await build(t);
  const { db } = ctx.deps;
  const sellerId = (await ctx.app.services.sellers.authenticate(ctx.apiKey))!.sellerId;
  const keyFor = async (role: 'ops' | 'finance' | 'auditor') => (await ctx.app.services.sellers.createApiKey(sellerId, role, `${role} key`)).key;
  const [opsKey, finance1, finance2, auditorKey] = await Promise.all([keyFor('ops'), keyFor('finance'), keyFor('finance'), keyFor('auditor')]);
  const events = createEventSink({ clock: ctx.deps.clock });
  // Settles without the repair saga (refusals are compensated, not re-routed).
  const plain = createBreachService({ db, clock: ctx.deps.clock, events, retryAfterMs: 1_000 });

  // Every seller event lands in webhook_events only when an endpoint subscribes.
  const endpoint = await ctx.request({
    method: 'POST',
    url: '/v1/webhook-endpoints',
    payload: { url: 'https://example.com/hooks', events: ['breach.detected', 'compensation.posted', 'order.cancelled'] },
  });
  t.equal(endpoint.statusCode, 201, endpoint.body);
  const eventsOf = async (type: string, orderId: string) =>
    (await db.selectFrom('webhook_events').select('payload').where('type', '=', type as any).execute()).map((e) => JSON.parse(e.payload as unknown as string)).filter((p) => p.data.order_id === orderId);

  const milestone = (s: { id: string; order_id: string }, type: MilestoneType, occurredAt: Date, source: 'supplier' | 'easypost' = 'easypost') =>
    db.transaction().execute((trx) =>
      recordShipmentMilestone(trx, { sellerId, orderId: s.order_id, shipmentId: s.id, type, occurredAt, source, sourceEventId: `${type}-${Math.random()}`, details: {} }),
    );
  const timers = (shipmentId: string) => db.selectFrom('promise_timers').select(['kind', 'status', 'due_at']).where('shipment_id', '=', shipmentId).orderBy('kind').execute();
  const breachesOf = (orderId: string) => db.selectFrom('breaches').selectAll().where('order_id', '=', orderId).execute();
  const journalOf = (orderId: string) => db.selectFrom('journal_transactions').select(['kind', 'idempotency_key', 'partner_id', 'id']).where('order_id', '=', orderId).orderBy('seq').execute();
  const postingsOf = async (txId: string) =>
    db.selectFrom('journal_postings as p').innerJoin('ledger_accounts as a', 'a.id', 'p.account_id').select(['a.code', 'p.amount_minor']).where('p.transaction_id', '=', txId).orderBy('p.id').execute();
  const outcomeOf = (shipmentId: string) => db.selectFrom('promise_outcomes').selectAll().where('shipment_id', '=', shipmentId).executeTakeFirst();

  t.test('instruction_sent arms the timers from the policy', async (t) => {
    const { order, shipment } = await placedShipment(ctx);
    const list = await timers(shipment.id);
    const deliverBy = new Date(order.deliver_by);
    const delivery = list.find((x) => x.kind === 'delivery')!;
    t.equal(delivery.status, 'pending');
    t.equal(delivery.due_at.getTime(), deliverBy.getTime() + 12 * HOUR, 'deliver_by + default grace');
    const handover = list.find((x) => x.kind === 'handover')!;
    t.equal(handover.due_at.getTime(), shipment.handover_by!.getTime() + 4 * HOUR);
    const acceptance = list.find((x) => x.kind === 'acceptance');
    t.ok(acceptance, 'acceptance armed');
    // The sandbox supplier accepts in its receipt: accepted in the same transaction, so cancelled.
    const accepted = await db.selectFrom('milestones').select('id').where('shipment_id', '=', shipment.id).where('type', '=', 'supplier_accepted').executeTakeFirst();
    if (accepted) t.equal(acceptance!.status, 'cancelled');
    // Settle this order so later time travel does not fire its timers.
    await milestone(shipment, 'delivered', new Date());
    t.same((await timers(shipment.id)).map((x) => x.status).filter((s) => s === 'pending'), []);
  });

  t.test('a refusal is a refused breach with evidence; compensated with a chargeback to the supplier', async (t) => {
    const { order, shipment } = await placedShipment(ctx);
    const refused = await milestone(shipment, 'supplier_refused', new Date(), 'supplier');
    const [breach, ...more] = await breachesOf(order.id);
    t.equal(more.length, 0);
    t.match(breach, { kind: 'refused', cause: 'supplier', partner_id: shipment.supplier_id, trigger: 'supplier_refused', status: 'detected' });
    t.same(breach!.evidence.milestone_ids, [refused.milestoneId]);
    t.equal((await eventsOf('breach.detected', order.id)).length, 1);

    const listed = await ctx.request({ method: 'GET', url: `/v1/orders/${order.id}/breaches`, key: opsKey });
    t.equal(listed.statusCode, 200, listed.body);
    t.same(listed.json().data[0].evidence.milestones, [{ id: refused.milestoneId, proof_url: `/v1/milestones/${refused.milestoneId}/proof` }]);

    await plain.tick();
    const settled = (await breachesOf(order.id))[0]!;
    t.equal(settled.status, 'compensated');
    const comp = await db.selectFrom('compensations').selectAll().where('breach_id', '=', breach!.id).executeTakeFirstOrThrow();
    t.match(comp, { status: 'posted', requested_by: 'system', amount_minor: 1800 + 500, policy_version: 1 });
    const journal = await journalOf(order.id);
    t.same(journal.map((j) => j.idempotency_key), [`exposure:${order.id}`, `compensation:${breach!.id}`, `chargeback:${breach!.id}`]);
    t.same((await postingsOf(journal[2]!.id)).map((p) => [p.code, Number(p.amount_minor)]), [[`chargebacks_receivable:${shipment.supplier_id}`, 2300], ['compensation_expense', -2300]]);
    t.match(await outcomeOf(shipment.id), { outcome: 'broken', breach_kind: 'refused', cause: 'supplier', compensation_minor: 2300, destination_region: 'NY' });
    t.match((await eventsOf('compensation.posted', order.id))[0].data, { breach_id: breach!.id, kind: 'refused', amount_minor: 2300, currency: 'USD', journal_transaction_id: journal[1]!.id });
    t.same((await timers(shipment.id)).filter((x) => x.status === 'pending'), [], 'settled: no timer left');

    const opsView = (await ctx.request({ method: 'GET', url: `/v1/breaches?order_id=${order.id}`, key: opsKey })).json().data[0];
    t.notOk('amount_minor' in opsView.compensation, 'ops sees no amounts');
    const financeView = (await ctx.request({ method: 'GET', url: `/v1/breaches?order_id=${order.id}&kind=refused`, key: finance1 })).json().data[0];
    t.equal(financeView.compensation.amount_minor, 2300);
  });

  t.test('GET /v1/breaches pages newest first with a cursor, never skipping or repeating one', async (t) => {
    for (let i = 0; i < 3; i++) {
      const { shipment } = await placedShipment(ctx);
      await milestone(shipment, 'supplier_refused', new Date(), 'supplier');
    }
    const all = await db.selectFrom('breaches').select('id').where('seller_id', '=', sellerId).orderBy('id', 'desc').execute();
    t.ok(all.length >= 4, `${all.length} breaches`);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/breaches?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await ctx.request({ method: 'GET', url, key: finance1 });
      t.equal(res.statusCode, 200, res.body);
      const body = res.json();
      t.ok(body.data.length <= 2);
      seen.push(...body.data.map((b: any) => b.id));
      cursor = body.next_cursor;
      pages += 1;
    } while (cursor && pages < 50);
    t.same(seen, all.map((b) => b.id), 'every breach once, newest first');
    t.equal(pages, Math.ceil(all.length / 2));

    for (const [url, field] of [['/v1/breaches?cursor=bm90LWEtY3Vyc29y', 'cursor'], ['/v1/breaches?limit=0', 'limit'], ['/v1/breaches?limit=201', 'limit']] as const) {
      const bad = await ctx.request({ method: 'GET', url, key: finance1 });
      t.equal(bad.statusCode, 400, url);
      t.match(bad.json(), { code: 'VALIDATION_FAILED', errors: [{ field }] });
    }
    const order = (await ctx.request({ method: 'GET', url: `/v1/orders/${(await db.selectFrom('breaches').select('order_id').where('id', '=', all[0]!.id).executeTakeFirstOrThrow()).order_id}/breaches`, key: finance1 })).json();
    t.equal(order.data.length, 1);
    t.equal(order.next_cursor, null);
  });

  t.test('delivered on time: kept outcome, exposure released, timers cancelled', async (t) => {
    const { order, shipment } = await placedShipment(ctx);
    const now = Date.now();
    await milestone(shipment, 'handed_over', new Date(now + HOUR), 'supplier');
    t.equal((await timers(shipment.id)).find((x) => x.kind === 'silence')?.status, 'pending', 'silence armed at handover');
    await milestone(shipment, 'in_transit', new Date(now + 2 * HOUR));
    await milestone(shipment, 'delivered', new Date(now + DAY));
    t.same((await timers(shipment.id)).filter((x) => x.status === 'pending'), []);
    const journal = await journalOf(order.id);
    t.same(journal.map((j) => j.kind), ['exposure_reserved', 'exposure_released']);
    const outcome = await outcomeOf(shipment.id);
    t.match(outcome, { outcome: 'kept', breach_kind: null, supplier_id: shipment.supplier_id, carrier: shipment.carrier, destination_region: 'NY' });
    t.ok(outcome!.origin_region, 'origin region from the warehouse');
    t.equal(outcome!.handed_over_at!.getTime(), now + HOUR);
    t.equal(outcome!.delivered_at!.getTime(), now + DAY);
    // What the supplier and the carrier quoted, copied from the shipment (the learner judges each by it).
    t.ok(shipment.handover_eta, 'the order path records the supplier\'s quoted handover ETA');
    t.ok(shipment.handover_eta!.getTime() <= shipment.handover_by!.getTime(), 'the ETA is no later than the booked cut-off');
    t.equal(outcome!.handover_eta!.getTime(), shipment.handover_eta!.getTime());
    t.equal(outcome!.estimated_delivery!.getTime(), shipment.estimated_delivery.getTime());
    t.same(await breachesOf(order.id), []);
  });

  t.test('silence after handover is lost, caused by the carrier, charged back under its terms', async (t) => {
    const { order, shipment } = await placedShipment(ctx);
    const terms = await ctx.request({ method: 'PUT', url: `/v1/carrier-accounts/${shipment.carrier_account_id}/chargeback-terms`, payload: { share_bps: 5000, cap_minor: 1000 } });
    t.equal(terms.statusCode, 200, terms.body);
    t.same(terms.json().chargeback_terms, { share_bps: 5000, cap_minor: 1000 });
    const now = Date.now();
    await milestone(shipment, 'handed_over', new Date(now), 'supplier');
    const exception = await milestone(shipment, 'exception', new Date(now + DAY));
    const silence = (await timers(shipment.id)).find((x) => x.kind === 'silence')!;
    t.equal(silence.due_at.getTime(), now + DAY + 5 * DAY, 're-armed by the last scan');
    t.same((await ctx.app.services.breaches.tick({ now: new Date(now + 5 * DAY) })).fired, 0, 'not due yet');
    await ctx.app.services.breaches.tick({ now: new Date(now + 6.5 * DAY) });
    const [breach] = await breachesOf(order.id);
    t.match(breach, { kind: 'lost', cause: 'carrier', trigger: 'silence_timer', partner_id: shipment.carrier_account_id, status: 'compensated' });
    t.ok(breach!.evidence.milestone_ids.includes(exception.milestoneId), 'cites the exception');
    const journal = await journalOf(order.id);
    t.same(journal.map((j) => j.kind), ['exposure_reserved', 'compensation_posted', 'chargeback']);
    t.same((await postingsOf(journal[2]!.id)).map((p) => Number(p.amount_minor)), [1000, -1000], 'half of 2300, capped at 1000');
    t.equal((await ctx.app.services.compensation.balances(sellerId)).live_exposure.length >= 0, true);
  });

  t.test('a late delivery is compensated per started day late', async (t) => {
    const { order, shipment } = await placedShipment(ctx);
    const deliverBy = new Date(order.deliver_by);
    await milestone(shipment, 'handed_over', new Date(Math.min(Date.now(), shipment.handover_by!.getTime())), 'supplier');
    const delivered = await milestone(shipment, 'delivered', new Date(deliverBy.getTime() + 2 * DAY + HOUR));
    const [breach] = await breachesOf(order.id);
    t.match(breach, { kind: 'late', trigger: 'delivered_late', cause: 'carrier', status: 'detected' });
    t.ok(breach!.evidence.milestone_ids.includes(delivered.milestoneId));
    await ctx.app.services.breaches.tick({ now: new Date(deliverBy.getTime() + 3 * DAY) });
    const comp = await db.selectFrom('compensations').selectAll().where('breach_id', '=', breach!.id).executeTakeFirstOrThrow();
    // 1800 x 5 % = 90 a day, 3 started days = 270 (cap 900, floor 200).
    t.equal(Number(comp.amount_minor), 270);
    t.match(comp.breakdown, { rule: 'late', days_late: 3, per_day_minor: 90, cap_minor: 900, min_minor: 200, value_minor: 1800 });
    t.match(await outcomeOf(shipment.id), { outcome: 'broken', breach_kind: 'late', compensation_minor: 270 });
    const journal = await journalOf(order.id);
    t.same(journal.map((j) => j.kind), ['exposure_reserved', 'compensation_posted', 'chargeback'], 'the carrier set 50 % terms above');
    t.same((await postingsOf(journal[2]!.id)).map((p) => Number(p.amount_minor)), [135, -135]);
  });

  t.test('above the threshold: pending, four eyes, approve posts; reject releases', async (t) => {
    const current = (await ctx.request({ method: 'GET', url: '/v1/policy' })).json();
    const { version, created_at, ...policy } = current;
    for (const [rules, field] of [
      [{ late: { bps_per_day: -1 } }, 'compensation_rules.late.bps_per_day'],
      [{ grace: 3 }, 'compensation_rules'],
      [{ approval_threshold_minor: 1.5 }, 'compensation_rules.approval_threshold_minor'],
    ] as const) {
      const bad = await ctx.request({ method: 'PUT', url: '/v1/policy', payload: { ...policy, compensation_rules: rules } });
      t.equal(bad.statusCode, 400, JSON.stringify(rules));
      t.ok(bad.json().errors.some((e: any) => e.field.startsWith(field)), `${field} in ${bad.body}`);
    }
    t.equal((await ctx.request({ method: 'GET', url: '/v1/policy' })).json().version, version, 'a refused update makes no version');
    const badTerms = await ctx.request({ method: 'PUT', url: '/v1/suppliers/sup_acme/chargeback-terms', payload: { share_bps: 10_001 } });
    t.equal(badTerms.statusCode, 400);
    t.equal((await ctx.request({ method: 'PUT', url: '/v1/suppliers/sup_nope/chargeback-terms', payload: { share_bps: 100 } })).statusCode, 404);
    const put = await ctx.request({ method: 'PUT', url: '/v1/policy', payload: { ...policy, compensation_rules: { approval_threshold_minor: 1000 } } });
    t.equal(put.statusCode, 200, put.body);
    t.equal(put.json().compensation_rules.approval_threshold_minor, 1000);
    t.equal(put.json().compensation_rules.grace_hours, 12);

    const a = await placedShipment(ctx);
    const b = await placedShipment(ctx);
    t.equal(a.order.policy_version ?? version + 1, version + 1);
    await milestone(a.shipment, 'supplier_refused', new Date(), 'supplier');
    await milestone(b.shipment, 'supplier_refused', new Date(), 'supplier');
    await plain.tick();
    const list = await ctx.request({ method: 'GET', url: '/v1/compensations?status=pending_approval', key: finance1 });
    t.equal(list.statusCode, 200, list.body);
    const pending = list.json().data;
    t.equal(pending.length, 2);
    t.match(pending[0], { status: 'pending_approval', amount_minor: 2300, breach_kind: 'refused', requested_by: 'system', currency: 'USD', decided_by: null, journal_transaction_id: null });
    t.equal((await breachesOf(a.order.id))[0]!.status, 'awaiting_approval');
    t.same((await journalOf(a.order.id)).map((j) => j.kind), ['exposure_reserved'], 'exposure stays reserved');
    t.equal((await ctx.request({ method: 'GET', url: '/v1/compensations', key: opsKey })).statusCode, 403);
    t.equal((await ctx.request({ method: 'GET', url: '/v1/compensations?limit=1', key: auditorKey })).json().next_cursor !== null, true);

    const compA = pending.find((c: any) => c.order_id === a.order.id);
    const compB = pending.find((c: any) => c.order_id === b.order.id);
    t.equal((await ctx.request({ method: 'POST', url: `/v1/compensations/${compA.id}/approve`, key: ctx.apiKey })).statusCode, 403, 'finance only');
    const approved = await ctx.request({ method: 'POST', url: `/v1/compensations/${compA.id}/approve`, key: finance2 });
    t.equal(approved.statusCode, 200, approved.body);
    t.match(approved.json(), { status: 'posted', decided_by: /^key_/, journal_transaction_id: /^jtx_/ });
    t.equal((await ctx.request({ method: 'POST', url: `/v1/compensations/${compA.id}/approve`, key: finance1 })).statusCode, 409, 'already decided');
    t.same((await journalOf(a.order.id)).map((j) => j.kind), ['exposure_reserved', 'compensation_posted', 'chargeback']);
    t.equal((await eventsOf('compensation.posted', a.order.id)).length, 1);
    t.equal((await breachesOf(a.order.id))[0]!.status, 'compensated');

    const noReason = await ctx.request({ method: 'POST', url: `/v1/compensations/${compB.id}/reject`, key: finance1, payload: { reason: '  ' } });
    t.equal(noReason.statusCode, 400);
    t.equal(noReason.json().errors[0].field, 'reason');
    const rejected = await ctx.request({ method: 'POST', url: `/v1/compensations/${compB.id}/reject`, key: finance1, payload: { reason: 'customer already refunded by the platform' } });
    t.equal(rejected.statusCode, 200, rejected.body);
    t.match(rejected.json(), { status: 'rejected', reason: 'customer already refunded by the platform' });
    t.same((await journalOf(b.order.id)).map((j) => j.kind), ['exposure_reserved', 'exposure_released'], 'reservation released');
    t.equal((await breachesOf(b.order.id))[0]!.status, 'rejected');
    t.equal((await eventsOf('compensation.posted', b.order.id)).length, 0);

    // A manual goodwill request waits for another key.
    const ask = (key: string, idem: string, body: unknown) => ctx.request({ method: 'POST', url: '/v1/compensations', key, headers: { 'idempotency-key': idem }, payload: body as any });
    const body = { order_id: a.order.id, amount_minor: 700, reason: 'sorry for the wait' };
    t.equal((await ask(finance1, 'g-1', { ...body, extra: 1 })).statusCode, 400, 'unknown field refused');
    t.equal((await ctx.request({ method: 'POST', url: '/v1/compensations', key: finance1, payload: body })).statusCode, 400, 'Idempotency-Key required');
    const asked = await ask(finance1, 'g-1', body);
    t.equal(asked.statusCode, 201, asked.body);
    t.match(asked.json(), { status: 'pending_approval', breach_id: null, amount_minor: 700, reason: 'sorry for the wait' });
    const replay = await ask(finance1, 'g-1', body);
    t.equal(replay.json().id, asked.json().id);
    t.equal(replay.headers['idempotent-replayed'], 'true');
    t.equal((await ask(finance1, 'g-1', { ...body, amount_minor: 701 })).statusCode, 422);
    const self = await ctx.request({ method: 'POST', url: `/v1/compensations/${asked.json().id}/approve`, key: finance1 });
    t.equal(self.statusCode, 403);
    t.equal(self.json().code, 'FOUR_EYES');
    const other = await ctx.request({ method: 'POST', url: `/v1/compensations/${asked.json().id}/approve`, key: finance2 });
    t.equal(other.statusCode, 200, other.body);
    const goodwill = (await eventsOf('compensation.posted', a.order.id)).find((e) => e.data.breach_id === null);
    t.match(goodwill?.data, { kind: 'goodwill', amount_minor: 700 });
    t.equal((await ctx.request({ method: 'POST', url: '/v1/compensations/cmp_nope/approve', key: finance2 })).statusCode, 404);

    // Back to the default threshold: a new version; orders keep the version they were promised under.
    const reset = await ctx.request({ method: 'PUT', url: '/v1/policy', payload: { ...policy, compensation_rules: { approval_threshold_minor: 10_000 } } });
    t.equal(reset.json().version, version + 2);
  });

  t.test('cancellation: cancelled milestone, exposure released, order.cancelled, no breach', async (t) => {
    const { order, shipment } = await placedShipment(ctx);
    const res = await ctx.request({ method: 'POST', url: `/v1/orders/${order.id}/cancel`, payload: { reason: 'customer changed their mind' } });
    t.ok(res.statusCode < 300, res.body);
    const cancelled = await db.selectFrom('milestones').select(['source']).where('shipment_id', '=', shipment.id).where('type', '=', 'cancelled').execute();
    t.same(cancelled, [{ source: 'pledge' }]);
    t.same((await journalOf(order.id)).map((j) => j.kind), ['exposure_reserved', 'exposure_released']);
    t.match((await eventsOf('order.cancelled', order.id))[0]?.data, { order_id: order.id, reason: 'customer changed their mind', cancelled_by: 'seller' });
    t.same((await timers(shipment.id)).filter((x) => x.status === 'pending'), []);
    t.same(await breachesOf(order.id), []);
    t.equal(await outcomeOf(shipment.id), undefined, 'neither kept nor broken');
  });

  t.test('a cancellation the seller decides is a broken promise: a cancelled breach, goodwill, no chargeback', async (t) => {
    const { order, shipment } = await placedShipment(ctx);
    const bad = await ctx.request({ method: 'POST', url: `/v1/orders/${order.id}/cancel`, payload: { initiated_by: 'supplier' } });
    t.equal(bad.statusCode, 400, 'only customer or seller');
    t.match(bad.json().errors, [{ field: 'initiated_by' }]);
    const res = await ctx.request({ method: 'POST', url: `/v1/orders/${order.id}/cancel`, payload: { reason: 'we cannot source it any more', initiated_by: 'seller' } });
    t.equal(res.statusCode, 200, res.body);
    t.match((await eventsOf('order.cancelled', order.id))[0]?.data, { cancelled_by: 'seller', initiated_by: 'seller' });
    const [breach] = await breachesOf(order.id);
    t.match(breach, { kind: 'cancelled', trigger: 'seller_cancelled', cause: 'seller', partner_id: null, status: 'detected' });
    t.same((await journalOf(order.id)).map((j) => j.kind), ['exposure_reserved'], 'the exposure stays open until the breach is settled');
    await ctx.app.services.breaches.tick();
    const [settled] = await breachesOf(order.id);
    t.equal(settled!.status, 'compensated');
    const kinds = (await journalOf(order.id)).map((j) => j.kind);
    t.same(kinds, ['exposure_reserved', 'compensation_posted'], 'compensated, nothing charged back to any partner');
    t.match((await eventsOf('compensation.posted', order.id))[0]?.data, { kind: 'cancelled', amount_minor: 500 });
    t.match(await outcomeOf(shipment.id), { outcome: 'broken', breach_kind: 'cancelled', cause: 'seller' });
  });

  t.test('a crash between claim and commit leaves the breach to be settled again, once', async (t) => {
    const { order, shipment } = await placedShipment(ctx);
    let crashes = 1;
    const fragile = createBreachService({ db, clock: ctx.deps.clock, events, retryAfterMs: 1_000, faults: { beforeBreachCommit: () => { if (crashes-- > 0) throw new Error('crash'); } } });
    await milestone(shipment, 'supplier_refused', new Date(), 'supplier');
    await fragile.tick();
    const [breach] = await breachesOf(order.id);
    t.match(breach, { status: 'detected', attempts: 1, last_error: 'crash' });
    t.same(await db.selectFrom('compensations').select('id').where('order_id', '=', order.id).execute(), [], 'rolled back');
    await fragile.tick({ now: new Date(Date.now() + 2_000) });
    await fragile.tick({ now: new Date(Date.now() + 4_000) });
    t.equal((await breachesOf(order.id))[0]!.status, 'compensated');
    t.equal((await db.selectFrom('compensations').select('id').where('order_id', '=', order.id).execute()).length, 1);
    t.same((await journalOf(order.id)).map((j) => j.kind), ['exposure_reserved', 'compensation_posted', 'chargeback']);
  });

  t.test('two instances tick at once (one of them a restart on the same db): each timer fires once', async (t) => {
    const { order, shipment } = await placedShipment(ctx);
    await milestone(shipment, 'supplier_accepted', new Date(), 'supplier');
    const second = await buildApp(ctx.deps);
    t.teardown(() => second.close());
    await second.ready();
    const when = new Date(new Date(order.deliver_by).getTime() + 20 * DAY);
    const [x, y] = await Promise.all([ctx.app.services.breaches.tick({ now: when }), second.services.breaches.tick({ now: when })]);
    t.ok(x.fired + y.fired >= 2, `fired ${x.fired} + ${y.fired}`);
    const list = await timers(shipment.id);
    t.same(list.filter((l) => l.kind === 'handover' || l.kind === 'delivery').map((l) => l.status), ['fired', 'fired']);
    const breaches = await breachesOf(order.id);
    t.equal(breaches.length, 1, 'handover and delivery are the same late breach');
    // Both timers are due; which instance's timer records the breach first is a race, and either way it
    // is the same breach: late, the supplier's (never handed over), compensated once.
    t.match(breaches[0], { kind: 'late', trigger: /^(handover|delivery)_timer$/, cause: 'supplier', status: 'compensated' });
    t.equal((await db.selectFrom('compensations').select('amount_minor').where('order_id', '=', order.id).execute()).length, 1);
    const again = await second.services.breaches.tick({ now: when });
    t.same(again, { fired: 0, processed: 0 });
  });
  t.test('the whole story over HTTP: order, signed supplier callback, silence, compensation, journal', async (t) => {
    const placed = await ctx.placeOrder(orderBody({ lines: [{ sku: 'MUG-001', quantity: 2, unit_price_minor: 1800 }] }));
    t.equal(placed.statusCode, 201, placed.body);
    const order = placed.json();
    for (let i = 0; i < 20 && (await db.selectFrom('shipments').select('instruction_status').where('order_id', '=', order.id).executeTakeFirstOrThrow()).instruction_status !== 'sent'; i++) {
      await ctx.app.services.relay.tick();
    }
    const shipment = await db.selectFrom('shipments').selectAll().where('order_id', '=', order.id).executeTakeFirstOrThrow();
    const secret = (await ctx.request({ method: 'POST', url: `/v1/suppliers/${shipment.supplier_id}/callback-secret` })).json().callback_secret;
    const handedOverAt = new Date();
    const raw = JSON.stringify({ event_id: `evt_story_${order.id}`, supplier_order_ref: shipment.supplier_order_ref, type: 'handed_over', occurred_at: handedOverAt.toISOString(), tracking_number: null, reason: null });
    const callback = await ctx.request({
      method: 'POST',
      url: `/v1/partners/suppliers/${shipment.supplier_id}/events`,
      key: null,
      payload: raw,
      headers: { 'content-type': 'application/json', 'pledge-signature': signSupplierEvent(raw, secret, new Date()) },
    });
    t.equal(callback.statusCode, 200, callback.body);

    // Nothing scans the parcel for the silence window: the worker calls it lost.
    await ctx.app.services.breaches.tick({ now: new Date(handedOverAt.getTime() + 5 * DAY + HOUR) });
    const breaches = await ctx.request({ method: 'GET', url: `/v1/orders/${order.id}/breaches`, key: finance1 });
    t.equal(breaches.statusCode, 200, breaches.body);
    t.match(breaches.json().data, [{ kind: 'lost', cause: 'carrier', trigger: 'silence_timer', status: 'compensated', compensation: { status: 'posted', amount_minor: 3600 + 500, currency: 'USD' } }]);
    const comps = await ctx.request({ method: 'GET', url: `/v1/compensations?order_id=${order.id}`, key: auditorKey });
    t.equal(comps.statusCode, 200, comps.body);
    const [comp] = comps.json().data;
    t.match(comp, { status: 'posted', amount_minor: 4100, breach_kind: 'lost', requested_by: 'system', journal_transaction_id: /^jtx_/, breakdown: { rule: 'lost', refund_minor: 3600, goodwill_minor: 500 } });
    const ledger = await ctx.request({ method: 'GET', url: `/v1/ledger/transactions?order_id=${order.id}`, key: finance1 });
    t.equal(ledger.statusCode, 200, ledger.body);
    const kinds: string[] = (ledger.json().data ?? []).map((tx: any) => tx.kind);
    t.ok(kinds.includes('exposure_reserved') && kinds.includes('compensation_posted'), kinds.join());
    t.equal((await ctx.request({ method: 'GET', url: `/v1/orders/ord_nope/breaches` })).statusCode, 404);
    t.equal((await ctx.request({ method: 'GET', url: `/v1/breaches?kind=stolen` })).statusCode, 400);
    t.equal((await ctx.request({ method: 'GET', url: `/v1/compensations?cursor=nope`, key: finance1 })).statusCode, 400);
  });
});
