import type { Kysely, Transaction } from 'kysely';
import type { Database, SagaStepStatus } from '../../db/database.js';

/**
 * A generic persisted saga runner in the shape of Medusa v2's `createStep(invoke, compensate)`: each
 * step does its partner calls in `invoke` (no transaction open), then returns what the next steps
 * need (`output`), only what undoes it (`undo`), and optionally a `commit` that the runner runs in the
 * same transaction that marks the step done. A crash anywhere re-runs at most the one step that was
 * running, so every `invoke` and `compensate` must be idempotent.
 */
export type StepResult<Output = unknown, Undo = unknown> = {
  output?: Output;
  undo?: Undo;
  commit?: (trx: Transaction<Database>) => Promise<void>;
};

export type SagaStep<Ctx> = {
  name: string;
  invoke(ctx: Ctx, outputs: Readonly<Record<string, unknown>>): Promise<StepResult>;
  /**
   * Undoes a done step (reads only its recorded `undo`). `'irreversible'`: the step cannot be undone
   * (a cancelled supplier order stays cancelled) and is recorded as such; absent: nothing to undo.
   */
  compensate?: ((ctx: Ctx, undo: unknown) => Promise<Pick<StepResult, 'commit'> | void>) | 'irreversible';
};

/** The step's business outcome is final and negative: compensate the done steps and end the saga. */
export class StepFailed extends Error {
  override name = 'StepFailed';
}
/** Not an error: the step is waiting for something (a lease held by the relay, a retry scheduled). */
export class StepWait extends Error {
  override name = 'StepWait';
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}
/** Another worker took the saga over (our lease ran out): stop without writing anything. */
export class LeaseLost extends Error {
  override name = 'LeaseLost';
}

export type StepState = { seq: number; name: string; status: SagaStepStatus };
export type SagaPhase = 'running' | 'compensating' | 'completed' | 'failed' | 'compensated';

export type NextAction =
  | { kind: 'invoke'; seq: number }
  | { kind: 'compensate'; seq: number; irreversible: boolean }
  | { kind: 'finish_compensated' }
  | { kind: 'idle' };

/**
 * Pure: what the saga does next, from its persisted phase and step statuses. A step found `running`
 * (or `compensating`) was interrupted by a crash: it is run again.
 */
export function nextAction(phase: SagaPhase, steps: readonly StepState[], compensable: ReadonlyMap<string, 'fn' | 'irreversible' | 'none'>): NextAction {
  const ordered = [...steps].sort((a, b) => a.seq - b.seq);
  if (phase === 'running') {
    const next = ordered.find((s) => s.status !== 'done');
    if (!next || next.status === 'failed') return { kind: 'idle' };
    return { kind: 'invoke', seq: next.seq };
  }
  if (phase === 'compensating') {
    for (const s of ordered.reverse()) {
      if (s.status !== 'done' && s.status !== 'compensating') continue;
      const how = compensable.get(s.name) ?? 'none';
      if (how === 'none') continue;
      return { kind: 'compensate', seq: s.seq, irreversible: how === 'irreversible' };
    }
    return { kind: 'finish_compensated' };
  }
  return { kind: 'idle' };
}

/** Exponential backoff for transient step errors and parked compensations: 2 s doubling to 10 min. */
export function retryDelayMs(attempts: number): number {
  return Math.min(600_000, 2_000 * 2 ** Math.min(Math.max(attempts - 1, 0), 16));
}

