import type { MilestoneType } from '../ledger/milestones.js';

/**
 * The fulfillment state of one shipment, forward only. Pure: no I/O, no clock.
 *
 * Progress types have a rank; the state only ever moves to a higher rank. `delivered`, `returned` and
 * `cancelled` are terminal: nothing moves the state after them. `exception` and `supplier_refused`
 * are flags: they show on the shipment without raising its rank, so the next real progress clears
 * them. Every event is recorded in the ledger whatever this says; this only decides the state.
 */

export const TERMINAL_TYPES = ['delivered', 'returned', 'cancelled'] as const satisfies readonly MilestoneType[];
export const FLAG_TYPES = ['exception', 'supplier_refused'] as const satisfies readonly MilestoneType[];
type FlagType = (typeof FLAG_TYPES)[number];
type ProgressType = Exclude<MilestoneType, FlagType>;

export const TERMINAL_RANK = 100;

/** Exhaustive over the progress types: a new milestone type does not compile until it is ranked. */
export const MILESTONE_RANK: Record<ProgressType, number> = {
  instruction_sent: 10,
  supplier_accepted: 20,
  handed_over: 30,
  in_transit: 40,
  out_for_delivery: 50,
  delivered: TERMINAL_RANK,
  returned: TERMINAL_RANK,
  cancelled: TERMINAL_RANK,
};

export type FulfillmentState = {
  /** What the shipment shows: the last type that moved it (null before any milestone). */
  state: MilestoneType | null;
  /** The furthest progress reached; flags never change it. */
  rank: number;
  /** When the event that set `state` happened. */
  at: Date | null;
};

export const INITIAL_STATE: FulfillmentState = { state: null, rank: 0, at: null };

export type Transition =
  /** The state moved to a higher rank. */
  | { effect: 'advanced'; next: FulfillmentState }
  /** An exception or refusal now shows on the shipment. */
  | { effect: 'flagged'; next: FulfillmentState }
  /** Recorded, state unchanged: after a terminal state, behind the current progress, or older than it. */
  | { effect: 'unchanged'; next: FulfillmentState; reason: 'terminal' | 'behind' | 'stale' };

export const isTerminal = (type: MilestoneType | null): boolean => type !== null && (TERMINAL_TYPES as readonly string[]).includes(type);
export const isFlag = (type: MilestoneType): type is FlagType => (FLAG_TYPES as readonly string[]).includes(type);

export function advance(current: FulfillmentState, event: { type: MilestoneType; occurredAt: Date }): Transition {
  if (isTerminal(current.state)) return { effect: 'unchanged', next: current, reason: 'terminal' };
  if (isFlag(event.type)) {
    // A flag older than what the shipment already shows is history, not news.
    if (current.at && event.occurredAt.getTime() < current.at.getTime()) return { effect: 'unchanged', next: current, reason: 'stale' };
    if (current.state === event.type) return { effect: 'unchanged', next: current, reason: 'behind' };
    return { effect: 'flagged', next: { state: event.type, rank: current.rank, at: event.occurredAt } };
  }
  const rank = MILESTONE_RANK[event.type];
  if (rank > current.rank) {
    // Progress that happened before the flag raises the rank but leaves the newer flag showing.
    const flagIsNewer = current.state !== null && isFlag(current.state) && current.at !== null && event.occurredAt.getTime() < current.at.getTime();
    if (flagIsNewer && rank < TERMINAL_RANK) return { effect: 'advanced', next: { ...current, rank } };
    return { effect: 'advanced', next: { state: event.type, rank, at: event.occurredAt } };
  }
  // Same rank after a flag, and newer than it: the parcel moves again (an in_transit scan after a delay).
  if (rank === current.rank && current.state !== null && isFlag(current.state) && current.at && event.occurredAt.getTime() > current.at.getTime()) {
    return { effect: 'advanced', next: { state: event.type, rank, at: event.occurredAt } };
  }
  return { effect: 'unchanged', next: current, reason: 'behind' };
}

/** The state after a sequence of events in arrival order (what the shipment columns hold). */
export function fold(events: readonly { type: MilestoneType; occurredAt: Date }[], from: FulfillmentState = INITIAL_STATE): FulfillmentState {
  return events.reduce((state, e) => advance(state, e).next, from);
}
