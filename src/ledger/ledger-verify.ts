import type { Kysely } from 'kysely';
import type { AnchorBatchRow, Database } from '../db/database.js';
import { canonicalBytes, chainHash, GENESIS_HASH, leafHash } from './encoding.js';
import { merkleRoot } from './merkle.js';
import { toCanonical } from './milestones.js';
import type { AnchorChecker } from './proof-service.js';

export type DivergenceKind =
  | 'seq_gap'
  | 'prev_hash_mismatch'
  | 'hash_mismatch'
  | 'leaf_mismatch'
  | 'batch_range_mismatch'
  | 'batch_prev_root_mismatch'
  | 'batch_root_mismatch'
  | 'anchor_not_on_chain';

export type Divergence = {
  kind: DivergenceKind;
  message: string;
  seq?: number;
  milestoneId?: string;
  batchId?: number;
  expected?: string;
  actual?: string;
};

export type LedgerReport = {
  isIntact: boolean;
  milestonesChecked: number;
  batchesChecked: number;
  anchorsChecked: number;
  /** False when anchored batches could not be compared with the chain (no RPC). */
  isChainChecked: boolean;
  firstDivergence: Divergence | null;
};

/**
 * Walks the whole hash chain in seq order, recomputing every record's leaf and hash from its fields,
 * then every batch's root from the recomputed leaves, and (with `checkAnchor`) every anchored root on
 * chain. Stops at the first divergence. Reads in pages; holds at most one batch of leaves.
 */
export async function verifyLedger(db: Kysely<Database>, options: { checkAnchor?: AnchorChecker | null; pageSize?: number } = {}): Promise<LedgerReport> {
  const pageSize = options.pageSize ?? 1000;
  const batches = await db.selectFrom('anchor_batches').selectAll().where('stream', '=', 'milestones').orderBy('id').execute();
  const report: LedgerReport = { isIntact: true, milestonesChecked: 0, batchesChecked: 0, anchorsChecked: 0, isChainChecked: !!options.checkAnchor, firstDivergence: null };
  const fail = (d: Divergence) => {
    report.isIntact = false;
    report.firstDivergence = d;
    return report;
  };

  let batchIndex = 0;
  let prevBatch: AnchorBatchRow | undefined;
  let leaves: string[] = [];
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;

  async function closeBatch(batch: AnchorBatchRow): Promise<Divergence | null> {
    const expectedFirst = (prevBatch?.last_seq ?? 0) + 1;
    if (batch.first_seq !== expectedFirst || batch.count !== batch.last_seq - batch.first_seq + 1 || leaves.length !== batch.count)
      return { kind: 'batch_range_mismatch', batchId: batch.id, message: `batch ${batch.id} should start at seq ${expectedFirst} and hold ${leaves.length} milestones`, expected: String(expectedFirst), actual: `${batch.first_seq}..${batch.last_seq}` };
    const expectedPrev = prevBatch?.root ?? GENESIS_HASH;
    if (batch.prev_root !== expectedPrev) return { kind: 'batch_prev_root_mismatch', batchId: batch.id, message: `batch ${batch.id} does not link to the previous batch's root`, expected: expectedPrev, actual: batch.prev_root };
    const root = merkleRoot(leaves);
    if (root !== batch.root) return { kind: 'batch_root_mismatch', batchId: batch.id, message: `batch ${batch.id}'s root differs from the root of its milestones`, expected: root, actual: batch.root };
    report.batchesChecked++;
    if (options.checkAnchor && batch.status !== 'pending' && batch.tx_hash && batch.chain_id !== null && batch.contract_address) {
      const check = await options.checkAnchor({ chainId: batch.chain_id, contract: batch.contract_address, txHash: batch.tx_hash, root: batch.root });
      report.anchorsChecked++;
      if (!check.isAnchored && batch.status === 'final')
        return { kind: 'anchor_not_on_chain', batchId: batch.id, message: `batch ${batch.id} is final but its anchor does not check out: ${check.problems.join('; ')}`, expected: batch.root, actual: batch.tx_hash };
    }
    prevBatch = batch;
    leaves = [];
    batchIndex++;
    return null;
  }

  let after = 0;
  for (;;) {
    const rows = await db.selectFrom('milestones').selectAll().where('seq', '>', after).orderBy('seq').limit(pageSize).execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      const at = { seq: row.seq, milestoneId: row.id };
      if (row.seq !== expectedSeq) return fail({ kind: 'seq_gap', ...at, message: `expected seq ${expectedSeq}, found ${row.seq}`, expected: String(expectedSeq), actual: String(row.seq) });
      if (row.prev_hash !== prevHash) return fail({ kind: 'prev_hash_mismatch', ...at, message: `seq ${row.seq} does not point at the previous record's hash`, expected: prevHash, actual: row.prev_hash });
      const canonical = canonicalBytes(toCanonical(row));
      const hash = chainHash(row.prev_hash, row.salt, canonical);
      if (hash !== row.hash) return fail({ kind: 'hash_mismatch', ...at, message: `seq ${row.seq}'s contents do not match its hash (edited after it was written)`, expected: hash, actual: row.hash });
      const leaf = leafHash(row.salt, canonical);
      if (leaf !== row.leaf_hash) return fail({ kind: 'leaf_mismatch', ...at, message: `seq ${row.seq}'s stored leaf differs from its contents`, expected: leaf, actual: row.leaf_hash });
      report.milestonesChecked++;
      prevHash = row.hash;
      expectedSeq++;
      const batch = batches[batchIndex];
      if (batch && row.seq >= batch.first_seq) {
        leaves.push(leaf);
        if (row.seq === batch.last_seq) {
          const d = await closeBatch(batch);
          if (d) return fail(d);
        }
      }
    }
    after = rows.at(-1)!.seq;
  }
  const open = batches[batchIndex];
  if (open) return fail({ kind: 'batch_range_mismatch', batchId: open.id, message: `batch ${open.id} covers seq ${open.first_seq}..${open.last_seq}, beyond the last milestone`, expected: String(expectedSeq - 1), actual: String(open.last_seq) });
  return report;
}
