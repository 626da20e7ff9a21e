import { sql } from 'kysely';
import t from 'tap';
import { postJournal, verifyJournalChain } from '../../src/compensation/journal.js';
import { exposureReserved } from '../../src/compensation/postings.js';
import { build, orderBody } from '../helper.js';

/** A strict RFC 4180 reader: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
      else if (c === '"') (quoted = false), i++;
      else (field += c), i++;
    } else if (c === '"') (quoted = true), i++;
    else if (c === ',') row.push(field), (field = ''), i++;
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), (i += 2);
    else (field += c), i++;
  }
  if (field !== '' || row.length > 0) throw new Error('CSV does not end with CRLF');
  return rows;
}

t.test('the compensation journal', async (t) => {
  const ctx = await build(t);
  const { db } = ctx.deps;
  const ledger = ctx.app.services.compensation;
  const sellerId = (await ctx.app.services.sellers.authenticate(ctx.apiKey))!.sellerId;
  const keyFor = async (role: 'ops' | 'finance' | 'auditor') => (await ctx.app.services.sellers.createApiKey(sellerId, role, `${role} key`)).key;
  const [opsKey, financeKey, auditorKey] = await Promise.all([keyFor('ops'), keyFor('finance'), keyFor('auditor')]);
  const get = (url: string, key = financeKey) => ctx.request({ method: 'GET', url, key });
  const reverse = (id: string, idem: string, key = financeKey, payload?: unknown) =>
    ctx.request({ method: 'POST', url: `/v1/ledger/transactions/${id}/reverse`, key, headers: { 'idempotency-key': idem }, ...(payload ? { payload: payload as any } : {}) });

  const placed = await ctx.placeOrder(orderBody());
  t.equal(placed.statusCode, 201, placed.body);
  const order = placed.json();
  t.equal(order.status, 'promised');
  t.ok(order.expected_breach_cost_minor > 0, `expected breach cost ${order.expected_breach_cost_minor}`);

  t.test('placing an order books a balanced pending exposure reservation in the same commit', async (t) => {
    const res = await get(`/v1/ledger/transactions?order_id=${order.id}`);
    t.equal(res.statusCode, 200, res.body);
    const [tx, ...rest] = res.json().data;
    t.equal(rest.length, 0);
    t.match(tx, { kind: 'exposure_reserved', status: 'pending', order_id: order.id, idempotency_key: `exposure:${order.id}` });
    t.same(
      tx.postings,
      [
        { account: 'exposure_offset', currency: 'USD', amount_minor: order.expected_breach_cost_minor },
        { account: 'promise_exposure', currency: 'USD', amount_minor: -order.expected_breach_cost_minor },
      ],
    );
    const balances = (await get('/v1/ledger/balances')).json();
    t.same(balances.live_exposure, [{ currency: 'USD', amount_minor: order.expected_breach_cost_minor }]);
  });

  t.test('a declined order books nothing; time filters bound created_at', async (t) => {
    const declined = (await ctx.placeOrder(orderBody({ deliver_by: new Date(Date.now() + 60 * 60_000).toISOString() }))).json();
    t.equal(declined.status, 'declined');
    t.same((await get(`/v1/ledger/transactions?order_id=${declined.id}`)).json().data, []);
    const future = new Date(Date.now() + 86_400_000).toISOString();
    t.same((await get(`/v1/ledger/transactions?from=${encodeURIComponent(future)}`)).json().data, []);
    t.equal((await get(`/v1/ledger/transactions?to=${encodeURIComponent(future)}`)).json().data.length, 1);
    t.equal((await get('/v1/ledger/transactions?from=yesterday')).statusCode, 400);
    t.equal((await get('/v1/ledger/transactions?kind=refund')).statusCode, 400);
  });

  t.test('the database refuses UPDATE, DELETE and TRUNCATE on the journal', async (t) => {
    for (const statement of [
      sql`update journal_postings set amount_minor = amount_minor * 2`,
      sql`delete from journal_postings`,
      sql`update journal_transactions set memo = 'edited'`,
      sql`delete from journal_transactions`,
      sql`truncate journal_postings`,
      sql`update ledger_accounts set code = 'x'`,
    ]) {
      await t.rejects(statement.execute(db), { code: 'P0001', message: /append-only/ });
    }
  });

  t.test('an unbalanced transaction is refused at commit by the database itself', async (t) => {
    const account = await db.selectFrom('ledger_accounts').select(['id', 'currency']).where('seller_id', '=', sellerId).where('code', '=', 'promise_exposure').executeTakeFirstOrThrow();
    const offset = await db.selectFrom('ledger_accounts').select(['id']).where('seller_id', '=', sellerId).where('code', '=', 'exposure_offset').executeTakeFirstOrThrow();
    const before = await db.selectFrom('journal_transactions').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    const attempt = (amounts: number[]) =>
      db.transaction().execute(async (trx) => {
        const id = `jtx_manual_${amounts.join('_')}`;
        await trx
          .insertInto('journal_transactions')
          .values({ id, seller_id: sellerId, seq: 10_000 + amounts.length, idempotency_key: id, request_hash: '0'.repeat(64), kind: 'exposure_reserved', status: 'pending', order_id: null, partner_id: null, reverses_id: null, memo: null, created_at: new Date(), prev_hash: '0'.repeat(64), hash: id })
          .execute();
        const ids = [account.id, offset.id];
        for (const [i, amount] of amounts.entries()) {
          await trx.insertInto('journal_postings').values({ transaction_id: id, account_id: ids[i % 2]!, currency: 'USD', amount_minor: amount }).execute();
        }
      });
    await t.rejects(attempt([100, -99]), { code: '23514', message: /LEDGER_UNBALANCED/ });
    await t.rejects(attempt([100]), { code: '23514' });
    await t.rejects(attempt([]), { code: '23514' });
    const after = await db.selectFrom('journal_transactions').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    t.equal(after.n, before.n, 'nothing was kept');
    await t.rejects(
      db.transaction().execute((trx) => postJournal(trx, { sellerId, idempotencyKey: 'bad', kind: 'exposure_reserved', postings: [{ account: 'promise_exposure', currency: 'USD', amountMinor: 5 }, { account: 'exposure_offset', currency: 'USD', amountMinor: -4 }], now: new Date() })),
      { code: 'LEDGER_UNBALANCED' },
      'the code asserts balance before writing',
    );
  });

  t.test('idempotent replay, and the same key with another body refused', async (t) => {
    const post = (amount: number) =>
      db.transaction().execute((trx) => postJournal(trx, { sellerId, idempotencyKey: 'manual:idem-1', kind: 'exposure_reserved', postings: exposureReserved('USD', amount), memo: 'test', now: new Date() }));
    const first = await post(250);
    const again = await post(250);
    t.equal(first.isReplay, false);
    t.equal(again.isReplay, true);
    t.equal(again.transaction.id, first.transaction.id);
    t.same(again.transaction.postings, first.transaction.postings);
    await t.rejects(post(251), { code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
    const count = await db.selectFrom('journal_transactions').select(sql<number>`count(*)::int`.as('n')).where('idempotency_key', '=', 'manual:idem-1').executeTakeFirstOrThrow();
    t.equal(count.n, 1);
  });

  t.test('50 concurrent postings all land, balanced, on an intact hash chain', async (t) => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        db.transaction().execute((trx) => postJournal(trx, { sellerId, idempotencyKey: `concurrent:${i}`, kind: 'exposure_reserved', postings: exposureReserved(i % 2 ? 'USD' : 'EUR', 100 + i), now: new Date() })),
      ),
    );
    t.equal(new Set(results.map((r) => r.transaction.seq)).size, 50, 'distinct positions in the chain');
    const unbalanced = await sql<{ transaction_id: string }>`select transaction_id from journal_postings group by transaction_id, currency having sum(amount_minor) <> 0`.execute(db);
    t.same(unbalanced.rows, []);
    t.equal(await verifyJournalChain(db, sellerId), null, 'chain verifies');
  });

  t.test('concurrent orders each book their own reservation', async (t) => {
    const orders = (await Promise.all(Array.from({ length: 10 }, () => ctx.placeOrder(orderBody())))).map((r) => r.json());
    for (const o of orders.filter((x) => x.status === 'promised' && x.expected_breach_cost_minor > 0)) {
      const [tx] = (await get(`/v1/ledger/transactions?order_id=${o.id}`)).json().data;
      t.equal(tx?.postings.find((p: any) => p.account === 'promise_exposure')?.amount_minor, -o.expected_breach_cost_minor, o.id);
    }
    t.ok(orders.filter((x) => x.status === 'promised').length >= 8, 'most were promised');
    t.equal(await verifyJournalChain(db, sellerId), null);
  });

  t.test('kept: the exposure is voided; replays return the same transaction', async (t) => {
    const released = await ledger.releaseExposure(sellerId, order.id);
    t.match(released, { kind: 'exposure_released', status: 'voided', order_id: order.id });
    t.same(released!.postings, [
      { account: 'promise_exposure', currency: 'USD', amount_minor: order.expected_breach_cost_minor },
      { account: 'exposure_offset', currency: 'USD', amount_minor: -order.expected_breach_cost_minor },
    ]);
    t.equal((await ledger.releaseExposure(sellerId, order.id))!.id, released!.id);
    await t.rejects(ledger.postBreach(sellerId, order.id, 'late', 500), { code: 'IDEMPOTENCY_KEY_REUSED' }, 'a kept promise cannot also break');
  });

  t.test('broken: exposure posted as compensation, the partner charged back', async (t) => {
    const res = await ctx.placeOrder(orderBody());
    const broken = res.json();
    const exposure = broken.expected_breach_cost_minor as number;
    const result = await ledger.postBreach(sellerId, broken.id, 'late', 1500, 'sup_acme');
    t.match(result.compensation, { kind: 'compensation_posted', status: 'posted', partner_id: 'sup_acme' });
    t.same(result.compensation.postings, [
      { account: 'promise_exposure', currency: 'USD', amount_minor: exposure },
      { account: 'exposure_offset', currency: 'USD', amount_minor: -exposure },
      { account: 'compensation_expense', currency: 'USD', amount_minor: 1500 },
      { account: 'compensation_payable', currency: 'USD', amount_minor: -1500 },
    ]);
    t.same(result.chargeback!.postings, [
      { account: 'chargebacks_receivable:sup_acme', currency: 'USD', amount_minor: 1500 },
      { account: 'compensation_expense', currency: 'USD', amount_minor: -1500 },
    ]);
    const replay = await ledger.postBreach(sellerId, broken.id, 'late', 1500, 'sup_acme');
    t.equal(replay.isReplay, true);
    t.equal(replay.compensation.id, result.compensation.id);
    await t.rejects(ledger.postBreach(sellerId, broken.id, 'lost', 9000), { code: 'IDEMPOTENCY_KEY_REUSED' });
    await t.rejects(ledger.postBreach(sellerId, 'ord_missing', 'late', 100), { code: 'NOT_FOUND' });

    const byPartner = (await get('/v1/ledger/transactions?partner_id=sup_acme')).json().data;
    t.same(byPartner.map((x: any) => x.kind).sort(), ['chargeback', 'compensation_posted']);
    const byAccount = (await get('/v1/ledger/transactions?account=compensation_payable')).json().data;
    t.equal(byAccount.length, 1);
  });

  t.test('reversal: negated postings, once, idempotent on the header; balances add up', async (t) => {
    const target = (await get('/v1/ledger/transactions?kind=chargeback')).json().data[0];
    const res = await reverse(target.id, 'rev-1', financeKey, { memo: 'partner disputed, waived' });
    t.equal(res.statusCode, 201, res.body);
    const rev = res.json();
    t.match(rev, { kind: 'reversal', status: 'posted', reverses_id: target.id, memo: 'partner disputed, waived' });
    t.same(rev.postings, target.postings.map((p: any) => ({ ...p, amount_minor: -p.amount_minor })));
    const replay = await reverse(target.id, 'rev-1', financeKey, { memo: 'partner disputed, waived' });
    t.equal(replay.statusCode, 201);
    t.equal(replay.headers['idempotent-replayed'], 'true');
    t.equal(replay.json().id, rev.id);
    t.equal((await reverse(target.id, 'rev-1', financeKey, { memo: 'other' })).statusCode, 422, 'same key, other body');
    const twice = await reverse(target.id, 'rev-2');
    t.equal(twice.statusCode, 409);
    t.equal(twice.json().code, 'CONFLICT');
    t.equal((await reverse('jtx_nope', 'rev-3')).statusCode, 404);
    t.equal((await reverse(target.id, 'rev-4', financeKey, { memo: '=HYPERLINK("http://x")' })).statusCode, 400, 'no spreadsheet formulas in memos');

    const balances = (await get('/v1/ledger/balances')).json();
    const of = (account: string, currency = 'USD') => balances.accounts.find((a: any) => a.account === account && a.currency === currency);
    t.equal(of('chargebacks_receivable:sup_acme').balance_minor, 0, 'chargeback reversed');
    t.equal(of('compensation_payable').balance_minor, -1500, 'the customer is still owed');
    t.equal(of('compensation_expense').balance_minor, 1500);
    const sums = new Map<string, number>();
    for (const a of balances.accounts) sums.set(a.currency, (sums.get(a.currency) ?? 0) + a.balance_minor);
    t.ok([...sums.values()].every((v) => v === 0), 'the trial balance is zero per currency');
    for (const a of balances.accounts) t.equal(a.debits_minor - a.credits_minor, a.balance_minor, `${a.account} ${a.currency}`);
    t.equal(await verifyJournalChain(db, sellerId), null);
  });

  t.test('the CSV export parses back to every posting', async (t) => {
    const res = await get('/v1/ledger/export.csv');
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /^text\/csv/);
    const rows = parseCsv(res.body);
    t.same(rows[0], ['transaction_id', 'seq', 'created_at', 'kind', 'status', 'order_id', 'partner_id', 'reverses_id', 'idempotency_key', 'account', 'currency', 'amount_minor', 'memo', 'hash']);
    const postings = await db.selectFrom('journal_postings as p').innerJoin('journal_transactions as j', 'j.id', 'p.transaction_id').select(sql<number>`count(*)::int`.as('n')).where('j.seller_id', '=', sellerId).executeTakeFirstOrThrow();
    t.equal(rows.length - 1, postings.n, 'one row per posting');
    const memo = rows.find((r) => r[3] === 'reversal');
    t.equal(memo?.[12], 'partner disputed, waived', 'a quoted field with a comma survives');
    const perTx = new Map<string, number>();
    for (const r of rows.slice(1)) perTx.set(`${r[0]}|${r[10]}`, (perTx.get(`${r[0]}|${r[10]}`) ?? 0) + Number(r[11]));
    t.ok([...perTx.values()].every((v) => v === 0), 'every exported transaction balances');
    const filtered = parseCsv((await get(`/v1/ledger/export.csv?order_id=${order.id}`)).body);
    t.same(new Set(filtered.slice(1).map((r) => r[5])), new Set([order.id]));
  });

  t.test('roles: ops is refused, the auditor reads but cannot reverse', async (t) => {
    for (const url of ['/v1/ledger/transactions', '/v1/ledger/balances', '/v1/ledger/export.csv']) {
      t.equal((await get(url, opsKey)).statusCode, 403, `ops ${url}`);
      t.equal((await get(url, auditorKey)).statusCode, 200, `auditor ${url}`);
      t.equal((await get(url, ctx.apiKey)).statusCode, 200, `seller_admin ${url}`);
    }
    const any = (await get('/v1/ledger/transactions?kind=exposure_reserved&limit=1')).json().data[0];
    t.equal((await reverse(any.id, 'rev-auditor', auditorKey)).statusCode, 403);
    t.equal((await reverse(any.id, 'rev-ops', opsKey)).statusCode, 403);
    t.equal((await ctx.request({ method: 'GET', url: '/v1/ledger/balances', key: null })).statusCode, 401);
    const admin = await reverse(any.id, 'rev-admin', ctx.apiKey);
    t.equal(admin.statusCode, 201, admin.body);
  });

  t.test('pagination walks the journal newest first without repeats', async (t) => {
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: any = (await get(`/v1/ledger/transactions?limit=7${cursor ? `&cursor=${cursor}` : ''}`)).json();
      seen.push(...page.data.map((x: any) => x.seq));
      cursor = page.next_cursor;
    } while (cursor);
    t.same(seen, [...seen].sort((a, b) => b - a));
    t.equal(new Set(seen).size, seen.length);
    t.equal(seen.length, (await db.selectFrom('journal_transactions').select(sql<number>`count(*)::int`.as('n')).where('seller_id', '=', sellerId).executeTakeFirstOrThrow()).n);
    t.equal((await get('/v1/ledger/transactions?cursor=bogus')).statusCode, 400);
  });
});