/** Persistence of one saga kind: its tables, fenced by the lease token the runner holds. */
export interface SagaStore {
  load(db: Kysely<Database> | Transaction<Database>, sagaId: string): Promise<{ phase: SagaPhase; attempts: number; steps: (StepState & { output: unknown; undo: unknown })[] }>;
  /** Locks the saga row if we still hold the lease, else throws LeaseLost. */
  fence(trx: Transaction<Database>, sagaId: string, token: string): Promise<void>;
  setStep(trx: Transaction<Database>, sagaId: string, seq: number, patch: StepPatch): Promise<void>;
  setSaga(trx: Transaction<Database>, sagaId: string, patch: SagaPatch): Promise<void>;
  /** Gives the saga back (lease cleared) to be picked up again at `nextAttemptAt`. */
  release(sagaId: string, token: string, nextAttemptAt: Date, patch?: { lastError?: string | null; incrementAttempts?: boolean }): Promise<void>;
}
export type StepPatch = {
  status: SagaStepStatus;
  output?: unknown;
  undo?: unknown;
  error?: string | null;
  incrementAttempts?: boolean;
  startedAt?: Date;
  finishedAt?: Date;
  compensatedAt?: Date;
};
/** `resetAttempts`: a step finished, so the next one gets the full retry budget. */
export type SagaPatch = { status?: SagaPhase; currentStep?: string | null; lastError?: string | null; finishedAt?: Date; resetAttempts?: boolean };

export type RunnerHooks = {
  /** In the transaction of the last step: the saga's effect is live. */
  onCompleted(trx: Transaction<Database>): Promise<void>;
  /** In the transaction that ends the saga without its effect (failed, or every compensation done). */
  onFailed(trx: Transaction<Database>, reason: string): Promise<void>;
  /** Test seams: throw to simulate a crash (nothing below the throw runs; the lease stays held). */
  afterStep?: (step: string) => void;
  beforeStepCommit?: (step: string) => void;
};

export type RunnerDeps = { db: Kysely<Database>; store: SagaStore; now: () => Date; maxAttempts: number };

/**
 * Runs one claimed saga as far as it can go now: invoke steps in order, or compensate backwards after a
 * StepFailed. Returns when the saga ends, waits (StepWait), or meets a transient error (released with
 * backoff; after `maxAttempts` the step counts as failed). Errors thrown by the hooks propagate.
 */
