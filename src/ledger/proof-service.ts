import type { Kysely } from 'kysely';
import type { AnchorBatchRow, Database, MilestoneRow } from '../db/database.js';
import type { ChainView } from './anchorer.js';
import { canonicalBytes } from './encoding.js';
import { notFound } from '../errors.js';
import { buildLevels, proofFromLevels } from './merkle.js';
import { toCanonical } from './milestones.js';
import { checkProofLocally, type MilestoneProof } from './proof-format.js';
import { batchProofParts } from './proof-parts.js';

/** The on-chain half of verification, provided by src/chain (the ledger never talks to a node itself). */
export type AnchorChecker = (claim: { chainId: number; contract: string; txHash: string; root: string }) => Promise<{ isAnchored: boolean; confirmations: number | null; problems: string[] }>;

export type TrackedMilestone = {
  proof: MilestoneProof;
  /** verified: leaf, path and on-chain anchor all check out; pending: not anchored yet; failed: a check failed; unavailable: the chain could not be asked. */
  verdict: 'verified' | 'pending' | 'failed' | 'unavailable';
  detail: string;
};

export type LedgerServiceDeps = {
  db: Kysely<Database>;
  requiredConfirmations: number;
  chainView: () => ChainView | undefined;
  checkAnchor: AnchorChecker | null;
  /** The voucher's order when the code is genuine (signature valid), else null. */
  voucherOrder: (code: string) => Promise<{ orderId: string; sellerId: string } | null>;
  /** Bounds the on-chain check on the public page. */
  chainCheckTimeoutMs?: number;
  now: () => Date;
};

const BATCH_CACHE = 32;
const CHECK_TTL_FINAL_MS = 10 * 60_000;
const CHECK_TTL_OTHER_MS = 15_000;

export function createLedgerService(deps: LedgerServiceDeps) {
  const { db } = deps;
  // Batches are immutable once cut, so their trees can be cached without invalidation.
  const levelsCache = new Map<number, string[][]>();
  const checkCache = new Map<string, { at: number; result: Awaited<ReturnType<AnchorChecker>> }>();

  async function levelsFor(batch: AnchorBatchRow): Promise<string[][]> {
    const hit = levelsCache.get(batch.id);
    if (hit) return hit;
    const leaves = await db.selectFrom('milestones').select('leaf_hash').where('seq', '>=', batch.first_seq).where('seq', '<=', batch.last_seq).orderBy('seq').execute();
    const levels = buildLevels(leaves.map((l) => l.leaf_hash));
    if (levelsCache.size >= BATCH_CACHE) levelsCache.delete(levelsCache.keys().next().value!);
    levelsCache.set(batch.id, levels);
    return levels;
  }

  async function batchOf(seq: number): Promise<AnchorBatchRow | undefined> {
    const batch = await db.selectFrom('anchor_batches').selectAll().where('stream', '=', 'milestones').where('first_seq', '<=', seq).orderBy('first_seq', 'desc').limit(1).executeTakeFirst();
    return batch && batch.last_seq >= seq ? batch : undefined;
  }

  async function buildProof(row: MilestoneRow): Promise<MilestoneProof> {
    const canonical = toCanonical(row);
    const batch = await batchOf(row.seq);
    const parts = batch
      ? batchProofParts(batch, row.seq - batch.first_seq, proofFromLevels(await levelsFor(batch), row.seq - batch.first_seq), { view: deps.chainView(), requiredConfirmations: deps.requiredConfirmations })
      : { merkle: null, anchor: null, status: 'recorded' as const };
    return {
      format: 'pledge.milestone-proof.v1',
      milestone: canonical,
      leaf: { encoding: 'sha256(0x00 || salt || canonical_json)', salt: row.salt, canonical: canonicalBytes(canonical).toString('utf8'), hash: row.leaf_hash },
      ...parts,
    };
  }

  async function checkOnChain(proof: MilestoneProof): Promise<Pick<TrackedMilestone, 'verdict' | 'detail'>> {
    const local = checkProofLocally(proof);
    if (!local.isLeafValid || local.isPathValid === false) return { verdict: 'failed', detail: local.problems.join('; ') };
    if (!proof.merkle || !proof.anchor) return { verdict: 'pending', detail: proof.merkle ? 'in a batch waiting to be anchored' : 'recorded; waiting for the next batch' };
    if (!deps.checkAnchor) return { verdict: 'unavailable', detail: 'no chain configured to check against' };
    const claim = { chainId: proof.anchor.chain_id, contract: proof.anchor.contract, txHash: proof.anchor.tx_hash, root: proof.merkle.root };
    const key = `${claim.chainId}:${claim.txHash}:${claim.root}`;
    const cached = checkCache.get(key);
    const nowMs = deps.now().getTime();
    let result = cached && nowMs - cached.at < (cached.result.isAnchored && proof.anchor.status === 'final' ? CHECK_TTL_FINAL_MS : CHECK_TTL_OTHER_MS) ? cached.result : undefined;
    if (!result) {
      try {
        const timeoutMs = deps.chainCheckTimeoutMs ?? 3000;
        let timer: NodeJS.Timeout | undefined;
        result = await Promise.race([
          deps.checkAnchor(claim),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
        ]).finally(() => clearTimeout(timer));
        if (checkCache.size > 1000) checkCache.clear();
        checkCache.set(key, { at: nowMs, result });
      } catch (err) {
        return { verdict: 'unavailable', detail: `the chain could not be reached (${(err as Error).message})` };
      }
    }
    if (!result.isAnchored) return { verdict: proof.anchor.status === 'final' ? 'failed' : 'pending', detail: result.problems.join('; ') };
    return { verdict: 'verified', detail: `anchored with ${result.confirmations ?? '?'} confirmation(s)` };
  }

  return {
    /**
     * The proof of one of the seller's milestones.
     * @throws AppError NOT_FOUND (also for another seller's milestone)
     */
    async proof(sellerId: string, milestoneId: string): Promise<MilestoneProof> {
      const row = await db.selectFrom('milestones').selectAll().where('id', '=', milestoneId).where('seller_id', '=', sellerId).executeTakeFirst();
      if (!row) throw notFound('milestone');
      return buildProof(row);
    },

    /** What the public tracking page shows for a voucher code; null when the code is unknown or forged. */
    async track(voucherCode: string): Promise<{ orderId: string; milestones: TrackedMilestone[] } | null> {
      const order = await deps.voucherOrder(voucherCode);
      if (!order) return null;
      const rows = await db.selectFrom('milestones').selectAll().where('seller_id', '=', order.sellerId).where('order_id', '=', order.orderId).orderBy('seq').execute();
      const milestones: TrackedMilestone[] = [];
      for (const row of rows) {
        const proof = await buildProof(row);
        milestones.push({ proof, ...(await checkOnChain(proof)) });
      }
      return { orderId: order.orderId, milestones };
    },

    /** One milestone's proof for the holder of its order's voucher code. @throws AppError NOT_FOUND */
    async trackedProof(voucherCode: string, milestoneId: string): Promise<MilestoneProof> {
      const order = await deps.voucherOrder(voucherCode);
      const row = order
        ? await db.selectFrom('milestones').selectAll().where('id', '=', milestoneId).where('seller_id', '=', order.sellerId).where('order_id', '=', order.orderId).executeTakeFirst()
        : undefined;
      if (!row) throw notFound('milestone');
      return buildProof(row);
    },
  };
}
export type LedgerService = ReturnType<typeof createLedgerService>;
