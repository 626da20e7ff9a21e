import type { Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { appendMilestone, type MilestoneInput } from '../ledger/milestones.js';
import { advance, type FulfillmentState, type Transition } from './state-machine.js';

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
  return { milestoneId: appended.id, isDuplicate: false, effect: transition.effect, state: transition.next };
}
