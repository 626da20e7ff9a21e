import type { Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { onMilestoneRecorded } from '../compensation/breach-detection.js';
import { appendMilestone, type MilestoneInput } from '../ledger/milestones.js';
import { systemClock } from '../lib/clock.js';
import { createEventSink } from '../webhooks/outbound/event-sink.js';
import { advance, type FulfillmentState, type Transition } from './state-machine.js';

// Breach detection runs in every milestone's transaction (timers armed and cancelled, failures turned
// into breaches, kept promises settled); it only writes rows, so the wall clock is enough for its stamps.
const detection = { clock: systemClock, events: createEventSink({ clock: systemClock }) };

export type RecordOutcome = {
  milestoneId: string;
  isDuplicate: boolean;
  /** Absent for a duplicate: it was applied when it first arrived. */
  effect?: Transition['effect'];
  state: FulfillmentState;
};

/**
 * Appends one milestone to the ledger and moves the shipment's state forward, in the caller's
 * transaction (so the log and the state never disagree). The shipment row is locked first: the
 * instruction relay and the ledger take their locks in the same order.
 * @throws NOT_FOUND-free: the caller has already found the shipment; LedgerError passes through.
 */
export async function recordShipmentMilestone(trx: Transaction<Database>, input: MilestoneInput): Promise<RecordOutcome> {
  const row = await trx
    .selectFrom('shipments')
    .select(['fulfillment_state', 'fulfillment_rank', 'fulfillment_state_at'])
    .where('id', '=', input.shipmentId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const current: FulfillmentState = { state: row.fulfillment_state, rank: row.fulfillment_rank, at: row.fulfillment_state_at };
  const appended = await appendMilestone(trx, input);
  if (appended.isDuplicate) return { milestoneId: appended.id, isDuplicate: true, state: current };
  const transition = advance(current, { type: input.type, occurredAt: input.occurredAt });
  if (transition.effect !== 'unchanged') {
    await trx
      .updateTable('shipments')
      .set({ fulfillment_state: transition.next.state, fulfillment_rank: transition.next.rank, fulfillment_state_at: transition.next.at })
      .where('id', '=', input.shipmentId)
      .execute();
  }
  await onMilestoneRecorded(trx, detection, input, { milestoneId: appended.id, isTerminalAlready: transition.effect === 'unchanged' && transition.reason === 'terminal' });
  return { milestoneId: appended.id, isDuplicate: false, effect: transition.effect, state: transition.next };
}
