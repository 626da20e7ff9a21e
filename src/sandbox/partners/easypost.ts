import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { fromMinorUnits } from '../../lib/money.js';
import { isoSeconds, type PartnerRuntime, type SandboxCore } from '../core.js';
import { installPartnerGuards, partnerOf, type PartnerFamily } from '../http.js';
import { createRng, deriveSeed } from '../random.js';
import { rateCard, type ServiceCode } from '../rating.js';
import { publishLabel, shipDateFrom, trackingNumber, trackingUrl } from './carrier-common.js';

/**
 * EasyPost API v2, the subset Pledge uses: create a Shipment (rates come with it), buy one of its
 * rates, retrieve it, refund it. Shapes follow EasyPost's published response examples.
 */

const SERVICES: readonly ServiceCode[] = [
  'usps_ground_advantage', 'usps_priority', 'usps_express', 'ups_ground', 'ups_2nd_day_air', 'fedex_ground',
  'usps_priority_intl', 'usps_first_class_intl', 'ups_expedited_intl',
];

const SERVICE_NAMES: Record<ServiceCode, string> = {
  usps_ground_advantage: 'GroundAdvantage',
  usps_priority: 'Priority',
  usps_express: 'Express',
  ups_ground: 'Ground',
  ups_2nd_day_air: '2ndDayAir',
  fedex_ground: 'FEDEX_GROUND',
  usps_priority_intl: 'PriorityMailInternational',
  usps_first_class_intl: 'FirstClassPackageInternationalService',
  ups_expedited_intl: 'Expedited',
};

const text = z.union([z.string(), z.number()]).transform(String);

const Address = z
  .object({
    name: text.nullish(),
    company: text.nullish(),
    street1: text.nullish(),
    street2: text.nullish(),
    city: text.nullish(),
    state: text.nullish(),
    zip: text.nullish(),
    country: text.nullish(),
    phone: text.nullish(),
    email: text.nullish(),
    residential: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).nullish(),
  })
  .loose();

const CreateShipment = z.object({
  shipment: z
    .object({
      to_address: Address,
      from_address: Address,
      parcel: z
        .object({
          weight: z.coerce.number().positive(),
          length: z.coerce.number().positive().nullish(),
          width: z.coerce.number().positive().nullish(),
          height: z.coerce.number().positive().nullish(),
          predefined_package: z.string().nullish(),
        })
        .loose(),
      reference: text.nullish(),
      options: z
        .object({ label_date: z.string().nullish(), date_advance: z.coerce.number().int().min(0).max(30).nullish() })
        .loose()
        .nullish(),
    })
    .loose(),
});

const BuyShipment = z.object({ rate: z.object({ id: z.string().min(1) }).loose() }).loose();

type Json = Record<string, unknown>;
type Shipment = Json & { id: string; rates: Json[]; tracking_code: string | null; refund_status: string | null };

function easypostError(reply: FastifyReply, status: number, code: string, message: string, errors: unknown[] = []) {
  return reply.code(status).send({ error: { code, message, errors } });
}

/** Basic auth with the key as username (EasyPost's documented scheme); a bearer key is accepted too. */
function easypostKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization ?? '';
  const basic = /^Basic\s+(\S+)$/i.exec(header);
  if (basic) return Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0] || undefined;
  return /^Bearer\s+(\S+)$/i.exec(header)?.[1];
}

export const easypostFamily: PartnerFamily = {
  kind: 'carrier',
  carrier: 'easypost',
  param: 'accountId',
  credential: easypostKey,
  unauthorized: (reply) => easypostError(reply, 401, 'UNAUTHORIZED', 'Missing or invalid API key.'),
  serverError: (reply, status) =>
    status === 503
      ? easypostError(reply, 503, 'SERVICE.UNAVAILABLE', 'The service is temporarily unavailable. Please try again later.')
      : easypostError(reply, 500, 'INTERNAL_SERVER_ERROR', 'We\'re sorry, something went wrong. If the problem persists please contact support.'),
  notFound: (reply) => easypostError(reply, 404, 'NOT_FOUND', 'The requested resource could not be found.'),
  requestError: (reply, status, detail) => easypostError(reply, status, status === 400 ? 'BAD_REQUEST' : 'PARAMETER.INVALID', detail),
};

function invalidParams(reply: FastifyReply, issues: readonly { path: readonly PropertyKey[]; message: string; code: string; input?: unknown }[]) {
  const missing = issues.some((i) => i.code === 'invalid_type' && i.input === undefined);
  return easypostError(
    reply,
    422,
    missing ? 'PARAMETER.REQUIRED' : 'PARAMETER.INVALID',
    missing ? 'Missing required parameter.' : 'Invalid parameter.',
    issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message })),
  );
}

