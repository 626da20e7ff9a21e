import { randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { notFound } from '../errors.js';
import { newId } from '../lib/ids.js';
import { claimDueSagas, createRepairSagaStore } from './saga/repair-store.js';
import { REPAIR_STEP_NAMES, repairSteps, type RepairStepDeps } from './saga/repair-steps.js';
import { runSaga } from './saga/runner.js';
import { createPollingLoop } from '../lib/polling-loop.js';

/** How long one worker owns a saga; another instance takes it over after this (a crash mid-step). */
const LEASE_MS = 60_000;
/** Transient failures of one step (partner outage) before the saga gives up and the breach is compensated. */
const MAX_ATTEMPTS = 12;

export type RepairSagaDeps = RepairStepDeps & {
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  leaseMs?: number;
  /** Test seams: throw to simulate a crash after a step is recorded, or between a step's calls and its record. */
  faults?: { afterStep?: (step: string) => void; beforeStepCommit?: (step: string) => void };
};

/**
 * The repair saga (issue #6): a failing shipment that still has time is re-quoted without its
 * supplier, the first instruction is cancelled, the new route reserved and sent, and the breach closes
 * as `repaired`; any failure after the cancel compensates backwards and ends the breach `repair_failed`
 * for the breach processor to compensate. Invariant: never two live instructions for one shipment.
 */
export function createRepairSagas(deps: RepairSagaDeps) {
  const { db, clock } = deps;
  const store = createRepairSagaStore(db, () => clock.now());
  const leaseMs = deps.leaseMs ?? LEASE_MS;

  async function settleBreach(trx: Transaction<Database>, breachId: string, status: 'repaired' | 'repair_failed') {
    // Only a breach we are repairing: the processor owns every other transition.
    await trx.updateTable('breaches').set({ status, resolved_at: clock.now() }).where('id', '=', breachId).where('status', '=', 'repairing').execute();
  }

  async function runOne(claim: { id: string; token: string }) {
    const saga = await db.selectFrom('repair_sagas').select(['id', 'seller_id', 'order_id', 'shipment_id', 'breach_id']).where('id', '=', claim.id).executeTakeFirstOrThrow();
    return runSaga({ db, store, now: () => clock.now(), maxAttempts: MAX_ATTEMPTS }, repairSteps, { deps, saga }, saga.id, claim.token, {
      onCompleted: (trx) => settleBreach(trx, saga.breach_id, 'repaired'),
      onFailed: (trx) => settleBreach(trx, saga.breach_id, 'repair_failed'),
      ...(deps.faults?.afterStep ? { afterStep: deps.faults.afterStep } : {}),
      ...(deps.faults?.beforeStepCommit ? { beforeStepCommit: deps.faults.beforeStepCommit } : {}),
    });
  }

  /** Claims due sagas and runs each as far as it can go now; resolves to how many it claimed. */
  async function tick(limit = 10): Promise<number> {
    const claimed = await claimDueSagas(db, clock.now(), leaseMs, limit, () => randomBytes(12).toString('hex'));
    const results = await Promise.allSettled(claimed.map(runOne));
    const failure = results.find((r) => r.status === 'rejected');
    // An unexpected error (or a simulated crash) leaves the lease held: the saga resumes when it runs out.
    if (failure) throw failure.reason;
    return claimed.length;
  }

  const worker = createPollingLoop(tick, (err) => deps.log.error({ err: String(err) }, 'repair saga tick failed'));

  return {
    /**
     * Called by the breach processor inside its own transaction for a repairable breach. Only inserts
     * the durable saga and its pending steps (no partner call); a second call for the breach is a no-op.
     * @throws NOT_FOUND (no such breach)
     */
    async start(trx: Transaction<Database>, input: { breachId: string }): Promise<void> {
      const breach = await trx.selectFrom('breaches').select(['id', 'seller_id', 'order_id', 'shipment_id']).where('id', '=', input.breachId).executeTakeFirst();
      if (!breach) throw notFound('breach');
      const now = clock.now();
      const inserted = await trx
        .insertInto('repair_sagas')
        .values({
          id: newId('rps'),
          seller_id: breach.seller_id,
          order_id: breach.order_id,
          shipment_id: breach.shipment_id,
          breach_id: breach.id,
          status: 'running',
          next_attempt_at: now,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('breach_id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) return;
      await trx
        .insertInto('repair_saga_steps')
        .values(REPAIR_STEP_NAMES.map((name, i) => ({ saga_id: inserted.id, seq: i + 1, name, status: 'pending' as const })))
        .execute();
    },

    tick,

    /** The repair sagas of one order with their steps, oldest first. @throws NOT_FOUND */
    async forOrder(sellerId: string, orderId: string) {
      const order = await db.selectFrom('orders').select('id').where('seller_id', '=', sellerId).where('id', '=', orderId).executeTakeFirst();
      if (!order) throw notFound('order');
      const sagas = await db.selectFrom('repair_sagas').selectAll().where('seller_id', '=', sellerId).where('order_id', '=', orderId).orderBy('created_at').orderBy('id').execute();
      const steps = sagas.length === 0 ? [] : await db.selectFrom('repair_saga_steps').selectAll().where('saga_id', 'in', sagas.map((s) => s.id)).orderBy('seq').execute();
      return {
        data: sagas.map((s) => ({
          id: s.id,
          breach_id: s.breach_id,
          shipment_id: s.shipment_id,
          replacement_shipment_id: s.replacement_shipment_id,
          status: s.status,
          current_step: s.current_step,
          attempts: s.attempts,
          last_error: s.last_error,
          next_attempt_at: s.status === 'running' || s.status === 'compensating' ? s.next_attempt_at.toISOString() : null,
          created_at: s.created_at.toISOString(),
          updated_at: s.updated_at.toISOString(),
          finished_at: s.finished_at?.toISOString() ?? null,
          steps: steps
            .filter((st) => st.saga_id === s.id)
            .map((st) => ({
              name: st.name as (typeof REPAIR_STEP_NAMES)[number],
              status: st.status,
              attempts: st.attempts,
              output: st.output ?? null,
              undo: st.undo ?? null,
              error: st.error,
              started_at: st.started_at?.toISOString() ?? null,
              finished_at: st.finished_at?.toISOString() ?? null,
              compensated_at: st.compensated_at?.toISOString() ?? null,
            })),
        })),
      };
    },

    startWorker(intervalMs: number) {
      worker.start(intervalMs);
    },

    async stopWorker() {
      await worker.stop();
    },
  };
}
export type RepairSagas = ReturnType<typeof createRepairSagas>;
