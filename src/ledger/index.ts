import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import type { PledgeMetrics } from '../lib/metrics.js';
import type { AnchorPort } from './anchor-port.js';
import { createAnchorer, type LedgerLog } from './anchorer.js';
import { createJournalProofs } from './journal-proofs.js';
import { type AnchorChecker, createLedgerService } from './proof-service.js';

/** What the runtime hands the ledger: a chain (or none) and the batching settings. */
export type LedgerDeps = {
  chain: {
    port(): Promise<AnchorPort | null>;
    checkAnchor: AnchorChecker;
    noteFailure(err: unknown): void;
    noteSuccess(): void;
    useLog?(log: LedgerLog): void;
  } | null;
  /** null: the anchoring loop is not started (tests call `anchorer.tick()`). */
  anchorIntervalMs: number | null;
  batchSize: number;
  batchMaxAgeMs: number;
  confirmations: number;
  contractAddress?: string;
  stuckAfterMs?: number;
};

export const DEFAULT_LEDGER: LedgerDeps = { chain: null, anchorIntervalMs: null, batchSize: 1000, batchMaxAgeMs: 30_000, confirmations: 1 };

/** The milestone ledger's services: proofs and the public tracking view, and the background anchorer. */
export function createLedger(deps: {
  db: Kysely<Database>;
  clock: Clock;
  log: LedgerLog;
  metrics: Pick<PledgeMetrics, 'anchorEvents' | 'anchorChainUp'>;
  settings: LedgerDeps | undefined;
  /** The app's voucher check: the order of a genuine voucher code. */
  checkVoucher: (code: string) => Promise<{ order_id: string; status: 'valid' | 'expired' | 'invalid' } | null>;
}) {
  const settings = deps.settings ?? DEFAULT_LEDGER;
  const chain = settings.chain;
  chain?.useLog?.(deps.log);
  const anchorer = createAnchorer({
    db: deps.db,
    chain: async () => (chain ? chain.port() : null),
    clock: deps.clock,
    log: deps.log,
    batchSize: settings.batchSize,
    batchMaxAgeMs: settings.batchMaxAgeMs,
    confirmations: settings.confirmations,
    ...(settings.contractAddress ? { contractAddress: settings.contractAddress } : {}),
    ...(settings.stuckAfterMs !== undefined ? { stuckAfterMs: settings.stuckAfterMs } : {}),
    onEvent: (event) => deps.metrics.anchorEvents.inc({ event }),
    onChainState: (ok, err) => {
      deps.metrics.anchorChainUp.set({}, ok ? 1 : 0);
      if (ok) chain?.noteSuccess();
      else chain?.noteFailure(err);
    },
  });
  const proofs = createLedgerService({
    db: deps.db,
    requiredConfirmations: settings.confirmations,
    chainView: anchorer.chainView,
    checkAnchor: chain ? chain.checkAnchor : null,
    now: () => deps.clock.now(),
    async voucherOrder(code) {
      const voucher = await deps.checkVoucher(code);
      if (!voucher || voucher.status === 'invalid') return null;
      const row = await deps.db.selectFrom('vouchers').select(['seller_id', 'order_id']).where('code', '=', code).executeTakeFirst();
      return row && row.order_id === voucher.order_id ? { orderId: row.order_id, sellerId: row.seller_id } : null;
    },
  });
  const journal = createJournalProofs({ db: deps.db, requiredConfirmations: settings.confirmations, chainView: anchorer.chainView });
  return { proofs, journal, anchorer, intervalMs: settings.anchorIntervalMs };
}
export type Ledger = ReturnType<typeof createLedger>;
