import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database, JournalTransactionsTable } from '../db/database.js';
import { AppError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../lib/crypto.js';
import { newId, newSortableId } from '../lib/ids.js';
import { assertBalanced, type JournalKind, type JournalStatus, type Posting, statusOf } from './postings.js';

/** Serializes one seller's journal writers (a transaction-level advisory lock, released at commit). */
const JOURNAL_LOCK_CLASS = 0x504c_4447; // "PLDG"; second key: hashtext(seller_id)
const GENESIS_HASH = '0'.repeat(64);

export type JournalInput = {
  sellerId: string;
  idempotencyKey: string;
  kind: JournalKind;
  /** The postings, or a function computing them once the seller's journal is locked (not called on a replay). */
  postings: readonly Posting[] | ((trx: Transaction<Database>) => Promise<readonly Posting[]>);
  /** What the idempotency key is bound to; defaults to everything below plus the postings. */
  requestBody?: unknown;
  orderId?: string | null;
  partnerId?: string | null;
  reversesId?: string | null;
  memo?: string | null;
  now: Date;
};

export type JournalPostingView = { account: string; currency: string; amount_minor: number };
export type JournalTransactionView = {
  id: string;
  seq: number;
  kind: JournalKind;
  status: JournalStatus;
  order_id: string | null;
  partner_id: string | null;
  reverses_id: string | null;
  memo: string | null;
  idempotency_key: string;
  created_at: string;
  prev_hash: string;
  hash: string;
  postings: JournalPostingView[];
};

export const lockSellerJournal = (trx: Transaction<Database>, sellerId: string) =>
  sql`select pg_advisory_xact_lock(${JOURNAL_LOCK_CLASS}::int, hashtext(${sellerId}))`.execute(trx);

/** A journal transaction as read back (the seller and request hash are not part of its view). */
type TransactionRow = Omit<Selectable<JournalTransactionsTable>, 'seller_id' | 'request_hash'>;

const TX_COLUMNS = ['id', 'seq', 'kind', 'status', 'order_id', 'partner_id', 'reverses_id', 'memo', 'idempotency_key', 'created_at', 'prev_hash', 'hash'] as const;

/** Renders journal rows with their postings (in insertion order), for the API and replays. */
export async function viewTransactions(db: Kysely<Database>, rows: readonly TransactionRow[]): Promise<JournalTransactionView[]> {
  if (rows.length === 0) return [];
  const postings = await db
    .selectFrom('journal_postings as p')
    .innerJoin('ledger_accounts as a', 'a.id', 'p.account_id')
    .select(['p.transaction_id', 'a.code', 'p.currency', 'p.amount_minor'])
    .where('p.transaction_id', 'in', rows.map((r) => r.id))
    .orderBy('p.id')
    .execute();
  const byTx = new Map<string, JournalPostingView[]>();
  for (const p of postings) {
    const list = byTx.get(p.transaction_id) ?? [];
    list.push({ account: p.code, currency: p.currency, amount_minor: p.amount_minor });
    byTx.set(p.transaction_id, list);
  }
  return rows.map((r) => ({ ...r, created_at: r.created_at.toISOString(), postings: byTx.get(r.id) ?? [] }));
}

export const findTransaction = (db: Kysely<Database>, sellerId: string, id: string) =>
  db.selectFrom('journal_transactions').select(TX_COLUMNS).where('seller_id', '=', sellerId).where('id', '=', id).executeTakeFirst();

/**
 * Appends one balanced journal transaction inside the caller's database transaction.
 * Same seller + idempotency key + same request: the first transaction, `isReplay`.
 * Takes the seller's journal lock, held until the caller commits: post last in the caller's transaction.
 * @throws AppError IDEMPOTENCY_KEY_REUSED (same key, another request), CONFLICT (the target is already reversed)
 * @throws LedgerUnbalancedError when the postings do not sum to zero per currency (a bug: nothing is written)
 */
export async function postJournal(trx: Transaction<Database>, input: JournalInput): Promise<{ transaction: JournalTransactionView; isReplay: boolean }> {
  if (typeof input.postings !== 'function') assertBalanced(input.postings);
  const orderId = input.orderId ?? null;
  const partnerId = input.partnerId ?? null;
  const reversesId = input.reversesId ?? null;
  const memo = input.memo ?? null;
  const staticPostings = typeof input.postings === 'function' ? null : input.postings;
  const requestHash = sha256Hex(
    canonicalJson(input.requestBody ?? { kind: input.kind, order_id: orderId, partner_id: partnerId, reverses_id: reversesId, memo, postings: staticPostings }),
  );

  // Accounts are insert-only, so ids read before the lock stay valid: usually nothing is left to do under it.
  const knownAccounts = staticPostings ? await findAccounts(trx, input.sellerId, staticPostings) : undefined;

  await lockSellerJournal(trx, input.sellerId);
  // One read after the lock: this key's first transaction, if any, and the head of the seller's chain.
  const seen = await trx
    .selectFrom('journal_transactions')
    .select([...TX_COLUMNS, 'request_hash'])
    .where('seller_id', '=', input.sellerId)
    .where((eb) =>
      eb.or([
        eb('idempotency_key', '=', input.idempotencyKey),
        eb('seq', '=', eb.selectFrom('journal_transactions as h').select((h) => h.fn.max('h.seq').as('max_seq')).where('h.seller_id', '=', input.sellerId)),
      ]),
    )
    .execute();
  const existing = seen.find((r) => r.idempotency_key === input.idempotencyKey);
  if (existing) {
    if (existing.request_hash !== requestHash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', `Idempotency key ${input.idempotencyKey} was already used for a different journal request`, [
        { field: 'idempotency-key', message: 'already used with another body' },
      ]);
    }
    const [view] = await viewTransactions(trx, [existing]);
    return { transaction: view!, isReplay: true };
  }

  const postings = typeof input.postings === 'function' ? await input.postings(trx) : input.postings;
  assertBalanced(postings);
  if (reversesId) {
    const already = await trx.selectFrom('journal_transactions').select('id').where('reverses_id', '=', reversesId).executeTakeFirst();
    if (already) throw new AppError('CONFLICT', `journal transaction ${reversesId} is already reversed by ${already.id}`);
  }

  const accountIds = await ensureAccounts(trx, input.sellerId, postings, knownAccounts);
  const head = seen.reduce<(typeof seen)[number] | undefined>((top, r) => (top && top.seq > r.seq ? top : r), undefined);
  const seq = (head?.seq ?? 0) + 1;
  const prevHash = head?.hash ?? GENESIS_HASH;
  const id = newSortableId('jtx', input.now.getTime());
  const status = statusOf(input.kind);
  const createdAt = input.now.toISOString();
  const canonical = canonicalJson({
    id,
    seller_id: input.sellerId,
    seq,
    idempotency_key: input.idempotencyKey,
    request_hash: requestHash,
    kind: input.kind,
    status,
    order_id: orderId,
    partner_id: partnerId,
    reverses_id: reversesId,
    memo,
    created_at: createdAt,
    postings: postings.map((p) => ({ account: p.account, currency: p.currency, amount_minor: p.amountMinor })),
  });
  const hash = sha256Hex(prevHash + canonical);
  // One statement for the transaction and its postings (foreign keys are checked at its end, the
  // balance at COMMIT): one round trip fewer while the seller's journal is locked.
  await trx
    .with('new_transaction', (c) =>
      c
        .insertInto('journal_transactions')
        .values({ id, seller_id: input.sellerId, seq, idempotency_key: input.idempotencyKey, request_hash: requestHash, kind: input.kind, status, order_id: orderId, partner_id: partnerId, reverses_id: reversesId, memo, created_at: createdAt, prev_hash: prevHash, hash }),
    )
    .insertInto('journal_postings')
    .values(postings.map((p) => ({ transaction_id: id, account_id: accountIds.get(`${p.account}|${p.currency}`)!, currency: p.currency, amount_minor: p.amountMinor })))
    .execute();
  return {
    transaction: {
      id,
      seq,
      kind: input.kind,
      status,
      order_id: orderId,
      partner_id: partnerId,
      reverses_id: reversesId,
      memo,
      idempotency_key: input.idempotencyKey,
      created_at: createdAt,
      prev_hash: prevHash,
      hash,
      postings: postings.map((p) => ({ account: p.account, currency: p.currency, amount_minor: p.amountMinor })),
    },
    isReplay: false,
  };
}