/** EasyPost tracker statuses the sandbox can be told to report (`setTrackingStatus`). */
export const SANDBOX_TRACKER_STATUSES = ['pre_transit', 'in_transit', 'out_for_delivery', 'available_for_pickup', 'delivered', 'return_to_sender', 'failure', 'cancelled'] as const;
export type SandboxTrackerStatus = (typeof SANDBOX_TRACKER_STATUSES)[number];

const HOUR_MS = 3_600_000;
const TRACKING_MESSAGES: Record<SandboxTrackerStatus, string> = {
  pre_transit: 'Shipping Label Created',
  in_transit: 'Accepted at Origin Facility',
  out_for_delivery: 'Out for Delivery',
  available_for_pickup: 'Available for Pickup',
  delivered: 'Delivered',
  return_to_sender: 'Return to Sender',
  failure: 'Delivery Exception',
  cancelled: 'Shipment Cancelled',
};

/**
 * A tracker moves with time from its label's purchase: picked up 4 h later, out for delivery 6 h
 * before the rate's delivery, delivered then. `setTrackingStatus` adds a scan on top, for tests.
 */
type TrackerEntry = { tracker: Json & { id: string; tracking_code: string }; purchasedAt: Date | null; deliverAt: Date | null; scans: { status: SandboxTrackerStatus; at: Date }[] };

