import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { isoSeconds, type PartnerRuntime, type SandboxCore } from '../core.js';
import { installPartnerGuards, partnerOf, type PartnerFamily } from '../http.js';
import { rateCard, serviceCarrier, toOunces, type ServiceCode, type UnderlyingCarrier } from '../rating.js';
import { publishLabel, shipDateFrom, trackingNumber } from './carrier-common.js';

/**
 * ShipEngine API v1, the subset Pledge uses: connected carriers, rates for a shipment, a label from a
 * rate, label lookup and void. Amounts are numbers with lowercase currencies, as ShipEngine sends them.
 */

type ConnectedCarrier = {
  carrier_id: string;
  carrier_code: string;
  friendly_name: string;
  nickname: string;
  services: Partial<Record<ServiceCode, { service_code: string; name: string }>>;
};

const CARRIERS: Record<UnderlyingCarrier, ConnectedCarrier> = {
  USPS: {
    carrier_id: 'se-2001', carrier_code: 'stamps_com', friendly_name: 'Stamps.com', nickname: 'USPS (sandbox)',
    services: {
      usps_ground_advantage: { service_code: 'usps_ground_advantage', name: 'USPS Ground Advantage' },
      usps_priority: { service_code: 'usps_priority_mail', name: 'USPS Priority Mail' },
      usps_express: { service_code: 'usps_priority_mail_express', name: 'USPS Priority Mail Express' },
      usps_priority_intl: { service_code: 'usps_priority_mail_international', name: 'USPS Priority Mail Intl' },
      usps_first_class_intl: { service_code: 'usps_first_class_mail_international', name: 'USPS First Class Mail Intl' },
    },
  },
  UPS: {
    carrier_id: 'se-2002', carrier_code: 'ups', friendly_name: 'UPS', nickname: 'UPS (sandbox)',
    services: {
      ups_ground: { service_code: 'ups_ground', name: 'UPS® Ground' },
      ups_2nd_day_air: { service_code: 'ups_2nd_day_air', name: 'UPS 2nd Day Air®' },
      ups_expedited_intl: { service_code: 'ups_worldwide_expedited', name: 'UPS Worldwide Expedited®' },
    },
  },
  FedEx: {
    carrier_id: 'se-2003', carrier_code: 'fedex', friendly_name: 'FedEx', nickname: 'FedEx (sandbox)',
    services: { fedex_ground: { service_code: 'fedex_ground', name: 'FedEx Ground®' } },
  },
};

const connected = Object.values(CARRIERS);
const ALL_SERVICES = connected.flatMap((c) => Object.keys(c.services) as ServiceCode[]);

const text = z.union([z.string(), z.number()]).transform(String);
const Address = z
  .object({
    name: text.nullish(),
    phone: text.nullish(),
    company_name: text.nullish(),
    address_line1: text.nullish(),
    address_line2: text.nullish(),
    city_locality: text.nullish(),
    state_province: text.nullish(),
    postal_code: text.nullish(),
    country_code: z.string().length(2),
    address_residential_indicator: z.enum(['unknown', 'yes', 'no']).nullish(),
  })
  .loose();

const Package = z
  .object({ weight: z.object({ value: z.number().positive(), unit: z.enum(['pound', 'ounce', 'gram', 'kilogram']) }) })
  .loose();

const RatesRequest = z.object({
  rate_options: z.object({ carrier_ids: z.array(z.string()).optional(), service_codes: z.array(z.string()).optional() }).loose().optional(),
  shipment: z
    .object({
      ship_to: Address,
      ship_from: Address,
      packages: z.array(Package).min(1),
      ship_date: z.string().nullish(),
      external_shipment_id: z.string().nullish(),
    })
    .loose(),
});

const LabelRequest = z
  .object({ label_format: z.enum(['pdf', 'png', 'zpl']).optional(), label_layout: z.enum(['4x6', 'letter']).optional() })
  .loose();

type Json = Record<string, unknown>;
type StoredRate = { rate: Json; shipment: Json; service: ServiceCode; carrier: UnderlyingCarrier; amount: number; isInternational: boolean };
type Label = Json & { label_id: string; status: string; voided: boolean; rate_id: string; shipment_id: string; tracking_number: string };

