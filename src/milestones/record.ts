import type { Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { onMilestoneRecorded } from '../compensation/breach-detection.js';
import { chainMilestones, findRecorded, type MilestoneInput, milestoneKey, type MilestoneType, prepareMilestone, type PreparedMilestone } from '../ledger/milestones.js';
import { LedgerError } from '../ledger/errors.js';
import { systemClock } from '../lib/clock.js';
import { createEventSink } from '../webhooks/outbound/event-sink.js';
import { advance, type FulfillmentState, type Transition } from './state-machine.js';

// Breach detection runs in every milestone's transaction (timers armed and cancelled, failures turned
// into breaches, kept promises settled); it only writes rows, so the wall clock is enough for its stamps.
const detection = { clock: systemClock, events: createEventSink({ clock: systemClock }) };

/**
 * Whether breach detection for a type reads the `milestones` table and so needs this milestone (and
 * those before it) chained first: a kept delivery's outcome reads its first delivery and handover times,
 * a late delivery or a return cites the shipment's milestones as evidence. The others only see the id,
 * so they run before the chain lock is taken. Exhaustive: a new type must be decided here.
 */
const DETECTION_READS_LOG: Record<MilestoneType, boolean> = {
  instruction_sent: false,
  supplier_accepted: false,
  supplier_refused: false,
  handed_over: false,
  in_transit: false,
  out_for_delivery: false,
  exception: false,
  cancelled: false,
  delivered: true,
  returned: true,
};

export type RecordOutcome = {
  milestoneId: string;
  isDuplicate: boolean;
  /** Absent for a duplicate: it was applied when it first arrived. */
  effect?: Transition['effect'];
  state: FulfillmentState;
};

/**
 * Appends one milestone to the ledger and moves the shipment's state forward, in the caller's
 * transaction (so the log and the state never disagree). See recordShipmentMilestones.
 * @throws LedgerError MILESTONE_INVALID; NOT_FOUND-free: the caller has already found the shipment.
 */
export async function recordShipmentMilestone(trx: Transaction<Database>, input: MilestoneInput): Promise<RecordOutcome> {
  const [outcome] = await recordShipmentMilestones(trx, [input]);
  return outcome!;
}

/**
 * Records milestones of one shipment, in order, in the caller's transaction. The shipment row is
 * locked first (the instruction relay and the ledger take their locks in the same order), and under it
 * duplicates are found and skipped: a duplicate changes nothing. Each new milestone's state transition
 * and breach detection run before it is chained, so the global chain lock is normally taken last, once
 * for all of them, and held for the lock, the head read, one insert and the caller's COMMIT: make this
 * the caller's last statement. Types whose detection reads the log are chained before it (see above).
 * @throws LedgerError MILESTONE_INVALID (nothing is written); database errors pass through.
 */
export async function recordShipmentMilestones(trx: Transaction<Database>, inputs: readonly MilestoneInput[]): Promise<RecordOutcome[]> {
  if (inputs.length === 0) return [];
  const shipmentId = inputs[0]!.shipmentId;
  if (inputs.some((i) => i.shipmentId !== shipmentId)) throw new LedgerError('MILESTONE_INVALID', 'recordShipmentMilestones takes the milestones of one shipment');
  const prepared = inputs.map((input) => prepareMilestone(input));
  const row = await trx
    .selectFrom('shipments')
    .select(['fulfillment_state', 'fulfillment_rank', 'fulfillment_state_at'])
    .where('id', '=', shipmentId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  let current: FulfillmentState = { state: row.fulfillment_state, rank: row.fulfillment_rank, at: row.fulfillment_state_at };
  // Keyed by idempotency key: the first record's id, from the log or from earlier in this call.
  const firstIds = new Map([...(await findRecorded(trx, inputs))].map(([key, first]) => [key, first.id]));
  const outcomes: RecordOutcome[] = [];
  let unchained: PreparedMilestone[] = [];
  for (const milestone of prepared) {
    const { input } = milestone;
    const key = milestoneKey(input);
    const firstId = firstIds.get(key);
    if (firstId) {
      outcomes.push({ milestoneId: firstId, isDuplicate: true, state: current });
      continue;
    }
    firstIds.set(key, milestone.id);
    const transition = advance(current, { type: input.type, occurredAt: input.occurredAt });
    if (transition.effect !== 'unchanged') {
      await trx
        .updateTable('shipments')
        .set({ fulfillment_state: transition.next.state, fulfillment_rank: transition.next.rank, fulfillment_state_at: transition.next.at })
        .where('id', '=', shipmentId)
        .execute();
    }
    unchained.push(milestone);
    if (DETECTION_READS_LOG[input.type]) {
      await chainMilestones(trx, unchained);
      unchained = [];
    }
    await onMilestoneRecorded(trx, detection, input, { milestoneId: milestone.id, isTerminalAlready: transition.effect === 'unchanged' && transition.reason === 'terminal' });
    current = transition.next;
    outcomes.push({ milestoneId: milestone.id, isDuplicate: false, effect: transition.effect, state: transition.next });
  }
  await chainMilestones(trx, unchained);
  return outcomes;
}
