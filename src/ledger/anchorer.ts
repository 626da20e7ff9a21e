import { randomBytes } from 'node:crypto';
import { type Kysely, type Selectable, sql, type Transaction, type Updateable } from 'kysely';
import type { AnchorBatchesTable, AnchorBatchRow, AnchorSubmissionsTable, Database } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import type { AnchorPort, TxFees } from './anchor-port.js';
import { GENESIS_HASH } from './encoding.js';
import { merkleRoot } from './merkle.js';

export type LedgerLog = { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };

export type AnchorEvent = 'cut' | 'submitted' | 'replaced' | 'rebroadcast' | 'reorged' | 'final' | 'adopted' | 'requeued' | 'chain_error';

export type AnchorerOptions = {
  db: Kysely<Database>;
  /** Resolves null while no chain is reachable (or anchoring is off): batches are still cut and queue. */
  chain: () => Promise<AnchorPort | null>;
  clock: Clock;
  log: LedgerLog;
  /** Cut a batch at this many milestones... */
  batchSize: number;
  /** ...or when its oldest milestone has waited this long, whichever comes first. */
  batchMaxAgeMs: number;
  /** Blocks (the anchoring one included) before an anchor is final. */
  confirmations: number;
  /** A transaction still unmined after this long is replaced (same nonce, higher fees). */
  stuckAfterMs?: number;
  /** Use this deployed contract instead of deploying (and recording) our own. */
  contractAddress?: string;
  maxSubmitsPerTick?: number;
  onEvent?: (event: AnchorEvent, batchId?: number) => void;
  onChainState?: (ok: boolean, err?: unknown) => void;
};

export type TickReport = { cut: number; submitted: number; finalized: number; chain: 'ok' | 'unavailable' | 'error'; skipped?: 'not_leader' };

export type ChainView = { chainId: number; contract: string; headBlock: number; seenAt: Date };

const CUT_LOCK = 0x504c_4447_0002; // "PLDG" 2
/**
 * Journal transactions are enlisted within batchMaxAgeMs of their creation (30 s by default), so a tick
 * only looks this far back; a sweep of the whole journal runs on the first tick and then every
 * JOURNAL_SWEEP_EVERY_MS, for anything the window could miss (an anchorer that was down, a transaction
 * that committed long after its timestamp). Without the window every tick scanned the whole journal.
 */
const JOURNAL_RECENT_WINDOW_MS = 60 * 60_000;
const JOURNAL_SWEEP_EVERY_MS = 10 * 60_000;