export function createEasypostSimulator(core: SandboxCore) {
  const shipments = new Map<string, Shipment>();
  const trackers = new Map<string, TrackerEntry>();
  const scoped = (accountId: string, id: string) => `${accountId}\u0000${id}`;
  const priceBp = (accountId: string) => core.spec.carrierAccounts.find((a) => a.id === accountId)!.priceBasisPoints;
  const carrierAccountId = (partner: PartnerRuntime, carrier: string) => `ca_${createRng(deriveSeed(0, partner.id, carrier)).hex(32)}`;

  function address(partner: PartnerRuntime, input: z.infer<typeof Address>, at: string): Json {
    return {
      id: `adr_${partner.data.hex(32)}`,
      object: 'Address',
      created_at: at,
      updated_at: at,
      name: input.name ?? null,
      company: input.company ?? null,
      street1: input.street1 ?? null,
      street2: input.street2 ?? null,
      city: input.city ?? null,
      state: input.state ?? null,
      zip: input.zip ?? null,
      country: (input.country ?? 'US').toUpperCase(),
      phone: input.phone ?? null,
      email: input.email ?? null,
      mode: 'test',
      carrier_facility: null,
      residential: input.residential ?? null,
      federal_tax_id: null,
      state_tax_id: null,
      verifications: {},
    };
  }

  function trackerView(entry: TrackerEntry): Json {
    const now = core.now().getTime();
    const scans: { status: SandboxTrackerStatus; at: Date }[] = [];
    if (entry.purchasedAt) scans.push({ status: 'pre_transit', at: entry.purchasedAt });
    if (entry.purchasedAt && entry.deliverAt) {
      const timeline: [SandboxTrackerStatus, number][] = [
        ['in_transit', entry.purchasedAt.getTime() + 4 * HOUR_MS],
        ['out_for_delivery', entry.deliverAt.getTime() - 6 * HOUR_MS],
        ['delivered', entry.deliverAt.getTime()],
      ];
      for (const [status, at] of timeline) if (at <= now) scans.push({ status, at: new Date(at) });
    }
    scans.push(...entry.scans);
    const last = scans.at(-1);
    const details = scans.map((scan) => ({
      object: 'TrackingDetail',
      message: TRACKING_MESSAGES[scan.status],
      description: null,
      status: scan.status,
      status_detail: 'status_update',
      datetime: isoSeconds(scan.at),
      source: entry.tracker.carrier ?? null,
      carrier_code: null,
      tracking_location: { object: 'TrackingLocation', city: null, state: null, country: null, zip: null },
      est_delivery_date: null,
    }));
    return { ...entry.tracker, status: last?.status ?? 'unknown', status_detail: last ? 'status_update' : 'unknown', updated_at: last ? isoSeconds(last.at) : entry.tracker.updated_at, tracking_details: details };
  }

  /** Adds a scan now to the tracker of `trackingCode` (any account). False when no tracker has that code. */
  function setTrackingStatus(trackingCode: string, status: SandboxTrackerStatus): boolean {
    const entries = [...trackers.values()].filter((e) => e.tracker.tracking_code === trackingCode);
    for (const entry of entries) entry.scans.push({ status, at: core.now() });
    return entries.length > 0;
  }

  function register(app: FastifyInstance): void {
    installPartnerGuards(app, core, easypostFamily);

    app.get<{ Params: { accountId: string }; Querystring: { tracking_code?: string } }>('/:accountId/v2/trackers', async (request) => {
      const code = request.query.tracking_code;
      const found = [...trackers.entries()]
        .filter(([key, e]) => key.startsWith(`${request.params.accountId}\u0000`) && (code === undefined || e.tracker.tracking_code === code))
        .map(([, e]) => trackerView(e));
      return { trackers: found, has_more: false };
    });

    app.post<{ Params: { accountId: string } }>('/:accountId/v2/trackers', async (request, reply) => {
      const partner = partnerOf(core, request.params.accountId);
      const parsed = z.object({ tracker: z.object({ tracking_code: text, carrier: text.nullish() }).loose() }).safeParse(request.body, { reportInput: true });
      if (!parsed.success) return invalidParams(reply, parsed.error.issues);
      const code = parsed.data.tracker.tracking_code;
      const key = scoped(partner.id, code);
      let entry = trackers.get(key);
      if (!entry) {
        // EasyPost returns the existing tracker for a code it already tracks; a new one starts unknown.
        const at = isoSeconds(core.now());
        entry = {
          tracker: { id: `trk_${partner.data.hex(32)}`, object: 'Tracker', mode: 'test', tracking_code: code, status: 'unknown', status_detail: 'unknown', created_at: at, updated_at: at, signed_by: null, weight: null, est_delivery_date: null, shipment_id: null, carrier: parsed.data.tracker.carrier ?? null, tracking_details: [], fees: [], carrier_detail: null, public_url: null },
          purchasedAt: null,
          deliverAt: null,
          scans: [],
        };
        trackers.set(key, entry);
      }
      return reply.code(201).send(trackerView(entry));
    });

    app.post<{ Params: { accountId: string } }>('/:accountId/v2/shipments', async (request, reply) => {
      const partner = partnerOf(core, request.params.accountId);
      const parsed = CreateShipment.safeParse(request.body, { reportInput: true });
      if (!parsed.success) return invalidParams(reply, parsed.error.issues);
      const input = parsed.data.shipment;
      const now = core.now();
      const at = isoSeconds(now);
      const id = `shp_${partner.data.hex(32)}`;
      const toAddress = address(partner, input.to_address, at);
      const fromAddress = address(partner, input.from_address, at);
      const card = rateCard({
        from: { country: fromAddress.country as string, region: input.from_address.state ?? null, postalCode: input.from_address.zip ?? null },
        to: { country: toAddress.country as string, region: input.to_address.state ?? null, postalCode: input.to_address.zip ?? null },
        weightOz: input.parcel.weight,
        shipDate: shipDateFrom(now, input.options?.label_date, input.options?.date_advance ?? 0),
        services: SERVICES,
        priceBasisPoints: priceBp(partner.id),
      });
      const rates = card.quotes.map((q) => ({
        id: `rate_${partner.data.hex(32)}`,
        object: 'Rate',
        created_at: at,
        updated_at: at,
        mode: 'test',
        service: SERVICE_NAMES[q.service],
        carrier: q.carrier,
        rate: fromMinorUnits(q.amountMinor, 'USD'),
        currency: 'USD',
        retail_rate: fromMinorUnits(q.retailMinor, 'USD'),
        retail_currency: 'USD',
        list_rate: fromMinorUnits(q.amountMinor, 'USD'),
        list_currency: 'USD',
        billing_type: 'easypost',
        delivery_days: q.transitDays,
        // USPS commits to a date only for Express; UPS and FedEx publish one for every service.
        delivery_date: q.carrier !== 'USPS' || q.isGuaranteed ? isoSeconds(q.deliveryDate) : null,
        delivery_date_guaranteed: q.isGuaranteed,
        est_delivery_days: q.transitDays,
        shipment_id: id,
        carrier_account_id: carrierAccountId(partner, q.carrier),
      }));
      const shipment: Shipment = {
        created_at: at,
        is_return: false,
        messages: card.unavailable.map((u) => ({
          carrier: u.carrier,
          carrier_account_id: carrierAccountId(partner, u.carrier),
          type: 'rate_error',
          message: `${SERVICE_NAMES[u.service]}: ${u.reason}`,
        })),
        mode: 'test',
        options: { currency: 'USD', payment: { type: 'SENDER' }, date_advance: input.options?.date_advance ?? 0, ...(input.options?.label_date ? { label_date: input.options.label_date } : {}) },
        reference: input.reference ?? null,
        status: 'unknown',
        tracking_code: null,
        updated_at: at,
        batch_id: null,
        batch_status: null,
        batch_message: null,
        customs_info: null,
        from_address: fromAddress,
        insurance: null,
        order_id: null,
        parcel: {
          id: `prcl_${partner.data.hex(32)}`,
          object: 'Parcel',
          created_at: at,
          updated_at: at,
          length: input.parcel.length ?? null,
          width: input.parcel.width ?? null,
          height: input.parcel.height ?? null,
          predefined_package: input.parcel.predefined_package ?? null,
          weight: input.parcel.weight,
          mode: 'test',
        },
        postage_label: null,
        rates,
        refund_status: null,
        scan_form: null,
        selected_rate: null,
        tracker: null,
        to_address: toAddress,
        usps_zone: card.zone.scope === 'domestic' ? card.zone.zone : null,
        return_address: fromAddress,
        buyer_address: toAddress,
        forms: [],
        fees: [],
        id,
        object: 'Shipment',
      };
      shipments.set(scoped(partner.id, id), shipment);
      return reply.code(201).send(shipment);
    });

    app.get<{ Params: { accountId: string; id: string } }>('/:accountId/v2/shipments/:id', async (request, reply) => {
      const shipment = shipments.get(scoped(request.params.accountId, request.params.id));
      return shipment ?? easypostFamily.notFound(reply, '');
    });

    app.post<{ Params: { accountId: string; id: string } }>('/:accountId/v2/shipments/:id/buy', async (request, reply) => {
      const partner = partnerOf(core, request.params.accountId);
      const shipment = shipments.get(scoped(partner.id, request.params.id));
      if (!shipment) return easypostFamily.notFound(reply, '');
      const parsed = BuyShipment.safeParse(request.body, { reportInput: true });
      if (!parsed.success) return invalidParams(reply, parsed.error.issues);
      if (shipment.tracking_code !== null) {
        return easypostError(reply, 422, 'SHIPMENT.POSTAGE.EXISTS', 'Postage already exists for this shipment.');
      }
      const rate = shipment.rates.find((r) => r.id === parsed.data.rate.id);
      if (!rate) {
        return easypostError(reply, 422, 'SHIPMENT.MISSING_RATE', 'The rate does not belong to this shipment.', [
          { field: 'rate.id', message: `${parsed.data.rate.id} is not one of this shipment's rates` },
        ]);
      }
      const at = isoSeconds(core.now());
      const service = (Object.keys(SERVICE_NAMES) as ServiceCode[]).find((s) => SERVICE_NAMES[s] === rate.service)!;
      const carrier = rate.carrier as 'USPS' | 'UPS' | 'FedEx';
      const tracking = trackingNumber(partner.data, partner.id, service, carrier);
      const labelId = `pl_${partner.data.hex(32)}`;
      const labelUrl = publishLabel(core, partner.id, labelId, tracking, carrier, String(rate.service));
      Object.assign(shipment, {
        tracking_code: tracking,
        updated_at: at,
        selected_rate: { ...rate, updated_at: at },
        postage_label: {
          object: 'PostageLabel',
          id: labelId,
          created_at: at,
          updated_at: at,
          date_advance: 0,
          integrated_form: 'none',
          label_date: at,
          label_resolution: 300,
          label_size: '4x6',
          label_type: 'default',
          label_file_type: 'application/pdf',
          label_url: labelUrl,
          label_pdf_url: labelUrl,
          label_zpl_url: null,
          label_epl2_url: null,
          label_file: null,
        },
        tracker: {
          id: `trk_${partner.data.hex(32)}`,
          object: 'Tracker',
          mode: 'test',
          tracking_code: tracking,
          status: 'pre_transit',
          status_detail: 'label_created',
          created_at: at,
          updated_at: at,
          signed_by: null,
          weight: null,
          est_delivery_date: rate.delivery_date,
          shipment_id: shipment.id,
          carrier,
          tracking_details: [],
          fees: [],
          carrier_detail: null,
          public_url: trackingUrl(carrier, tracking),
        },
        fees: [
          { object: 'Fee', type: 'LabelFee', amount: '0.00000', charged: true, refunded: false },
          { object: 'Fee', type: 'PostageFee', amount: `${String(rate.rate)}000`, charged: true, refunded: false },
        ],
      });
      const purchasedAt = core.now();
      const transitDays = typeof rate.delivery_days === 'number' ? rate.delivery_days : 3;
      trackers.set(scoped(partner.id, tracking), {
        tracker: shipment.tracker as TrackerEntry['tracker'],
        purchasedAt,
        deliverAt: new Date(purchasedAt.getTime() + transitDays * 24 * HOUR_MS),
        scans: [],
      });
      return shipment;
    });

    app.post<{ Params: { accountId: string; id: string } }>('/:accountId/v2/shipments/:id/refund', async (request, reply) => {
      const shipment = shipments.get(scoped(request.params.accountId, request.params.id));
      if (!shipment) return easypostFamily.notFound(reply, '');
      if (shipment.tracking_code === null) {
        return easypostError(reply, 422, 'SHIPMENT.REFUND.UNAVAILABLE', 'Unable to request refund. The shipment has no postage.');
      }
      if (shipment.refund_status === null) {
        shipment.refund_status = 'submitted';
        shipment.updated_at = isoSeconds(core.now());
      }
      return shipment;
    });
  }

  return { register, setTrackingStatus };
}
