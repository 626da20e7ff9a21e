import type { PlatformId } from '../../db/database.js';
import type { OrderRequest } from '../../orders/order-service.js';

export type { PlatformId };

/** What a verified delivery asks Pledge to do, stored on its `platform_events` row before any work. */
export type Intent =
  /** Place this order; the key is derived from the platform order, so re-sends create one order. */
  | { kind: 'place'; request: OrderRequest; idempotencyKey: string }
  /** Remember the platform order without promising yet (WooCommerce: not paid). */
  | { kind: 'hold'; reason: string }
  /** `initiatedBy`: whose decision, when the platform says (a seller's own cancellation is a broken promise). */
  | { kind: 'cancel'; reason: string; initiatedBy: 'customer' | 'seller' | 'unknown' };

/** The pure mappings' answer for one payload. */
export type Mapped =
  | { kind: 'intent'; externalRef: string; intent: Intent }
  /** Can never ship (no address, no shippable line...): recorded as ignored, acknowledged, never retried. */
  | { kind: 'decline'; externalRef: string; reason: string };

export type Delivery = {
  sellerId: string;
  platform: PlatformId;
  /** Unique per seller and platform: a second delivery with the same key is a duplicate. */
  dedupeKey: string;
  topic: string;
  mapped: Mapped;
};

export type AcceptOutcome = 'accepted' | 'duplicate' | 'declined';

export type AcceptResult = {
  outcome: AcceptOutcome;
  event_id: string | null;
  /** Where the event stands when the platform gets its answer: `received` means it finishes in the background. */
  status: 'received' | 'processed' | 'ignored' | 'failed';
  order_id: string | null;
  reason: string | null;
};
