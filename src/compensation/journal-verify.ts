import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { GENESIS_HASH } from '../ledger/encoding.js';
import { merkleRoot } from '../ledger/merkle.js';
import type { AnchorChecker } from '../ledger/proof-service.js';
import { verifyJournalChain } from './journal.js';

export type JournalDivergence = {
  kind: 'chain_broken' | 'leaf_mismatch' | 'batch_range_mismatch' | 'batch_prev_root_mismatch' | 'batch_root_mismatch' | 'anchor_not_on_chain';
  message: string;
  sellerId?: string;
  seq?: number;
  batchId?: number;
  transactionId?: string;
};

export type JournalReport = {
  isIntact: boolean;
  sellersChecked: number;
  transactionsChecked: number;
  batchesChecked: number;
  anchorsChecked: number;
  firstDivergence: JournalDivergence | null;
};

/**
 * The compensation journal's counterpart of `verifyLedger`: every seller's hash chain recomputed from
 * its transactions and postings, then every journal batch (leaves = the transactions' chain hashes, in
 * position order) re-rooted, linked to the previous batch, and (with `checkAnchor`) found on chain.
 * Stops at the first divergence.
 */
export async function verifyJournal(db: Kysely<Database>, options: { checkAnchor?: AnchorChecker | null } = {}): Promise<JournalReport> {
  const report: JournalReport = { isIntact: true, sellersChecked: 0, transactionsChecked: 0, batchesChecked: 0, anchorsChecked: 0, firstDivergence: null };
  const fail = (d: JournalDivergence) => Object.assign(report, { isIntact: false, firstDivergence: d });

  const sellers = await db.selectFrom('journal_transactions').select('seller_id').select((eb) => eb.fn.countAll<number>().as('n')).groupBy('seller_id').orderBy('seller_id').execute();
  for (const { seller_id: sellerId, n } of sellers) {
    const broken = await verifyJournalChain(db, sellerId);
    if (broken) return fail({ kind: 'chain_broken', sellerId, seq: broken.seq, message: `seller ${sellerId}'s journal: ${broken.reason} at seq ${broken.seq}` });
    report.sellersChecked++;
    report.transactionsChecked += Number(n);
  }

  const batches = await db.selectFrom('anchor_batches').selectAll().where('stream', '=', 'journal').orderBy('id').execute();
  let prevRoot = GENESIS_HASH;
  let expectedFirst = 1;
  for (const batch of batches) {
    const leaves = await db
      .selectFrom('journal_anchor_leaves as l')
      .innerJoin('journal_transactions as t', 't.id', 'l.transaction_id')
      .select(['l.position', 'l.leaf_hash', 't.hash', 't.id'])
      .where('l.batch_id', '=', batch.id)
      .orderBy('l.position')
      .execute();
    const contiguous = leaves.every((l, i) => Number(l.position) === batch.first_seq + i);
    if (batch.first_seq !== expectedFirst || leaves.length !== batch.count || batch.last_seq !== batch.first_seq + batch.count - 1 || !contiguous) {
      return fail({ kind: 'batch_range_mismatch', batchId: batch.id, message: `journal batch ${batch.id} should cover positions ${expectedFirst}.. with ${batch.count} transactions; it holds ${leaves.length}` });
    }
    // The chain walk above proved each transaction's hash; the leaf must be that hash.
    const stale = leaves.find((l) => l.leaf_hash !== l.hash);
    if (stale) return fail({ kind: 'leaf_mismatch', batchId: batch.id, transactionId: stale.id, message: `journal transaction ${stale.id} no longer hashes to the leaf anchored in batch ${batch.id}` });
    if (batch.prev_root !== prevRoot) return fail({ kind: 'batch_prev_root_mismatch', batchId: batch.id, message: `journal batch ${batch.id} does not link to the previous batch's root` });
    if (merkleRoot(leaves.map((l) => l.leaf_hash)) !== batch.root) return fail({ kind: 'batch_root_mismatch', batchId: batch.id, message: `journal batch ${batch.id}'s root differs from the root of its leaves` });
    report.batchesChecked++;
    if (options.checkAnchor && batch.status !== 'pending' && batch.tx_hash && batch.chain_id !== null && batch.contract_address) {
      const check = await options.checkAnchor({ chainId: batch.chain_id, contract: batch.contract_address, txHash: batch.tx_hash, root: batch.root });
      report.anchorsChecked++;
      if (!check.isAnchored && batch.status === 'final') {
        return fail({ kind: 'anchor_not_on_chain', batchId: batch.id, message: `journal batch ${batch.id} is final but its anchor does not check out: ${check.problems.join('; ')}` });
      }
    }
    prevRoot = batch.root;
    expectedFirst = batch.last_seq + 1;
  }
  return report;
}
