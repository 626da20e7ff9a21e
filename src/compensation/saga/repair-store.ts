import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, RepairSagasTable } from '../../db/database.js';
import { LeaseLost, type SagaPatch, type SagaStore, type StepPatch } from './runner.js';

type Updateable<T> = { [K in keyof T]?: unknown };

/** The runner's persistence on `repair_sagas` / `repair_saga_steps`; every write is fenced by the lease token. */
export function createRepairSagaStore(db: Kysely<Database>, now: () => Date): SagaStore {
  return {
    async load(conn, sagaId) {
      const saga = await conn.selectFrom('repair_sagas').select(['status', 'attempts']).where('id', '=', sagaId).executeTakeFirstOrThrow();
      const steps = await conn.selectFrom('repair_saga_steps').select(['seq', 'name', 'status', 'output', 'undo']).where('saga_id', '=', sagaId).orderBy('seq').execute();
      return { phase: saga.status, attempts: saga.attempts, steps };
    },

    async fence(trx, sagaId, token) {
      const row = await trx.selectFrom('repair_sagas').select('lease_token').where('id', '=', sagaId).forUpdate().executeTakeFirst();
      if (!row || row.lease_token !== token) throw new LeaseLost(`saga ${sagaId} is held by another worker`);
    },

    async setStep(trx: Transaction<Database>, sagaId: string, seq: number, patch: StepPatch) {
      const set: Updateable<Database['repair_saga_steps']> = { status: patch.status };
      if (patch.output !== undefined) set.output = JSON.stringify(patch.output);
      if (patch.undo !== undefined) set.undo = JSON.stringify(patch.undo);
      if (patch.error !== undefined) set.error = patch.error;
      if (patch.incrementAttempts) set.attempts = sql`attempts + 1`;
      if (patch.startedAt) set.started_at = patch.startedAt;
      if (patch.finishedAt) set.finished_at = patch.finishedAt;
      if (patch.compensatedAt) set.compensated_at = patch.compensatedAt;
      await trx.updateTable('repair_saga_steps').set(set as never).where('saga_id', '=', sagaId).where('seq', '=', seq).execute();
    },

    async setSaga(trx: Transaction<Database>, sagaId: string, patch: SagaPatch) {
      const set: Updateable<RepairSagasTable> = { updated_at: now() };
      if (patch.status) set.status = patch.status;
      if (patch.currentStep !== undefined) set.current_step = patch.currentStep;
      if (patch.lastError !== undefined) set.last_error = patch.lastError;
      if (patch.finishedAt) set.finished_at = patch.finishedAt;
      if (patch.resetAttempts) set.attempts = 0;
      await trx.updateTable('repair_sagas').set(set as never).where('id', '=', sagaId).execute();
    },

    async release(sagaId, token, nextAttemptAt, patch = {}) {
      const set: Updateable<RepairSagasTable> = { locked_until: null, lease_token: null, next_attempt_at: nextAttemptAt, updated_at: now() };
      if (patch.lastError !== undefined) set.last_error = patch.lastError;
      if (patch.incrementAttempts) set.attempts = sql`attempts + 1`;
      await db.updateTable('repair_sagas').set(set as never).where('id', '=', sagaId).where('lease_token', '=', token).execute();
    },
  };
}

/**
 * Claims due sagas: FOR UPDATE SKIP LOCKED so concurrent ticks (any instance) never take the same row,
 * and a lease with a fresh token so a crashed worker's saga is taken over once the lease runs out.
 */
export async function claimDueSagas(db: Kysely<Database>, at: Date, leaseMs: number, limit: number, newToken: () => string) {
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('repair_sagas')
      .select('id')
      .where('status', 'in', ['running', 'compensating'])
      .where('next_attempt_at', '<=', at)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', at)]))
      .orderBy('next_attempt_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    const claimed: { id: string; token: string }[] = [];
    for (const { id } of due) {
      const token = newToken();
      await trx
        .updateTable('repair_sagas')
        .set({ locked_until: new Date(at.getTime() + leaseMs), lease_token: token })
        .where('id', '=', id)
        .execute();
      claimed.push({ id, token });
    }
    return claimed;
  });
}