export function createShipengineSimulator(core: SandboxCore) {
  const rates = new Map<string, StoredRate>();
  const labels = new Map<string, Label>();
  const labelByRate = new Map<string, Label>();
  const counters = new Map<string, number>();
  const scoped = (accountId: string, id: string) => `${accountId}\u0000${id}`;
  /** ShipEngine ids look like "se-28529731": sequential per account here, so stable across runs. */
  const nextId = (partner: PartnerRuntime) => {
    const n = (counters.get(partner.id) ?? 10_000_000) + 1;
    counters.set(partner.id, n);
    return `se-${n}`;
  };

  const fail = (reply: FastifyReply, partner: PartnerRuntime | undefined, status: number, errors: Json[]) =>
    reply.code(status).send({ request_id: partner ? partner.data.uuid() : '00000000-0000-4000-8000-000000000000', errors });
  const error = (error_type: string, error_code: string, message: string, extra: Json = {}) => ({ error_source: 'shipengine', error_type, error_code, message, ...extra });
  const validation = (reply: FastifyReply, partner: PartnerRuntime, issues: readonly { path: readonly PropertyKey[]; message: string }[]) =>
    fail(reply, partner, 400, issues.map((i) => error('validation', 'invalid_field_value', `${i.path.map(String).join('.')}: ${i.message}`, { field_name: i.path.map(String).join('.') })));

  const family: PartnerFamily = {
    kind: 'carrier',
    carrier: 'shipengine',
    param: 'accountId',
    credential: (request) => {
      const key = request.headers['api-key'];
      return typeof key === 'string' && key !== '' ? key : undefined;
    },
    unauthorized: (reply) => fail(reply, undefined, 401, [error('security', 'unauthorized', 'The API key is invalid. Please see https://www.shipengine.com/docs/auth')]),
    serverError: (reply, status) =>
      fail(reply, undefined, status, [error('system', 'unspecified', status === 503 ? 'The service is temporarily unavailable. Please try again.' : 'An unexpected error occurred. Please try again.')]),
    notFound: (reply, message) => fail(reply, undefined, 404, [error('validation', 'not_found', message || 'The requested resource was not found.')]),
    requestError: (reply, status, message) => fail(reply, undefined, status, [error('validation', status === 400 ? 'request_body_required' : 'unspecified', message)]),
  };

  function register(app: FastifyInstance): void {
    installPartnerGuards(app, core, family);

    app.get<{ Params: { accountId: string } }>('/:accountId/v1/carriers', async (request) => {
      const partner = partnerOf(core, request.params.accountId);
      return {
        carriers: connected.map((c) => ({
          carrier_id: c.carrier_id,
          carrier_code: c.carrier_code,
          account_number: `SBX-${c.carrier_code.toUpperCase()}`,
          requires_funded_amount: c.carrier_code === 'stamps_com',
          balance: 0,
          nickname: c.nickname,
          friendly_name: c.friendly_name,
          primary: c.carrier_code === 'stamps_com',
          has_multi_package_supporting_services: false,
          supports_label_messages: true,
          services: Object.entries(c.services).map(([code, s]) => ({
            carrier_id: c.carrier_id,
            carrier_code: c.carrier_code,
            service_code: s.service_code,
            name: s.name,
            domestic: !code.endsWith('_intl'),
            international: code.endsWith('_intl'),
            is_multi_package_supported: false,
          })),
          packages: [],
          options: [],
        })),
        request_id: partner.data.uuid(),
        errors: [],
      };
    });

    app.post<{ Params: { accountId: string } }>('/:accountId/v1/rates', async (request, reply) => {
      const partner = partnerOf(core, request.params.accountId);
      const parsed = RatesRequest.safeParse(request.body);
      if (!parsed.success) return validation(reply, partner, parsed.error.issues);
      const { shipment, rate_options } = parsed.data;
      const carrierIds = rate_options?.carrier_ids ?? connected.map((c) => c.carrier_id);
      const unknown = carrierIds.filter((id) => !connected.some((c) => c.carrier_id === id));
      if (unknown.length > 0) {
        return fail(reply, partner, 400, unknown.map((id) => error('validation', 'invalid_identifier', `carrier_id ${id} not found`, { field_name: 'rate_options.carrier_ids' })));
      }
      const services = ALL_SERVICES.filter((s) => {
        const c = CARRIERS[serviceCarrier(s)];
        return carrierIds.includes(c.carrier_id) && (!rate_options?.service_codes || rate_options.service_codes.includes(c.services[s]!.service_code));
      });
      const now = core.now();
      const at = isoSeconds(now);
      const shipDate = shipDateFrom(now, shipment.ship_date);
      const weightOz = shipment.packages.reduce((sum, p) => sum + (toOunces(p.weight.value, p.weight.unit) ?? 0), 0);
      const card = rateCard({
        from: { country: shipment.ship_from.country_code, region: shipment.ship_from.state_province ?? null, postalCode: shipment.ship_from.postal_code ?? null },
        to: { country: shipment.ship_to.country_code, region: shipment.ship_to.state_province ?? null, postalCode: shipment.ship_to.postal_code ?? null },
        weightOz,
        shipDate,
        services,
        priceBasisPoints: core.spec.carrierAccounts.find((a) => a.id === partner.id)!.priceBasisPoints,
      });
      const shipmentId = nextId(partner);
      const usd = (minor: number) => ({ currency: 'usd', amount: minor / 100 });
      const describe = (service: ServiceCode) => {
        const c = CARRIERS[serviceCarrier(service)];
        return { carrier_id: c.carrier_id, carrier_code: c.carrier_code, carrier_nickname: c.nickname, carrier_friendly_name: c.friendly_name, service_type: c.services[service]!.name, service_code: c.services[service]!.service_code };
      };
      const isInternational = card.zone.scope === 'international';
      const shipmentEcho: Json = {
        shipment_id: shipmentId,
        carrier_id: null,
        service_code: null,
        external_shipment_id: shipment.external_shipment_id ?? null,
        ship_date: isoSeconds(shipDate),
        created_at: at,
        modified_at: at,
        shipment_status: 'pending',
        ship_to: shipment.ship_to,
        ship_from: shipment.ship_from,
        warehouse_id: null,
        return_to: shipment.ship_from,
        confirmation: 'none',
        customs: null,
        advanced_options: {},
        insurance_provider: 'none',
        tags: [],
        packages: shipment.packages,
        total_weight: { value: Math.round(weightOz * 100) / 100, unit: 'ounce' },
      };
      const rateObjects = card.quotes.map((q) => {
        const rate: Json = {
          rate_id: nextId(partner),
          rate_type: 'shipment',
          ...describe(q.service),
          shipping_amount: usd(q.amountMinor),
          insurance_amount: usd(0),
          confirmation_amount: usd(0),
          other_amount: usd(0),
          zone: card.zone.scope === 'domestic' ? card.zone.zone : null,
          package_type: 'package',
          delivery_days: q.transitDays,
          guaranteed_service: q.isGuaranteed,
          estimated_delivery_date: isoSeconds(q.deliveryDate),
          carrier_delivery_days: String(q.transitDays),
          ship_date: isoSeconds(shipDate),
          negotiated_rate: false,
          trackable: true,
          validation_status: 'valid',
          warning_messages: [],
          error_messages: [],
        };
        rates.set(scoped(partner.id, rate.rate_id as string), { rate, shipment: shipmentEcho, service: q.service, carrier: q.carrier, amount: q.amountMinor, isInternational });
        return rate;
      });
      return {
        ...shipmentEcho,
        rate_response: {
          rates: rateObjects,
          invalid_rates: card.unavailable.map((u) => ({
            rate_id: nextId(partner),
            rate_type: 'shipment',
            ...describe(u.service),
            shipping_amount: usd(0),
            validation_status: 'invalid',
            warning_messages: [],
            error_messages: [u.reason],
          })),
          rate_request_id: nextId(partner),
          shipment_id: shipmentId,
          created_at: at,
          status: 'completed',
          errors: [],
        },
      };
    });

    app.post<{ Params: { accountId: string; rateId: string } }>('/:accountId/v1/labels/rates/:rateId', async (request, reply) => {
      const partner = partnerOf(core, request.params.accountId);
      const stored = rates.get(scoped(partner.id, request.params.rateId));
      if (!stored) return fail(reply, partner, 404, [error('validation', 'not_found', `rate_id ${request.params.rateId} not found`)]);
      const parsed = LabelRequest.safeParse(request.body);
      if (!parsed.success) return validation(reply, partner, parsed.error.issues);
      const existing = labelByRate.get(scoped(partner.id, request.params.rateId));
      if (existing) {
        return fail(reply, partner, 409, [error('business_rules', 'identifier_conflict', `a label (${existing.label_id}) was already created from rate_id ${request.params.rateId}`)]);
      }
      const at = isoSeconds(core.now());
      const labelId = nextId(partner);
      const tracking = trackingNumber(partner.data, partner.id, stored.service, stored.carrier);
      const url = publishLabel(core, partner.id, `shipengine_${labelId}`, tracking, stored.carrier, String(stored.rate.service_type));
      const label: Label = {
        label_id: labelId,
        status: 'completed',
        shipment_id: stored.shipment.shipment_id as string,
        ship_date: stored.rate.ship_date,
        created_at: at,
        shipment_cost: { currency: 'usd', amount: stored.amount / 100 },
        insurance_cost: { currency: 'usd', amount: 0 },
        requested_comparison_amount: null,
        tracking_number: tracking,
        is_return_label: false,
        rma_number: null,
        is_international: stored.isInternational,
        batch_id: '',
        carrier_id: stored.rate.carrier_id,
        service_code: stored.rate.service_code,
        package_code: 'package',
        voided: false,
        voided_at: null,
        label_format: parsed.data.label_format ?? 'pdf',
        display_scheme: 'label',
        label_layout: parsed.data.label_layout ?? '4x6',
        trackable: true,
        label_image_id: null,
        carrier_code: stored.rate.carrier_code,
        tracking_status: 'in_transit',
        label_download: { pdf: url, href: url },
        form_download: null,
        insurance_claim: null,
        packages: stored.shipment.packages,
        charge_event: 'carrier_default',
        rate_id: request.params.rateId,
      };
      labels.set(scoped(partner.id, labelId), label);
      labelByRate.set(scoped(partner.id, request.params.rateId), label);
      return label;
    });

    app.get<{ Params: { accountId: string }; Querystring: Record<string, string | undefined> }>('/:accountId/v1/labels', async (request) => {
      const partner = partnerOf(core, request.params.accountId);
      const q = request.query;
      const pageSize = Math.min(500, Math.max(1, Number(q.page_size ?? 25) || 25));
      const page = Math.max(1, Number(q.page ?? 1) || 1);
      const matching = [...labels.entries()]
        .filter(([key]) => key.startsWith(`${partner.id}\u0000`))
        .map(([, l]) => l)
        .filter((l) => (q.rate_id === undefined || l.rate_id === q.rate_id) && (q.shipment_id === undefined || l.shipment_id === q.shipment_id) && (q.tracking_number === undefined || l.tracking_number === q.tracking_number) && (q.label_status === undefined || l.status === q.label_status));
      const pages = Math.max(1, Math.ceil(matching.length / pageSize));
      const href = (n: number) => ({ href: `${core.baseUrl()}${partner.path}/v1/labels?page=${n}&page_size=${pageSize}` });
      return {
        labels: matching.slice((page - 1) * pageSize, page * pageSize),
        total: matching.length,
        page,
        pages,
        links: { first: href(1), last: href(pages), prev: page > 1 ? href(page - 1) : {}, next: page < pages ? href(page + 1) : {} },
      };
    });

    app.get<{ Params: { accountId: string; labelId: string } }>('/:accountId/v1/labels/:labelId', async (request, reply) => {
      const label = labels.get(scoped(request.params.accountId, request.params.labelId));
      return label ?? family.notFound(reply, `label_id ${request.params.labelId} not found`);
    });

    app.put<{ Params: { accountId: string; labelId: string } }>('/:accountId/v1/labels/:labelId/void', async (request, reply) => {
      const label = labels.get(scoped(request.params.accountId, request.params.labelId));
      if (!label) return family.notFound(reply, `label_id ${request.params.labelId} not found`);
      if (label.voided) return { approved: false, message: 'This label has already been voided.', reason_code: 'label_already_voided' };
      Object.assign(label, { voided: true, voided_at: isoSeconds(core.now()), status: 'voided' });
      return { approved: true, message: 'Request for refund submitted.  This label has been voided.', voided_label_ids: [label.label_id] };
    });
  }

  return { register, family };
}
