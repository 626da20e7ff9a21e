import type { Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { enqueueLabelVoid } from './label-void.js';

/**
 * Stops an instruction that has not reached the supplier: closes its outbox row and marks the
 * shipment cancelled/not_sent and queues the void of any label it bought, in the caller's transaction. Only a row nobody holds is closed: a
 * leased one may be at the supplier this very moment, so the caller must wait for the relay.
 * @returns false when there was nothing unsent to close (sent, leased, or already closed).
 */
export async function closeUnsentInstruction(trx: Transaction<Database>, shipmentId: string, now: Date, reason: string): Promise<boolean> {
  const row = await trx
    .updateTable('outbox')
    .set({ completed_at: now, locked_until: null, last_error: reason })
    .where('shipment_id', '=', shipmentId)
    .where('kind', '=', 'dropship_instruction')
    .where('completed_at', 'is', null)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    .returning('id')
    .executeTakeFirst();
  if (!row) return false;
  const shipment = await trx.updateTable('shipments').set({ instruction_status: 'cancelled', cancel_outcome: 'not_sent' }).where('id', '=', shipmentId).returning(['id', 'seller_id']).executeTakeFirstOrThrow();
  // The relay may have bought the label before the instruction failed and was retried.
  await enqueueLabelVoid(trx, shipment, reason, now);
  return true;
}
