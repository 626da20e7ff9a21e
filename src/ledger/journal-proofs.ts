import type { Kysely } from 'kysely';
import type { AnchorBatchRow, Database } from '../db/database.js';
import { notFound } from '../errors.js';
import { canonicalJson } from '../lib/crypto.js';
import type { ChainView } from './anchorer.js';
import { buildLevels, proofFromLevels } from './merkle.js';
import type { JournalProof } from './proof-format.js';
import { batchProofParts } from './proof-parts.js';

/** The anchoring state a journal transaction view carries: pending until its batch is sent. */
export type JournalAnchorState = { status: 'pending' | 'submitted' | 'final'; batch_id: number | null; tx_hash: string | null };

const BATCH_CACHE = 32;

/** Proofs and anchoring states of compensation journal transactions (the `journal` batch stream). */
export function createJournalProofs(deps: { db: Kysely<Database>; requiredConfirmations: number; chainView: () => ChainView | undefined }) {
  const { db } = deps;
  // Batches are immutable once cut, so their trees can be cached without invalidation.
  const levelsCache = new Map<number, string[][]>();

  async function levelsFor(batch: AnchorBatchRow): Promise<string[][]> {
    const hit = levelsCache.get(batch.id);
    if (hit) return hit;
    const leaves = await db.selectFrom('journal_anchor_leaves').select('leaf_hash').where('batch_id', '=', batch.id).orderBy('position').execute();
    const levels = buildLevels(leaves.map((l) => l.leaf_hash));
    if (levelsCache.size >= BATCH_CACHE) levelsCache.delete(levelsCache.keys().next().value!);
    levelsCache.set(batch.id, levels);
    return levels;
  }

  return {
    /** Anchoring state per transaction id (ids without a batch yet are `pending`). */
    async states(transactionIds: readonly string[]): Promise<Map<string, JournalAnchorState>> {
      const out = new Map<string, JournalAnchorState>(transactionIds.map((id) => [id, { status: 'pending', batch_id: null, tx_hash: null }]));
      if (transactionIds.length === 0) return out;
      const rows = await db
        .selectFrom('journal_anchor_leaves as l')
        .innerJoin('anchor_batches as b', 'b.id', 'l.batch_id')
        .select(['l.transaction_id', 'b.id', 'b.status', 'b.tx_hash'])
        .where('l.transaction_id', 'in', transactionIds)
        .execute();
      for (const r of rows) out.set(r.transaction_id, { status: r.status, batch_id: Number(r.id), tx_hash: r.status === 'pending' ? null : r.tx_hash });
      return out;
    },

    /**
     * The proof of one of the seller's journal transactions, in the milestone proof's shape.
     * @throws AppError NOT_FOUND (also for another seller's transaction)
     */
    async proof(sellerId: string, transactionId: string): Promise<JournalProof> {
      const tx = await db.selectFrom('journal_transactions').selectAll().where('seller_id', '=', sellerId).where('id', '=', transactionId).executeTakeFirst();
      if (!tx) throw notFound('journal transaction');
      const postings = await db
        .selectFrom('journal_postings as p')
        .innerJoin('ledger_accounts as a', 'a.id', 'p.account_id')
        .select(['a.code', 'p.currency', 'p.amount_minor'])
        .where('p.transaction_id', '=', tx.id)
        .orderBy('p.id')
        .execute();
      // Exactly the object journal.ts hashed.
      const transaction = {
        id: tx.id,
        seller_id: tx.seller_id,
        seq: Number(tx.seq),
        idempotency_key: tx.idempotency_key,
        request_hash: tx.request_hash,
        kind: tx.kind,
        status: tx.status,
        order_id: tx.order_id,
        partner_id: tx.partner_id,
        reverses_id: tx.reverses_id,
        memo: tx.memo,
        created_at: tx.created_at.toISOString(),
        postings: postings.map((p) => ({ account: p.code, currency: p.currency, amount_minor: Number(p.amount_minor) })),
      };
      const leaf = await db.selectFrom('journal_anchor_leaves').selectAll().where('transaction_id', '=', tx.id).executeTakeFirst();
      const batch = leaf ? await db.selectFrom('anchor_batches').selectAll().where('id', '=', leaf.batch_id).executeTakeFirstOrThrow() : undefined;
      const index = leaf && batch ? Number(leaf.position) - Number(batch.first_seq) : 0;
      const parts = leaf && batch
        ? batchProofParts(batch, index, proofFromLevels(await levelsFor(batch), index), { view: deps.chainView(), requiredConfirmations: deps.requiredConfirmations })
        : { merkle: null, anchor: null, status: 'recorded' as const };
      return {
        format: 'pledge.journal-proof.v1',
        transaction,
        leaf: { encoding: 'sha256(prev_hash || canonical_json)', prev_hash: tx.prev_hash, canonical: canonicalJson(transaction), hash: tx.hash },
        ...parts,
      };
    },
  };
}
export type JournalProofs = ReturnType<typeof createJournalProofs>;