export async function runSaga<Ctx>(deps: RunnerDeps, steps: readonly SagaStep<Ctx>[], ctx: Ctx, sagaId: string, token: string, hooks: RunnerHooks): Promise<SagaPhase> {
  const { db, store } = deps;
  const compensable = new Map(steps.map((s) => [s.name, s.compensate === undefined ? 'none' : s.compensate === 'irreversible' ? 'irreversible' : 'fn'] as const));
  const byName = new Map(steps.map((s) => [s.name, s]));
  const inTrx = <T>(fn: (trx: Transaction<Database>) => Promise<T>) =>
    db.transaction().execute(async (trx) => {
      await store.fence(trx, sagaId, token);
      return fn(trx);
    });

  for (;;) {
    const state = await store.load(db, sagaId);
    const action = nextAction(state.phase, state.steps, compensable);
    if (action.kind === 'idle') {
      if (state.phase === 'running' || state.phase === 'compensating') await store.release(sagaId, token, deps.now());
      return state.phase;
    }

    if (action.kind === 'finish_compensated') {
      const failedStep = state.steps.find((s) => s.status === 'failed');
      await inTrx(async (trx) => {
        await store.setSaga(trx, sagaId, { status: 'compensated', currentStep: null, finishedAt: deps.now() });
        await hooks.onFailed(trx, `compensated after ${failedStep?.name ?? 'a step'} failed`);
      });
      await store.release(sagaId, token, deps.now());
      return 'compensated';
    }

    const row = state.steps.find((s) => s.seq === action.seq)!;
    const step = byName.get(row.name);
    if (!step) throw new Error(`saga ${sagaId}: unknown step ${row.name}`);

    if (action.kind === 'compensate') {
      if (action.irreversible) {
        await inTrx((trx) => store.setStep(trx, sagaId, row.seq, { status: 'irreversible', compensatedAt: deps.now() }));
        continue;
      }
      await inTrx(async (trx) => {
        await store.setStep(trx, sagaId, row.seq, { status: 'compensating' });
        await store.setSaga(trx, sagaId, { currentStep: row.name });
      });
      let result: Pick<StepResult, 'commit'> | void;
      try {
        result = await (step.compensate as Exclude<SagaStep<Ctx>['compensate'], 'irreversible' | undefined>)(ctx, row.undo);
      } catch (err) {
        if (err instanceof LeaseLost) return state.phase;
        // A failed compensation is parked for retry, never swallowed: the saga stays compensating.
        const wait = err instanceof StepWait;
        await store.release(sagaId, token, new Date(deps.now().getTime() + (wait ? err.delayMs : retryDelayMs(state.attempts + 1))), {
          lastError: `compensate ${row.name}: ${message(err)}`,
          incrementAttempts: !wait,
        });
        return 'compensating';
      }
      await inTrx(async (trx) => {
        await result?.commit?.(trx);
        await store.setStep(trx, sagaId, row.seq, { status: 'compensated', compensatedAt: deps.now() });
      });
      continue;
    }

    // invoke
    await inTrx(async (trx) => {
      await store.setStep(trx, sagaId, row.seq, { status: 'running', incrementAttempts: true, startedAt: deps.now() });
      await store.setSaga(trx, sagaId, { currentStep: row.name });
    });
    const outputs = Object.fromEntries(state.steps.filter((s) => s.status === 'done').map((s) => [s.name, s.output]));
    const isLast = row.seq === Math.max(...state.steps.map((s) => s.seq));
    let result: StepResult;
    try {
      result = await step.invoke(ctx, outputs);
    } catch (err) {
      const stop = await onStepError(err, row, state);
      if (stop) return stop;
      continue;
    }
    hooks.beforeStepCommit?.(row.name);
    try {
      // The step's own writes and its `done` record commit together: a crash leaves both or neither.
      await inTrx(async (trx) => {
        await result.commit?.(trx);
        await store.setStep(trx, sagaId, row.seq, { status: 'done', output: result.output ?? null, undo: result.undo ?? null, error: null, finishedAt: deps.now() });
        await store.setSaga(trx, sagaId, { resetAttempts: true, lastError: null });
        if (isLast) {
          await store.setSaga(trx, sagaId, { status: 'completed', currentStep: null, finishedAt: deps.now() });
          await hooks.onCompleted(trx);
        }
      });
    } catch (err) {
      const stop = await onStepError(err, row, state);
      if (stop) return stop;
      continue;
    }
    hooks.afterStep?.(row.name);
    if (isLast) {
      await store.release(sagaId, token, deps.now());
      return 'completed';
    }
  }

  /** Returns the phase to stop in, or null to keep going (the saga now compensates). */
  async function onStepError(err: unknown, row: StepState, state: { attempts: number; steps: readonly StepState[] }): Promise<SagaPhase | null> {
    if (err instanceof LeaseLost) return 'running';
    if (err instanceof StepWait) {
      await store.release(sagaId, token, new Date(deps.now().getTime() + err.delayMs), { lastError: `${row.name}: ${err.message}` });
      return 'running';
    }
    const isFinal = err instanceof StepFailed || state.attempts + 1 >= deps.maxAttempts;
    if (!isFinal) {
      await store.release(sagaId, token, new Date(deps.now().getTime() + retryDelayMs(state.attempts + 1)), { lastError: `${row.name}: ${message(err)}`, incrementAttempts: true });
      return 'running';
    }
    const reason = `${row.name}: ${message(err)}`;
    const needsCompensation = state.steps.some((s) => s.seq < row.seq && s.status === 'done' && compensable.get(s.name) !== 'none');
    await inTrx(async (trx) => {
      await store.setStep(trx, sagaId, row.seq, { status: 'failed', error: message(err), finishedAt: deps.now() });
      if (needsCompensation) {
        await store.setSaga(trx, sagaId, { status: 'compensating', lastError: reason });
      } else {
        await store.setSaga(trx, sagaId, { status: 'failed', lastError: reason, currentStep: null, finishedAt: deps.now() });
        await hooks.onFailed(trx, reason);
      }
    });
    if (needsCompensation) return null;
    await store.release(sagaId, token, deps.now());
    return 'failed';
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