const accountKey = (p: { account: string; currency: string }) => `${p.account}|${p.currency}`;

/** The seller's existing accounts among the postings', `code|currency` -> id. */
async function findAccounts(trx: Transaction<Database>, sellerId: string, postings: readonly Posting[]): Promise<Map<string, string>> {
  const rows = await trx
    .selectFrom('ledger_accounts')
    .select(['id', 'code', 'currency'])
    .where('seller_id', '=', sellerId)
    .where('code', 'in', [...new Set(postings.map((p) => p.account))])
    .execute();
  return new Map(rows.map((r) => [accountKey({ account: r.code, currency: r.currency }), r.id]));
}

/** Accounts are created on first use (insert-only too); returns `code|currency` -> id. */
async function ensureAccounts(trx: Transaction<Database>, sellerId: string, postings: readonly Posting[], known?: Map<string, string>): Promise<Map<string, string>> {
  const hasAll = (ids: Map<string, string>) => postings.every((p) => ids.has(accountKey(p)));
  if (known && hasAll(known)) return known;
  const found = await findAccounts(trx, sellerId, postings);
  if (hasAll(found)) return found;
  const wanted = new Map(postings.map((p) => [accountKey(p), p]));
  await trx
    .insertInto('ledger_accounts')
    .values([...wanted.values()].map((p) => ({ id: newId('acct'), seller_id: sellerId, code: p.account, currency: p.currency })))
    .onConflict((oc) => oc.columns(['seller_id', 'code', 'currency']).doNothing())
    .execute();
  return findAccounts(trx, sellerId, postings);
}

/** Recomputes a seller's hash chain; the first broken link, or null when intact. */
export async function verifyJournalChain(db: Kysely<Database>, sellerId: string): Promise<{ seq: number; reason: string } | null> {
  const rows = await db.selectFrom('journal_transactions').selectAll().where('seller_id', '=', sellerId).orderBy('seq').execute();
  const views = await viewTransactions(db, rows);
  let prev = GENESIS_HASH;
  for (const [i, row] of rows.entries()) {
    const v = views[i]!;
    if (row.seq !== i + 1) return { seq: row.seq, reason: 'gap in seq' };
    if (row.prev_hash !== prev) return { seq: row.seq, reason: 'prev_hash does not match' };
    const canonical = canonicalJson({
      id: row.id,
      seller_id: row.seller_id,
      seq: row.seq,
      idempotency_key: row.idempotency_key,
      request_hash: row.request_hash,
      kind: row.kind,
      status: row.status,
      order_id: row.order_id,
      partner_id: row.partner_id,
      reverses_id: row.reverses_id,
      memo: row.memo,
      created_at: row.created_at.toISOString(),
      postings: v.postings,
    });
    if (sha256Hex(prev + canonical) !== row.hash) return { seq: row.seq, reason: 'hash does not match' };
    prev = row.hash;
  }
  return null;
}