const maxBatchId = async (trx: Transaction<Database>) =>
  Number((await trx.selectFrom('anchor_batches').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0);
const LEASE = 'anchorer';
const FEE_BUMP_NUM = 5n; // replacements pay 25% more (nodes require at least 10%)
const FEE_BUMP_DEN = 4n;

const bump = (old: bigint, current: bigint) => {
  const bumped = (old * FEE_BUMP_NUM + FEE_BUMP_DEN - 1n) / FEE_BUMP_DEN;
  return bumped > current ? bumped : current;
};

/**
 * The background worker that turns milestones into anchored Merkle batches. Each tick:
 * cut batches (database only, so it works with the chain down), then settle submitted batches
 * (receipts, confirmations, replacements, reorgs), then submit pending ones in order.
 * It never runs inside a request and never holds a database transaction across a chain call.
 */
export function createAnchorer(options: AnchorerOptions) {
  const { db, clock, log } = options;
  const holder = `anchorer-${randomBytes(6).toString('hex')}`;
  const stuckAfterMs = options.stuckAfterMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<TickReport> | undefined;
  let contract: { chainId: number; address: string } | undefined;
  let view: ChainView | undefined;
  const emit = (event: AnchorEvent, batchId?: number) => options.onEvent?.(event, batchId);
  let lastJournalSweepMs = Number.NEGATIVE_INFINITY;

  async function takeLease(ttlMs: number): Promise<boolean> {
    const row = await sql<{ holder: string }>`
      insert into ledger_leases (name, holder, locked_until) values (${LEASE}, ${holder}, now() + ${`${ttlMs} milliseconds`}::interval)
      on conflict (name) do update set holder = excluded.holder, locked_until = excluded.locked_until
      where ledger_leases.holder = excluded.holder or ledger_leases.locked_until < now()
      returning holder`.execute(db);
    return row.rows.length === 1;
  }

  /** Cuts every batch that is full or old enough (all of them with flush). Immutable once inserted. */
  async function cutBatches(flush: boolean): Promise<number> {
    return db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${CUT_LOCK}::bigint)`.execute(trx);
      let last = await trx.selectFrom('anchor_batches').select(['id', 'last_seq', 'root']).where('stream', '=', 'milestones').orderBy('id', 'desc').limit(1).executeTakeFirst();
      // Ids are shared with the journal stream (one submission order, one nonce sequence).
      let lastId = await maxBatchId(trx);
      let cut = 0;
      for (;;) {
        const firstSeq = (last?.last_seq ?? 0) + 1;
        const rows = await trx
          .selectFrom('milestones')
          .select(['seq', 'leaf_hash', 'recorded_at'])
          .where('seq', '>=', firstSeq)
          .orderBy('seq')
          .limit(options.batchSize)
          .execute();
        if (rows.length === 0) break;
        const isFull = rows.length === options.batchSize;
        const isOld = clock.now().getTime() - rows[0]!.recorded_at.getTime() >= options.batchMaxAgeMs;
        if (!isFull && !isOld && !flush) break;
        const batch = {
          id: ++lastId,
          first_seq: firstSeq,
          last_seq: rows.at(-1)!.seq,
          count: rows.length,
          root: merkleRoot(rows.map((r) => r.leaf_hash)),
          prev_root: last?.root ?? GENESIS_HASH,
        };
        await trx.insertInto('anchor_batches').values(batch).execute();
        emit('cut', batch.id);
        cut++;
        last = batch;
      }
      return cut + (await cutJournal(trx, flush, lastId));
    });
  }

  /**
   * The journal stream: transactions not yet enlisted, oldest first, get the next positions and form a
   * batch whose leaves are their chain hashes, under the same rules (full, old enough, or flush).
   */
  async function cutJournal(trx: Transaction<Database>, flush: boolean, lastId: number): Promise<number> {
    let last = await trx.selectFrom('anchor_batches').select(['last_seq', 'root']).where('stream', '=', 'journal').orderBy('id', 'desc').limit(1).executeTakeFirst();
    let cut = 0;
    const nowMs = clock.now().getTime();
    const isSweep = flush || nowMs - lastJournalSweepMs >= JOURNAL_SWEEP_EVERY_MS;
    for (;;) {
      let query = trx
        .selectFrom('journal_transactions as t')
        .select(['t.id', 't.hash', 't.created_at'])
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('journal_anchor_leaves as l').select('l.position').whereRef('l.transaction_id', '=', 't.id'))));
      if (!isSweep) query = query.where('t.created_at', '>=', new Date(nowMs - JOURNAL_RECENT_WINDOW_MS));
      const rows = await query.orderBy('t.created_at').orderBy('t.id').limit(options.batchSize).execute();
      if (rows.length === 0) break;
      const isFull = rows.length === options.batchSize;
      const isOld = clock.now().getTime() - rows[0]!.created_at.getTime() >= options.batchMaxAgeMs;
      if (!isFull && !isOld && !flush) break;
      const firstSeq = (last?.last_seq ?? 0) + 1;
      const batch = {
        id: ++lastId,
        stream: 'journal' as const,
        first_seq: firstSeq,
        last_seq: firstSeq + rows.length - 1,
        count: rows.length,
        root: merkleRoot(rows.map((r) => r.hash)),
        prev_root: last?.root ?? GENESIS_HASH,
      };
      await trx.insertInto('anchor_batches').values(batch).execute();
      await trx
        .insertInto('journal_anchor_leaves')
        .values(rows.map((r, i) => ({ position: firstSeq + i, transaction_id: r.id, leaf_hash: r.hash, batch_id: batch.id })))
        .execute();
      emit('cut', batch.id);
      cut++;
      last = batch;
    }
    if (isSweep) lastJournalSweepMs = nowMs;
    return cut;
  }

  async function ensureContract(port: AnchorPort): Promise<string> {
    if (contract?.chainId === port.chainId) return contract.address;
    if (options.contractAddress) {
      if (!(await port.hasCode(options.contractAddress))) throw new Error(`no contract code at CHAIN_CONTRACT_ADDRESS ${options.contractAddress}`);
      contract = { chainId: port.chainId, address: options.contractAddress };
      return contract.address;
    }
    const known = await db.selectFrom('anchor_contracts').select(['address']).where('chain_id', '=', port.chainId).orderBy('created_at', 'desc').executeTakeFirst();
    if (known && (await port.hasCode(known.address))) {
      contract = { chainId: port.chainId, address: known.address };
      return known.address;
    }
    if (known) log.warn({ chainId: port.chainId, address: known.address }, 'anchor: the recorded Anchor contract is gone from this chain (fresh node?); deploying a new one');
    const deployed = await port.deployContract();
    await db.insertInto('anchor_contracts').values({ chain_id: port.chainId, address: deployed.address, deploy_tx_hash: deployed.txHash }).execute();
    log.info({ chainId: port.chainId, address: deployed.address, txHash: deployed.txHash }, 'anchor: Anchor contract deployed');
    contract = { chainId: port.chainId, address: deployed.address };
    return deployed.address;
  }

  const updateBatch = (id: number, values: Updateable<AnchorBatchesTable>) => db.updateTable('anchor_batches').set(values).where('id', '=', id).execute();

  async function requeue(batch: AnchorBatchRow, reason: string) {
    await updateBatch(batch.id, { status: 'pending', tx_hash: null, nonce: null, block_number: null, block_hash: null, block_time: null, last_error: reason });
    emit('requeued', batch.id);
    log.warn({ batchId: batch.id, reason }, 'anchor: batch queued to be anchored again');
  }

  /** Follows every submitted batch to finality, replacing stuck transactions and re-anchoring after reorgs. */
  async function settle(port: AnchorPort, head: number): Promise<number> {
    let finalized = 0;
    const batches = await db.selectFrom('anchor_batches').selectAll().where('status', '=', 'submitted').orderBy('id').execute();
    for (const batch of batches) {
      const subs = await db.selectFrom('anchor_submissions').selectAll().where('batch_id', '=', batch.id).orderBy('created_at', 'desc').execute();
      const hashes = [...new Set([batch.tx_hash, ...subs.map((s) => s.tx_hash)].filter((h): h is string => !!h))];
      const contractOf = batch.contract_address ?? subs[0]?.contract_address;
      if (!contractOf) {
        await requeue(batch, 'no contract recorded');
        continue;
      }
      let mined = null;
      for (const hash of hashes) {
        mined = await port.minedTx(hash, contractOf);
        if (mined) break;
      }
      if (mined) {
        if (mined.status !== 1 || mined.anchoredRoot !== batch.root) {
          // Reverted: most likely AlreadyAnchored, i.e. another of our transactions anchored this root.
          const found = await port.findAnchored(contractOf, batch.root);
          if (found) {
            await updateBatch(batch.id, { tx_hash: found.txHash, block_number: found.blockNumber, block_hash: found.blockHash, block_time: await port.blockTime(found.blockNumber) });
            emit('adopted', batch.id);
          } else await requeue(batch, `transaction ${mined.txHash} reverted`);
          continue;
        }
        const confirmations = head - mined.blockNumber + 1;
        const isNewBlock = mined.blockHash !== batch.block_hash;
        const isFinal = confirmations >= options.confirmations;
        if (isNewBlock || isFinal) {
          await updateBatch(batch.id, {
            tx_hash: mined.txHash,
            block_number: mined.blockNumber,
            block_hash: mined.blockHash,
            ...(isNewBlock || !batch.block_time ? { block_time: await port.blockTime(mined.blockNumber) } : {}),
            ...(isFinal ? { status: 'final' as const, finalized_at: clock.now(), last_error: null } : {}),
          });
        }
        if (isFinal) {
          finalized++;
          emit('final', batch.id);
        }
        continue;
      }
      if (batch.block_number !== null) {
        log.warn({ batchId: batch.id, block: batch.block_number, txHash: batch.tx_hash }, 'anchor: the anchoring block left the canonical chain (reorg)');
        await updateBatch(batch.id, { block_number: null, block_hash: null, block_time: null });
        emit('reorged', batch.id);
      }
      let isKnown = false;
      for (const hash of hashes) if ((isKnown = await port.isKnown(hash))) break;
      const latest = subs[0];
      if (isKnown) {
        if (latest && clock.now().getTime() - latest.created_at.getTime() >= stuckAfterMs) await replace(port, batch, latest);
        continue;
      }
      // Unknown to the node: never broadcast (an outage), dropped from the mempool, or reorged out.
      if (latest && (await port.nonce('latest')) <= latest.nonce) {
        // The nonce is still free, so sending the same bytes again cannot anchor the root twice.
        await port.broadcast(latest.raw_tx);
        await db.updateTable('anchor_batches').set({ attempts: sql`attempts + 1` }).where('id', '=', batch.id).execute();
        emit('rebroadcast', batch.id);
        log.info({ batchId: batch.id, txHash: latest.tx_hash, nonce: latest.nonce }, 'anchor: transaction sent again');
      } else {
        await requeue(batch, 'transaction dropped and its nonce used by another');
      }
    }
    return finalized;
  }

  async function replace(port: AnchorPort, batch: AnchorBatchRow, latest: Selectable<AnchorSubmissionsTable>) {
    const current = await port.fees();
    const fees: TxFees =
      'gasPrice' in current
        ? { gasPrice: bump(BigInt(latest.max_fee_per_gas), current.gasPrice) }
        : { maxFeePerGas: bump(BigInt(latest.max_fee_per_gas), current.maxFeePerGas), maxPriorityFeePerGas: bump(BigInt(latest.max_priority_fee_per_gas), current.maxPriorityFeePerGas) };
    const call = { contract: latest.contract_address, root: batch.root, count: batch.count, prevRoot: batch.prev_root };
    const signed = await port.signAnchor(call, { nonce: latest.nonce, gasLimit: BigInt(latest.gas_limit), fees });
    await record(batch.id, port, call.contract, signed, latest.nonce, BigInt(latest.gas_limit), fees);
    await port.broadcast(signed.raw);
    emit('replaced', batch.id);
    log.warn({ batchId: batch.id, oldTx: latest.tx_hash, newTx: signed.hash, nonce: latest.nonce }, 'anchor: stuck transaction replaced with higher fees');
  }

  async function record(batchId: number, port: AnchorPort, contractAddress: string, signed: { raw: string; hash: string }, nonce: number, gasLimit: bigint, fees: TxFees) {
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('anchor_submissions')
        .values({
          tx_hash: signed.hash,
          batch_id: batchId,
          chain_id: port.chainId,
          contract_address: contractAddress,
          nonce,
          max_fee_per_gas: String('gasPrice' in fees ? fees.gasPrice : fees.maxFeePerGas),
          max_priority_fee_per_gas: String('gasPrice' in fees ? fees.gasPrice : fees.maxPriorityFeePerGas),
          gas_limit: String(gasLimit),
          raw_tx: signed.raw,
          created_at: clock.now(),
        })
        .execute();
      await trx
        .updateTable('anchor_batches')
        .set({
          status: 'submitted',
          tx_hash: signed.hash,
          nonce,
          chain_id: port.chainId,
          contract_address: contractAddress,
          submitted_at: clock.now(),
          attempts: sql`attempts + 1`,
          last_error: null,
        })
        .where('id', '=', batchId)
        .execute();
    });
  }

  /** Signs, records, then broadcasts, in batch order: a crash after signing resends the same bytes. */
  async function submitPending(port: AnchorPort, contractAddress: string): Promise<number> {
    const pending = await db.selectFrom('anchor_batches').selectAll().where('status', '=', 'pending').orderBy('id').limit(options.maxSubmitsPerTick ?? 16).execute();
    if (pending.length === 0) return 0;
    const outstanding = await db
      .selectFrom('anchor_batches')
      .select((eb) => eb.fn.max('nonce').as('nonce'))
      .where('status', '=', 'submitted')
      .where('chain_id', '=', port.chainId)
      .executeTakeFirst();
    let nonce = Math.max(await port.nonce('pending'), outstanding?.nonce === null || outstanding?.nonce === undefined ? 0 : Number(outstanding.nonce) + 1);
    const fees = await port.fees();
    let submitted = 0;
    for (const batch of pending) {
      const call = { contract: contractAddress, root: batch.root, count: batch.count, prevRoot: batch.prev_root };
      const estimate = await port.estimateAnchorGas(call);
      if ('alreadyAnchored' in estimate) {
        const found = await port.findAnchored(contractAddress, batch.root);
        if (!found) throw new Error(`the contract says root ${batch.root} is anchored but no event was found`);
        await updateBatch(batch.id, { status: 'submitted', tx_hash: found.txHash, chain_id: port.chainId, contract_address: contractAddress, submitted_at: clock.now(), last_error: null });
        emit('adopted', batch.id);
        continue;
      }
      // Headroom over the node's estimate; never a hard-coded gas figure.
      const gasLimit = (estimate.gas * 6n) / 5n + 1n;
      const signed = await port.signAnchor(call, { nonce, gasLimit, fees });
      await record(batch.id, port, contractAddress, signed, nonce, gasLimit, fees);
      nonce++;
      submitted++;
      emit('submitted', batch.id);
      try {
        await port.broadcast(signed.raw);
      } catch (err) {
        // Recorded already: the next tick sends the same bytes again (or requeues if the nonce went elsewhere).
        log.warn({ batchId: batch.id, txHash: signed.hash, err: (err as Error).message }, 'anchor: broadcast failed; will retry');
        break;
      }
    }
    return submitted;
  }

  async function runTick(flush: boolean, leaseTtlMs: number): Promise<TickReport> {
    if (!(await takeLease(leaseTtlMs))) return { cut: 0, submitted: 0, finalized: 0, chain: 'unavailable', skipped: 'not_leader' };
    const cut = await cutBatches(flush);
    let port: AnchorPort | null = null;
    try {
      port = await options.chain();
    } catch (err) {
      options.onChainState?.(false, err);
      return { cut, submitted: 0, finalized: 0, chain: 'error' };
    }
    if (!port) return { cut, submitted: 0, finalized: 0, chain: 'unavailable' };
    try {
      const address = await ensureContract(port);
      const head = await port.headBlock();
      view = { chainId: port.chainId, contract: address, headBlock: head, seenAt: clock.now() };
      const finalized = await settle(port, head);
      const submitted = await submitPending(port, address);
      options.onChainState?.(true);
      return { cut, submitted, finalized, chain: 'ok' };
    } catch (err) {
      emit('chain_error');
      options.onChainState?.(false, err);
      return { cut, submitted: 0, finalized: 0, chain: 'error' };
    }
  }

  return {
    /** One pass; concurrent calls share the pass in flight. `flush` cuts a batch of whatever is waiting. */
    tick(tickOptions: { flush?: boolean; leaseTtlMs?: number } = {}): Promise<TickReport> {
      inFlight ??= runTick(tickOptions.flush ?? false, tickOptions.leaseTtlMs ?? 60_000).finally(() => (inFlight = undefined));
      return inFlight;
    },
    start(intervalMs: number) {
      if (timer) return;
      timer = setInterval(() => {
        this.tick({ leaseTtlMs: Math.max(30_000, intervalMs * 5) }).catch((err) => log.error({ err }, 'anchor: tick failed'));
      }, intervalMs);
      timer.unref();
      void this.tick({ leaseTtlMs: Math.max(30_000, intervalMs * 5) }).catch((err) => log.error({ err }, 'anchor: tick failed'));
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await inFlight?.catch(() => {});
      await db.updateTable('ledger_leases').set({ locked_until: new Date(0) }).where('name', '=', LEASE).where('holder', '=', holder).execute().catch(() => {});
    },
    /** The last chain state this worker saw (for confirmations shown in proofs, without an RPC call per request). */
    chainView: (): ChainView | undefined => view,
  };
}
export type Anchorer = ReturnType<typeof createAnchorer>;
