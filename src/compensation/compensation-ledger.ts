import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { findTransaction, lockSellerJournal, postJournal, type JournalTransactionView, viewTransactions } from './journal.js';
import { ACCOUNTS, type BreachKind, chargeback, compensationPosted, csvRow, exposureReleased, exposureReserved, type JournalKind, type Posting, reversalOf } from './postings.js';

export type CompensationLedgerDeps = { db: Kysely<Database>; clock: Clock };

export type TransactionQuery = {
  from?: string;
  to?: string;
  account?: string;
  partner_id?: string;
  order_id?: string;
  kind?: JournalKind;
  limit: number;
  cursor?: string;
};

export const CSV_HEADER = ['transaction_id', 'seq', 'created_at', 'kind', 'status', 'order_id', 'partner_id', 'reverses_id', 'idempotency_key', 'account', 'currency', 'amount_minor', 'memo', 'hash'] as const;
const EXPORT_PAGE = 500;

const encodeCursor = (seq: number) => Buffer.from(`seq:${seq}`, 'utf8').toString('base64url');
function decodeCursor(cursor: string): number {
  const m = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw invalid('cursor', 'not a cursor returned by this API');
  return Number(m[1]);
}

/** Open exposure of one order: the negated balance of promise_exposure over the order's transactions. */
export async function openExposure(trx: Transaction<Database>, sellerId: string, orderId: string, currency: string): Promise<number> {
  const row = await trx
    .selectFrom('journal_postings as p')
    .innerJoin('journal_transactions as t', 't.id', 'p.transaction_id')
    .innerJoin('ledger_accounts as a', 'a.id', 'p.account_id')
    .select(sql<number>`coalesce(sum(p.amount_minor), 0)::bigint`.as('balance'))
    .where('t.seller_id', '=', sellerId)
    .where('t.order_id', '=', orderId)
    .where('a.code', '=', ACCOUNTS.exposure)
    .where('p.currency', '=', currency)
    .executeTakeFirstOrThrow();
  return -Number(row.balance);
}

/**
 * The promise was kept (or ended with nobody to blame): void the order's open exposure in the caller's
 * transaction, key `exposure-settle:<order_id>`. Null when nothing is open and it was never settled.
 * @throws AppError IDEMPOTENCY_KEY_REUSED (the order was already settled as broken by postBreach)
 */
export async function releaseExposureIn(trx: Transaction<Database>, input: { sellerId: string; orderId: string; currency: string; now: Date; memo?: string }): Promise<JournalTransactionView | null> {
  const { sellerId, orderId, currency } = input;
  await lockSellerJournal(trx, sellerId);
  const key = `exposure-settle:${orderId}`;
  const open = await openExposure(trx, sellerId, orderId, currency);
  const settled = await trx.selectFrom('journal_transactions').select('id').where('seller_id', '=', sellerId).where('idempotency_key', '=', key).executeTakeFirst();
  if (open <= 0 && !settled) return null;
  const { transaction } = await postJournal(trx, {
    sellerId,
    idempotencyKey: key,
    kind: 'exposure_released',
    orderId,
    requestBody: { op: 'release', order_id: orderId },
    postings: async () => exposureReleased(currency, open),
    memo: input.memo ?? 'promise kept: exposure voided',
    now: input.now,
  });
  return transaction;
}

/**
 * Posts one compensation in the caller's transaction: releases whatever exposure the order still has
 * open (when `releaseExposure`; a manual goodwill leaves the promise's reservation alone), books the
 * expense and payable, and, when a partner is to blame and owes a share, the chargeback receivable.
 * Keys `compensation:<ref>` and `chargeback:<ref>`, with ref the breach id (or the compensation id for a
 * manual one), so a retry after a crash posts once.
 */
export async function postCompensationIn(
  trx: Transaction<Database>,
  input: { sellerId: string; orderId: string; currency: string; ref: string; kind: BreachKind | 'goodwill'; amountMinor: number; releaseExposure: boolean; partnerId: string | null; chargebackMinor: number; now: Date },
): Promise<{ compensation: JournalTransactionView; chargeback: JournalTransactionView | null }> {
  const { sellerId, orderId, currency } = input;
  await lockSellerJournal(trx, sellerId);
  const compensation = await postJournal(trx, {
    sellerId,
    idempotencyKey: `compensation:${input.ref}`,
    kind: 'compensation_posted',
    orderId,
    partnerId: input.partnerId,
    requestBody: { op: 'compensation', ref: input.ref, order_id: orderId, kind: input.kind, amount_minor: input.amountMinor, release: input.releaseExposure },
    postings: async (t) => compensationPosted(currency, input.amountMinor, input.releaseExposure ? await openExposure(t, sellerId, orderId, currency) : 0),
    memo: input.kind === 'goodwill' ? 'goodwill compensation approved by finance' : `promise broken (${input.kind}): compensation owed to the customer`,
    now: input.now,
  });
  const recovered =
    input.partnerId && input.chargebackMinor > 0
      ? await postJournal(trx, {
          sellerId,
          idempotencyKey: `chargeback:${input.ref}`,
          kind: 'chargeback',
          orderId,
          partnerId: input.partnerId,
          requestBody: { op: 'chargeback', ref: input.ref, order_id: orderId, amount_minor: input.chargebackMinor, partner_id: input.partnerId },
          postings: chargeback(currency, input.partnerId, input.chargebackMinor),
          memo: `promise broken (${input.kind}) by ${input.partnerId}: charged back under its terms`,
          now: input.now,
        })
      : null;
  return { compensation: compensation.transaction, chargeback: recovered?.transaction ?? null };
}

