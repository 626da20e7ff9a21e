import type { Kysely, Transaction } from 'kysely';
import type { CarrierId } from '../carriers/contract.js';
import type { Database, LabelVoidStatus, OutboxRow } from '../db/database.js';
import type { NetworkService } from '../network/network-service.js';
import { UpstreamError } from '../upstream/contract.js';
import type { PartnerAdapters } from './partner-adapters.js';

const CALL_TIMEOUT_MS = 10_000;

/**
 * Queues the void of a shipment's label, in the caller's transaction: the one that decides the label
 * will never travel (order cancelled, instruction closed unsent, shipment re-routed by a repair). The
 * outbox's (shipment, kind) key makes it once per shipment whoever asks; the relay sends it with the
 * same lease, backoff and retries as instructions, so a crash between the decision and the carrier call
 * loses nothing. Whether a label was bought at all is decided when it runs: a label can only be bought
 * by the relay holding the instruction, and every caller has closed or finished that first.
 */
export async function enqueueLabelVoid(trx: Transaction<Database>, shipment: { id: string; seller_id: string }, reason: string, now: Date): Promise<void> {
  await trx
    .insertInto('outbox')
    .values({ seller_id: shipment.seller_id, shipment_id: shipment.id, kind: 'void_label', payload: JSON.stringify({ reason }), next_attempt_at: now })
    .onConflict((oc) => oc.columns(['shipment_id', 'kind']).doNothing())
    .execute();
}

export type LabelVoidResult = { status: LabelVoidStatus; note: string | null };

/** Thrown for a void that should not be retried (recorded as the row's last error). */
export class LabelVoidGaveUp extends Error {}

/**
 * Voids the label of one queued shipment at its carrier. Returns what to record; throws UpstreamError
 * (transient, retried) or LabelVoidGaveUp. Idempotent per shipment: a label already settled is not sent again.
 * Known gap: a crash after the carrier accepted the void but before it was recorded sends it again, and a
 * carrier that answers a repeat with a refusal (ShipEngine's `approved: false`) is recorded as `rejected`
 * although the postage is refunded; reading the label's state first would need one more call per void.
 */
export async function voidShipmentLabel(
  deps: { db: Kysely<Database>; network: NetworkService; adapters: PartnerAdapters },
  row: Pick<OutboxRow, 'seller_id' | 'shipment_id'>,
): Promise<LabelVoidResult | null> {
  const s = await deps.db
    .selectFrom('shipments')
    .select(['carrier_account_id', 'tracking_number', 'label_ref', 'label_void_status', 'cancel_outcome'])
    .where('id', '=', row.shipment_id)
    .executeTakeFirstOrThrow();
  if (s.label_void_status) return null;
  // A parcel the supplier could not stop is travelling on this label.
  if (s.cancel_outcome === 'too_late' || s.cancel_outcome === 'refused') throw new LabelVoidGaveUp(`not voided: the supplier's cancel was ${s.cancel_outcome}, the label may be in use`);
  if (!s.tracking_number) return { status: 'not_bought', note: 'no label was bought' };
  if (!s.label_ref) throw new LabelVoidGaveUp('not voided: the label was bought before Pledge kept the carrier reference (migration 0016)');
  const account = (await deps.network.connections(row.seller_id)).carrierAccounts.get(s.carrier_account_id);
  if (!account) throw new LabelVoidGaveUp('not voided: the carrier account is no longer configured');
  const carrier = deps.adapters.carriers[account.row.carrier as CarrierId];
  try {
    const result = await carrier.void(account.connection, s.label_ref, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    return result.status === 'voided' ? { status: 'voided', note: null } : { status: 'rejected', note: 'the carrier refused the void' };
  } catch (err) {
    // A 4xx: the carrier will not void this label (already scanned, already refunded elsewhere).
    if (err instanceof UpstreamError && err.failure === 'rejected') return { status: 'rejected', note: err.message };
    throw err;
  }
}
