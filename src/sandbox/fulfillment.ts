import { createHmac } from 'node:crypto';
import { request } from 'undici';
import type { CarrierKind } from './world.js';
import { createRng, deriveSeed } from './random.js';
import type { SandboxInstructionRecord } from './partners/supplier.js';

/**
 * The sandbox's partners telling Pledge what happened after an instruction, the way real ones do:
 * suppliers POST signed `pledge-supplier-v1` events (accepted, refused, handed_over) to their callback
 * URL, and carriers POST tracking webhooks in their own formats (EasyPost `tracker.updated` signed with
 * X-Hmac-Signature, Shippo `track_updated` with the URL token, ShipEngine `API_TRACK` with a custom
 * header token). Nothing here imports Pledge: it only knows the URLs and secrets it was configured
 * with, as a partner's dashboard would.
 *
 * Time is compressed (`msPerHour`), so a parcel's life of about two days plays out in under a minute;
 * every event carries the real time it is sent at, so the story is always early, never late: breaches
 * here come from failures (refusals, parcels returned to sender), not from the clock.
 */

export type SupplierCallback = { url: string; secret: string };
export type CarrierWebhook = { url: string; secret: string; carrier: CarrierKind };

/** What happens to one instruction, drawn once from a seed derived from its shipment. */
export type Fate = 'delivered' | 'refused' | 'exception_then_delivered' | 'returned';

export type FulfillmentOptions = {
  seed: number;
  now?: () => Date;
  /** Real milliseconds per simulated hour (1,000: a two-day delivery takes about 45 s). */
  msPerHour?: number;
  /** Probability a supplier refuses an instruction, per supplier id (default `defaultRefusalRate`). */
  refusalRates?: Record<string, number>;
  defaultRefusalRate?: number;
  /** Probability a parcel is returned to sender (lost to the customer). */
  returnRate?: number;
  /** Probability of a carrier exception that later clears. */
  exceptionRate?: number;
  /** `all`: play every instruction; `followed` (default): only those of orders passed to `follow`. */
  scope?: 'all' | 'followed';
};

/** A partner stops retrying a callback that was refused for good (4xx other than 408 and 429), or after this many failures. */
const MAX_FAILURES_PER_STEP = 20;

class Refused extends Error {}

type Step = { atHour: number; send: () => Promise<void>; label: string };
type Play = { record: SandboxInstructionRecord; startedAt: number; steps: Step[]; next: number; fate: Fate; failures: number };

/** The default mix: a few refusals (more from the least reliable supplier), rare returns. */
export const DEFAULT_REFUSAL_RATES: Record<string, number> = { sup_coral: 0.15 };

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function drawFate(seed: number, shipmentRef: string, refusalRate: number, returnRate: number, exceptionRate: number): Fate {
  const u = createRng(deriveSeed(seed, 'fate', shipmentRef)).next();
  if (u < refusalRate) return 'refused';
  if (u < refusalRate + returnRate) return 'returned';
  if (u < refusalRate + returnRate + exceptionRate) return 'exception_then_delivered';
  return 'delivered';
}

export type FailureMix = Pick<FulfillmentOptions, 'refusalRates' | 'defaultRefusalRate' | 'returnRate' | 'exceptionRate'>;