/**
 * The compensation journal as finance sees it: exposure booked when a promise is made, released when
 * it is kept, turned into compensation (and a partner chargeback) when it breaks; reversals, never edits.
 */
export function createCompensationLedger(deps: CompensationLedgerDeps) {
  const { db, clock } = deps;

  async function orderCurrency(trx: Transaction<Database>, sellerId: string, orderId: string): Promise<string> {
    const order = await trx.selectFrom('orders').select('currency').where('seller_id', '=', sellerId).where('id', '=', orderId).executeTakeFirst();
    if (!order) throw notFound('order');
    return order.currency;
  }

  function filtered(sellerId: string, q: Omit<TransactionQuery, 'limit' | 'cursor'>) {
    let query = db.selectFrom('journal_transactions as t').where('t.seller_id', '=', sellerId);
    if (q.from) query = query.where('t.created_at', '>=', new Date(q.from));
    if (q.to) query = query.where('t.created_at', '<', new Date(q.to));
    if (q.kind) query = query.where('t.kind', '=', q.kind);
    if (q.order_id) query = query.where('t.order_id', '=', q.order_id);
    if (q.partner_id) query = query.where('t.partner_id', '=', q.partner_id);
    if (q.account) {
      const account = q.account;
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('journal_postings as fp')
            .innerJoin('ledger_accounts as fa', 'fa.id', 'fp.account_id')
            .select('fp.id')
            .whereRef('fp.transaction_id', '=', 't.id')
            .where('fa.code', '=', account),
        ),
      );
    }
    return query;
  }

  return {
    /**
     * Books the pending reservation for a promise, inside the order's commit transaction
     * (idempotency key `exposure:<order_id>`). Nothing is booked for a zero expected breach cost.
     */
    async reserveExposure(trx: Transaction<Database>, input: { sellerId: string; orderId: string; currency: string; amountMinor: number; now: Date }): Promise<JournalTransactionView | null> {
      if (input.amountMinor <= 0) return null;
      const { transaction } = await postJournal(trx, {
        sellerId: input.sellerId,
        idempotencyKey: `exposure:${input.orderId}`,
        kind: 'exposure_reserved',
        orderId: input.orderId,
        postings: exposureReserved(input.currency, input.amountMinor),
        memo: 'expected breach cost reserved at promise time',
        now: input.now,
      });
      return transaction;
    },

    /**
     * The promise was kept: void the open exposure (key `exposure-settle:<order_id>`). Null when nothing is open.
     * @throws AppError NOT_FOUND (order), IDEMPOTENCY_KEY_REUSED (the order was already settled as broken)
     */
    async releaseExposure(sellerId: string, orderId: string): Promise<JournalTransactionView | null> {
      return db.transaction().execute(async (trx) => releaseExposureIn(trx, { sellerId, orderId, currency: await orderCurrency(trx, sellerId, orderId), now: clock.now() }));
    },

    /**
     * The promise broke: one transaction releases the open exposure and books the compensation owed
     * (expense / payable); when a partner caused it, a second one books the chargeback receivable.
     * @throws AppError NOT_FOUND (order), IDEMPOTENCY_KEY_REUSED (settled before with other terms, or kept)
     */
    async postBreach(sellerId: string, orderId: string, breach: BreachKind, amountMinor: number, partnerId?: string | null) {
      if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) throw invalid('amount_minor', 'must be a positive integer of minor units');
      return db.transaction().execute(async (trx) => {
        const currency = await orderCurrency(trx, sellerId, orderId);
        await lockSellerJournal(trx, sellerId);
        const now = clock.now();
        const compensation = await postJournal(trx, {
          sellerId,
          idempotencyKey: `exposure-settle:${orderId}`,
          kind: 'compensation_posted',
          orderId,
          partnerId: partnerId ?? null,
          requestBody: { op: 'breach', order_id: orderId, breach, amount_minor: amountMinor, partner_id: partnerId ?? null },
          postings: async (t) => compensationPosted(currency, amountMinor, await openExposure(t, sellerId, orderId, currency)),
          memo: `promise broken (${breach}): compensation owed to the customer`,
          now,
        });
        const recovered = partnerId
          ? await postJournal(trx, {
              sellerId,
              idempotencyKey: `chargeback:${orderId}:${partnerId}`,
              kind: 'chargeback',
              orderId,
              partnerId,
              requestBody: { op: 'chargeback', order_id: orderId, breach, amount_minor: amountMinor, partner_id: partnerId },
              postings: chargeback(currency, partnerId, amountMinor),
              memo: `promise broken (${breach}) by ${partnerId}: charged back`,
              now,
            })
          : null;
        return { compensation: compensation.transaction, chargeback: recovered?.transaction ?? null, isReplay: compensation.isReplay };
      });
    },

    /**
     * A correction: a new transaction with the target's postings negated (`reverses_id`), idempotent on the client's key.
     * @throws AppError NOT_FOUND, CONFLICT (already reversed), IDEMPOTENCY_KEY_REUSED
     */
    async reverse(sellerId: string, transactionId: string, idempotencyKey: string, memo?: string | null) {
      return db.transaction().execute(async (trx) => {
        const target = await findTransaction(trx, sellerId, transactionId);
        if (!target) throw notFound('journal transaction');
        return postJournal(trx, {
          sellerId,
          // Namespaced so a client key can never collide with Pledge's own (`exposure:<order>`...).
          idempotencyKey: `api:${idempotencyKey}`,
          kind: 'reversal',
          orderId: target.order_id,
          partnerId: target.partner_id,
          reversesId: target.id,
          requestBody: { op: 'reverse', reverses_id: target.id, memo: memo ?? null },
          postings: async () => {
            const [view] = await viewTransactions(trx, [target]);
            return reversalOf(view!.postings.map((p): Posting => ({ account: p.account, currency: p.currency, amountMinor: p.amount_minor })));
          },
          memo: memo ?? `reversal of ${target.id}`,
          now: clock.now(),
        });
      });
    },

    /** Newest first, with postings; `account` matches transactions touching that account code. */
    async listTransactions(sellerId: string, q: TransactionQuery) {
      let query = filtered(sellerId, q);
      if (q.cursor) query = query.where('t.seq', '<', decodeCursor(q.cursor));
      const rows = await query
        .select(['t.id', 't.seq', 't.kind', 't.status', 't.order_id', 't.partner_id', 't.reverses_id', 't.memo', 't.idempotency_key', 't.created_at', 't.prev_hash', 't.hash'])
        .orderBy('t.seq', 'desc')
        .limit(q.limit + 1)
        .execute();
      const page = rows.slice(0, q.limit);
      return { data: await viewTransactions(db, page), next_cursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]!.seq) : null };
    },

    /** Every account's balance per currency (debit positive), and the live promise exposure. */
    async balances(sellerId: string) {
      const rows = await db
        .selectFrom('ledger_accounts as a')
        .leftJoin('journal_postings as p', 'p.account_id', 'a.id')
        .select([
          'a.code',
          'a.currency',
          sql<number>`coalesce(sum(p.amount_minor), 0)::bigint`.as('balance_minor'),
          sql<number>`coalesce(sum(p.amount_minor) filter (where p.amount_minor > 0), 0)::bigint`.as('debits_minor'),
          sql<number>`coalesce(-sum(p.amount_minor) filter (where p.amount_minor < 0), 0)::bigint`.as('credits_minor'),
        ])
        .where('a.seller_id', '=', sellerId)
        .groupBy(['a.code', 'a.currency'])
        .orderBy('a.code')
        .orderBy('a.currency')
        .execute();
      const accounts = rows.map((r) => ({ account: r.code, currency: r.currency, balance_minor: Number(r.balance_minor), debits_minor: Number(r.debits_minor), credits_minor: Number(r.credits_minor) }));
      return {
        as_of: clock.now().toISOString(),
        accounts,
        live_exposure: accounts.filter((a) => a.account === ACCOUNTS.exposure).map((a) => ({ currency: a.currency, amount_minor: -a.balance_minor })),
      };
    },

    /** One CSV line per posting, oldest first, read a page at a time (RFC 4180, CRLF). */
    async *exportCsv(sellerId: string, q: Omit<TransactionQuery, 'limit' | 'cursor'>): AsyncGenerator<string> {
      yield csvRow(CSV_HEADER);
      let after = 0;
      for (;;) {
        const rows = await filtered(sellerId, q)
          .select(['t.id', 't.seq', 't.kind', 't.status', 't.order_id', 't.partner_id', 't.reverses_id', 't.memo', 't.idempotency_key', 't.created_at', 't.prev_hash', 't.hash'])
          .where('t.seq', '>', after)
          .orderBy('t.seq')
          .limit(EXPORT_PAGE)
          .execute();
        if (rows.length === 0) return;
        let chunk = '';
        for (const t of await viewTransactions(db, rows)) {
          for (const p of t.postings) {
            chunk += csvRow([t.id, t.seq, t.created_at, t.kind, t.status, t.order_id, t.partner_id, t.reverses_id, t.idempotency_key, p.account, p.currency, p.amount_minor, t.memo, t.hash]);
          }
        }
        yield chunk;
        after = rows[rows.length - 1]!.seq;
        if (rows.length < EXPORT_PAGE) return;
      }
    },
  };
}
export type CompensationLedger = ReturnType<typeof createCompensationLedger>;