export function createFulfillmentSimulator(
  source: { instructions(): SandboxInstructionRecord[]; labelAccount(trackingNumber: string): string | null },
  initial: FulfillmentOptions,
) {
  let options = initial;
  const now = options.now ?? (() => new Date());
  const msPerHour = options.msPerHour ?? 1000;
  const suppliers = new Map<string, SupplierCallback>();
  const carriers = new Map<string, CarrierWebhook>();
  const plays = new Map<string, Play>();
  const followed = new Set<string>();
  let abandoned = 0;
  // Instructions already played to the end: their plays are dropped, their keys kept (small strings).
  const finished = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let sent = 0;
  let failed = 0;

  async function post(url: string, body: string, headers: Record<string, string>): Promise<void> {
    const res = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, headersTimeout: 10_000, bodyTimeout: 10_000 });
    await res.body.dump();
    if (res.statusCode < 300) return;
    const isFinal = res.statusCode >= 400 && res.statusCode < 500 && res.statusCode !== 408 && res.statusCode !== 429;
    // Anything else is retried on the next tick, as partners retry.
    throw isFinal ? new Refused(`${url} refused the callback (${res.statusCode})`) : new Error(`${url} answered ${res.statusCode}`);
  }

  function supplierEvent(record: SandboxInstructionRecord, type: 'accepted' | 'refused' | 'handed_over', extra: { tracking_number?: string | null; reason?: string } = {}) {
    return async () => {
      const callback = suppliers.get(record.supplier_id);
      if (!callback) return;
      const body = JSON.stringify({ event_id: `${record.supplier_order_ref}:${type}`, supplier_order_ref: record.supplier_order_ref, type, occurred_at: iso(now()), ...extra });
      const t = Math.floor(now().getTime() / 1000);
      const v1 = createHmac('sha256', callback.secret).update(`${t}.${body}`).digest('hex');
      await post(callback.url, body, { 'pledge-signature': `t=${t},v1=${v1}` });
    };
  }

  type Scan = 'accepted' | 'in_transit' | 'exception' | 'out_for_delivery' | 'delivered' | 'returned';
  const EASYPOST: Record<Scan, string | null> = { accepted: null, in_transit: 'in_transit', exception: 'failure', out_for_delivery: 'out_for_delivery', delivered: 'delivered', returned: 'return_to_sender' };
  const SHIPPO: Record<Scan, [string, string | null]> = {
    accepted: ['TRANSIT', 'package_accepted'],
    in_transit: ['TRANSIT', 'package_departed'],
    exception: ['FAILURE', 'delayed'],
    out_for_delivery: ['TRANSIT', 'out_for_delivery'],
    delivered: ['DELIVERED', 'delivered'],
    returned: ['RETURNED', 'return_to_sender'],
  };
  const SHIPENGINE: Record<Scan, string> = { accepted: 'AC', in_transit: 'IT', exception: 'EX', out_for_delivery: 'IT', delivered: 'DE', returned: 'EX' };

  function carrierScan(record: SandboxInstructionRecord, trackingNumber: string, scan: Scan) {
    return async () => {
      const account = source.labelAccount(trackingNumber);
      const webhook = account ? carriers.get(account) : undefined;
      if (!webhook) return;
      const at = iso(now());
      const eventId = `${trackingNumber}:${scan}`;
      if (webhook.carrier === 'easypost') {
        const status = EASYPOST[scan];
        if (!status) return;
        const body = JSON.stringify({
          id: `evt_${createHmac('sha256', 'sandbox').update(eventId).digest('hex').slice(0, 32)}`,
          object: 'Event',
          description: 'tracker.updated',
          mode: 'test',
          created_at: at,
          result: {
            id: `trk_${createHmac('sha256', 'sandbox').update(trackingNumber).digest('hex').slice(0, 32)}`,
            object: 'Tracker',
            mode: 'test',
            tracking_code: trackingNumber,
            status,
            status_detail: 'status_update',
            updated_at: at,
            tracking_details: [{ object: 'TrackingDetail', message: scan.replace(/_/g, ' '), status, status_detail: 'status_update', datetime: at, source: 'sandbox', tracking_location: { object: 'TrackingLocation', city: null, state: null, country: null, zip: null } }],
          },
        });
        const signature = `hmac-sha256-hex=${createHmac('sha256', Buffer.from(webhook.secret.normalize('NFKD'), 'utf8')).update(body).digest('hex')}`;
        return post(webhook.url, body, { 'x-hmac-signature': signature });
      }
      if (webhook.carrier === 'shippo') {
        const [status, substatus] = SHIPPO[scan];
        const body = JSON.stringify({
          event: 'track_updated',
          test: true,
          data: {
            carrier: 'usps',
            tracking_number: trackingNumber,
            tracking_status: { object_id: createHmac('sha256', 'sandbox').update(eventId).digest('hex').slice(0, 32), status, substatus: substatus ? { code: substatus, text: scan.replace(/_/g, ' '), action_required: false } : null, status_details: scan.replace(/_/g, ' '), status_date: at, location: null },
          },
        });
        return post(webhook.url, body, {});
      }
      const statusCode = SHIPENGINE[scan];
      const body = JSON.stringify({
        resource_url: `https://api.shipengine.com/v1/tracking?carrier_code=usps&tracking_number=${trackingNumber}`,
        resource_type: 'API_TRACK',
        data: {
          tracking_number: trackingNumber,
          status_code: statusCode,
          status_description: scan.replace(/_/g, ' '),
          carrier_status_code: scan,
          carrier_code: 'usps',
          ...(statusCode === 'DE' ? { actual_delivery_date: at } : {}),
          ...(scan === 'returned' ? { exception_description: 'Returned to sender' } : {}),
          events: [{ occurred_at: at, description: scan.replace(/_/g, ' '), status_code: statusCode, event_code: scan }],
        },
      });
      return post(webhook.url, body, { 'x-pledge-webhook-token': webhook.secret });
    };
  }

  function plan(record: SandboxInstructionRecord): Play {
    const body = record.body as { tracking_number?: string | null };
    const tracking = body.tracking_number ?? null;
    const refusalRate = options.refusalRates?.[record.supplier_id] ?? DEFAULT_REFUSAL_RATES[record.supplier_id] ?? options.defaultRefusalRate ?? 0.02;
    const fate = drawFate(options.seed, record.shipment_ref, refusalRate, options.returnRate ?? 0.03, options.exceptionRate ?? 0.05);
    const steps: Step[] = [];
    const add = (atHour: number, label: string, send: () => Promise<void>) => steps.push({ atHour, label, send });
    if (fate === 'refused') {
      add(0.25, 'refused', supplierEvent(record, 'refused', { reason: 'out of stock at the warehouse' }));
    } else {
      add(0.25, 'accepted', supplierEvent(record, 'accepted'));
      add(2, 'handed_over', supplierEvent(record, 'handed_over', { tracking_number: tracking }));
      if (tracking) {
        add(2.5, 'carrier accepted', carrierScan(record, tracking, 'accepted'));
        add(6, 'in_transit', carrierScan(record, tracking, 'in_transit'));
        if (fate === 'returned') {
          add(20, 'exception', carrierScan(record, tracking, 'exception'));
          add(30, 'returned', carrierScan(record, tracking, 'returned'));
        } else {
          if (fate === 'exception_then_delivered') add(20, 'exception', carrierScan(record, tracking, 'exception'));
          add(36, 'out_for_delivery', carrierScan(record, tracking, 'out_for_delivery'));
          add(40, 'delivered', carrierScan(record, tracking, 'delivered'));
        }
      }
    }
    return { record, startedAt: now().getTime(), steps, next: 0, fate, failures: 0 };
  }

  async function tick(): Promise<number> {
    for (const record of source.instructions()) {
      if (record.status === 'cancelled' || plays.has(record.idempotency_key) || finished.has(record.idempotency_key)) continue;
      if ((options.scope ?? 'followed') === 'followed' && !followed.has(record.order_ref)) continue;
      plays.set(record.idempotency_key, plan(record));
    }
    let done = 0;
    const t = now().getTime();
    await Promise.all(
      [...plays.values()].map(async (play) => {
        // Steps in order; a failed one is retried next tick before anything after it.
        while (play.next < play.steps.length && t >= play.startedAt + play.steps[play.next]!.atHour * msPerHour) {
          try {
            await play.steps[play.next]!.send();
            play.next += 1;
            sent += 1;
            done += 1;
          } catch (err) {
            failed += 1;
            play.failures += 1;
            if (!(err instanceof Refused) && play.failures < MAX_FAILURES_PER_STEP) return;
            abandoned += 1;
            play.next = play.steps.length;
          }
        }
        if (play.next === play.steps.length) {
          plays.delete(play.record.idempotency_key);
          finished.add(play.record.idempotency_key);
        }
      }),
    );
    return done;
  }

  return {
    /** Where a supplier's events go (its callback URL at Pledge and the secret Pledge issued). */
    setSupplierCallback(supplierId: string, callback: SupplierCallback | null) {
      if (callback) suppliers.set(supplierId, callback);
      else suppliers.delete(supplierId);
    },
    /** Where a carrier account's tracking webhooks go (the URL includes a Shippo token). */
    setCarrierWebhook(accountId: string, webhook: CarrierWebhook | null) {
      if (webhook) carriers.set(accountId, webhook);
      else carriers.delete(accountId);
    },
    /** Changes the failure mix for instructions not yet seen (a played fate never changes). */
    setMix(mix: FailureMix) {
      options = { ...options, ...mix };
    },
    tick,
    /** Instructions still playing, with their fate and progress. */
    inFlight: () => [...plays.values()].map((p) => ({ shipment_ref: p.record.shipment_ref, supplier_id: p.record.supplier_id, fate: p.fate, steps_sent: p.next, steps: p.steps.length })),
    stats: () => ({ sent, failed, abandoned }),
    /** Plays this order's instructions (scope `followed`); the demo follows the orders it places. */
    follow(orderRef: string) {
      followed.add(orderRef);
    },
    start(intervalMs = 500) {
      const loop = () => {
        running = tick()
          .catch(() => 0)
          .then(() => {
            if (timer !== undefined) timer = setTimeout(loop, intervalMs);
          });
      };
      timer = setTimeout(loop, intervalMs);
    },
    async stop() {
      const t = timer;
      timer = undefined;
      clearTimeout(t);
      await running;
    },
  };
}
export type FulfillmentSimulator = ReturnType<typeof createFulfillmentSimulator>;
