import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { fromMinorUnits } from '../../lib/money.js';
import { isoSeconds, type PartnerRuntime, type SandboxCore } from '../core.js';
import { installPartnerGuards, partnerOf, type PartnerFamily } from '../http.js';
import { createRng, deriveSeed } from '../random.js';
import { rateCard, toOunces, type ServiceCode, type UnderlyingCarrier } from '../rating.js';
import { publishLabel, shipDateFrom, trackingNumber, trackingUrl } from './carrier-common.js';

/**
 * Shippo API (version 2018-02-08), the subset Pledge uses: shipments (with rates), transactions
 * (label purchases, listable by rate), refunds. Errors are Django REST framework shaped, as Shippo's.
 */

const SERVICES: readonly ServiceCode[] = [
  'usps_ground_advantage', 'usps_priority', 'usps_express', 'ups_ground', 'ups_2nd_day_air',
  'usps_priority_intl', 'usps_first_class_intl', 'ups_expedited_intl',
];

const SERVICE_LEVELS: Partial<Record<ServiceCode, { name: string; token: string }>> = {
  usps_ground_advantage: { name: 'Ground Advantage', token: 'usps_ground_advantage' },
  usps_priority: { name: 'Priority Mail', token: 'usps_priority' },
  usps_express: { name: 'Priority Mail Express', token: 'usps_priority_express' },
  ups_ground: { name: 'Ground', token: 'ups_ground' },
  ups_2nd_day_air: { name: '2nd Day Air®', token: 'ups_second_day_air' },
  usps_priority_intl: { name: 'Priority Mail International', token: 'usps_priority_mail_international' },
  usps_first_class_intl: { name: 'First-Class Package International Service', token: 'usps_first_class_package_international_service' },
  ups_expedited_intl: { name: 'Expedited®', token: 'ups_expedited' },
};

const OWNER = 'sandbox@pledge.local';
const text = z.union([z.string(), z.number()]).transform(String);
const decimal = z.union([z.string().regex(/^\d+(\.\d+)?$/), z.number().positive()]).transform(Number);

const Address = z
  .object({
    name: text.nullish(),
    company: text.nullish(),
    street1: text.nullish(),
    street2: text.nullish(),
    city: text.nullish(),
    state: text.nullish(),
    zip: text.nullish(),
    country: z.string().length(2),
    phone: text.nullish(),
    email: text.nullish(),
  })
  .loose();

const Parcel = z
  .object({
    length: decimal.nullish(),
    width: decimal.nullish(),
    height: decimal.nullish(),
    distance_unit: z.enum(['cm', 'in', 'ft', 'mm', 'm', 'yd']).nullish(),
    weight: decimal,
    mass_unit: z.enum(['g', 'oz', 'lb', 'kg']),
  })
  .loose();

const CreateShipment = z.object({
  address_from: Address,
  address_to: Address,
  parcels: z.array(Parcel).min(1),
  shipment_date: z.string().nullish(),
  metadata: z.string().max(100).nullish(),
  async: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).nullish(),
});

const CreateTransaction = z.object({
  rate: z.string().min(1),
  label_file_type: z.string().nullish(),
  async: z.unknown().optional(),
  metadata: z.string().max(100).nullish(),
});

const CreateRefund = z.object({ transaction: z.string().min(1), async: z.unknown().optional() });

/** DRF's validation body: each failing field maps to a list of messages, nested like the input. */
function validationBody(issues: readonly { path: readonly PropertyKey[]; message: string }[]) {
  const body: Record<string, unknown> = {};
  for (const issue of issues) {
    const path = issue.path.length > 0 ? issue.path.map(String) : ['__all__'];
    let node = body;
    path.slice(0, -1).forEach((segment) => {
      node = (node[segment] ??= {}) as Record<string, unknown>;
    });
    const last = path[path.length - 1]!;
    node[last] = [...((node[last] as string[] | undefined) ?? []), issue.message];
  }
  return body;
}

const detail = (reply: FastifyReply, status: number, message: string) => reply.code(status).send({ detail: message });

export const shippoFamily: PartnerFamily = {
  kind: 'carrier',
  carrier: 'shippo',
  param: 'accountId',
  credential: (request) => /^ShippoToken\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1],
  unauthorized: (reply, isMissing) => detail(reply, 401, isMissing ? 'Authentication credentials were not provided.' : 'Token does not exist'),
  serverError: (reply, status) => detail(reply, status, status === 503 ? 'Service temporarily unavailable, try again later.' : 'A server error occurred.'),
  notFound: (reply) => detail(reply, 404, 'Not found.'),
  requestError: (reply, status, message) => detail(reply, status, message),
};

type Json = Record<string, unknown>;
type Rate = Json & { object_id: string; amount: string; provider: string; estimated_days: number; attributes: string[]; carrier_account: string; eta: string; service: ServiceCode };
type Transaction = Json & { object_id: string; status: string; rate: string; object_created: string };

export function createShippoSimulator(core: SandboxCore) {
  const rates = new Map<string, Rate>();
  const transactions = new Map<string, Transaction>();
  const transactionByRate = new Map<string, Transaction>();
  const refunds = new Map<string, Json>();
  const scoped = (accountId: string, id: string) => `${accountId}\u0000${id}`;
  const account = (id: string) => core.spec.carrierAccounts.find((a) => a.id === id)!;
  const carrierAccount = (partner: PartnerRuntime, carrier: UnderlyingCarrier) => createRng(deriveSeed(0, partner.id, carrier)).hex(32);

  function shippoAddress(partner: PartnerRuntime, input: z.infer<typeof Address>, at: string): Json {
    return {
      object_id: partner.data.hex(32),
      object_created: at,
      object_updated: at,
      object_owner: OWNER,
      is_complete: true,
      validation_results: {},
      name: input.name ?? '',
      company: input.company ?? '',
      street1: input.street1 ?? '',
      street2: input.street2 ?? '',
      city: input.city ?? '',
      state: input.state ?? '',
      zip: input.zip ?? '',
      country: input.country.toUpperCase(),
      phone: input.phone ?? '',
      email: input.email ?? '',
      is_residential: null,
      test: true,
    };
  }

  /** What lists embed for a transaction's rate: a summary rather than the id alone. */
  function listed(transaction: Transaction, accountId: string): Json {
    const rate = rates.get(scoped(accountId, transaction.rate));
    const level = rate && SERVICE_LEVELS[rate.service];
    return {
      ...transaction,
      rate: rate
        ? { object_id: rate.object_id, amount: rate.amount, amount_local: rate.amount, currency: 'USD', currency_local: 'USD', provider: rate.provider, carrier_account: rate.carrier_account, servicelevel_name: level?.name, servicelevel_token: level?.token }
        : transaction.rate,
    };
  }

  function register(app: FastifyInstance): void {
    installPartnerGuards(app, core, shippoFamily);

    app.post<{ Params: { accountId: string } }>('/:accountId/shipments', async (request, reply) => {
      const partner = partnerOf(core, request.params.accountId);
      const parsed = CreateShipment.safeParse(request.body);
      if (!parsed.success) return reply.code(400).send(validationBody(parsed.error.issues));
      const input = parsed.data;
      const weightOz = input.parcels.reduce((sum, p) => sum + (toOunces(p.weight, p.mass_unit) ?? 0), 0);
      const now = core.now();
      const at = isoSeconds(now);
      const shipDate = shipDateFrom(now, input.shipment_date);
      const id = partner.data.hex(32);
      const card = rateCard({
        from: { country: input.address_from.country, region: input.address_from.state ?? null, postalCode: input.address_from.zip ?? null },
        to: { country: input.address_to.country, region: input.address_to.state ?? null, postalCode: input.address_to.zip ?? null },
        weightOz,
        shipDate,
        services: SERVICES,
        priceBasisPoints: account(partner.id).priceBasisPoints,
      });
      const shipmentRates: Rate[] = card.quotes.map((q) => {
        const level = SERVICE_LEVELS[q.service]!;
        return {
          object_id: partner.data.hex(32),
          object_created: at,
          object_owner: OWNER,
          shipment: id,
          attributes: [] as string[],
          amount: fromMinorUnits(q.amountMinor, 'USD'),
          currency: 'USD',
          amount_local: fromMinorUnits(q.amountMinor, 'USD'),
          currency_local: 'USD',
          provider: q.carrier,
          provider_image_75: `https://shippo-static.s3.amazonaws.com/providers/75/${q.carrier}.png`,
          provider_image_200: `https://shippo-static.s3.amazonaws.com/providers/200/${q.carrier}.png`,
          servicelevel: { name: level.name, token: level.token, terms: '', extended_token: level.token, parent_servicelevel: null },
          estimated_days: q.transitDays,
          arrives_by: null,
          duration_terms: `Delivery in ${q.transitDays} business day${q.transitDays === 1 ? '' : 's'}${q.isGuaranteed ? ', guaranteed' : ''}.`,
          messages: [],
          carrier_account: carrierAccount(partner, q.carrier),
          test: true,
          zone: card.zone.scope === 'domestic' ? String(card.zone.zone) : null,
          included_insurance_price: null,
          // Not part of Shippo's rate: kept server-side for the purchase, stripped below.
          eta: isoSeconds(q.deliveryDate),
          service: q.service,
        };
      });
      tagAttributes(shipmentRates);
      for (const rate of shipmentRates) rates.set(scoped(partner.id, rate.object_id), rate);
      return reply.code(201).send({
        carrier_accounts: [],
        object_created: at,
        object_updated: at,
        object_id: id,
        object_owner: OWNER,
        status: 'SUCCESS',
        address_from: shippoAddress(partner, input.address_from, at),
        address_to: shippoAddress(partner, input.address_to, at),
        address_return: shippoAddress(partner, input.address_from, at),
        parcels: input.parcels.map((p) => ({ object_id: partner.data.hex(32), object_state: 'VALID', object_created: at, object_updated: at, object_owner: OWNER, ...p, weight: String(p.weight), test: true })),
        shipment_date: isoSeconds(shipDate),
        extra: {},
        customs_declaration: null,
        rates: shipmentRates.map(({ eta: _eta, service: _service, ...wire }) => wire),
        messages: card.unavailable.map((u) => ({ source: u.carrier, code: 'service_unavailable', text: `${SERVICE_LEVELS[u.service]?.name}: ${u.reason}` })),
        metadata: input.metadata ?? '',
        test: true,
        order: null,
      });
    });

    app.post<{ Params: { accountId: string } }>('/:accountId/transactions', async (request, reply) => {
      const partner = partnerOf(core, request.params.accountId);
      const parsed = CreateTransaction.safeParse(request.body);
      if (!parsed.success) return reply.code(400).send(validationBody(parsed.error.issues));
      const rate = rates.get(scoped(partner.id, parsed.data.rate));
      if (!rate) return reply.code(400).send({ rate: [`Rate ${parsed.data.rate} does not exist.`] });
      // Shippo keeps one label per rate here; the adapter finds it again with GET /transactions/?rate=.
      if (transactionByRate.has(scoped(partner.id, rate.object_id))) {
        return reply.code(400).send({ rate: [`A label has already been purchased for rate ${rate.object_id}.`] });
      }
      const at = isoSeconds(core.now());
      const carrier = rate.provider as UnderlyingCarrier;
      const tracking = trackingNumber(partner.data, partner.id, rate.service, carrier);
      const id = partner.data.hex(32);
      const transaction: Transaction = {
        object_state: 'VALID',
        status: 'SUCCESS',
        object_created: at,
        object_updated: at,
        object_id: id,
        object_owner: OWNER,
        test: true,
        rate: rate.object_id,
        tracking_number: tracking,
        tracking_status: 'UNKNOWN',
        tracking_history: [],
        tracking_url_provider: trackingUrl(carrier, tracking),
        eta: rate.eta,
        label_file_type: parsed.data.label_file_type ?? 'PDF',
        label_url: publishLabel(core, partner.id, `shippo_${id}`, tracking, carrier, SERVICE_LEVELS[rate.service]!.name),
        commercial_invoice_url: null,
        messages: [],
        order: null,
        metadata: parsed.data.metadata ?? '',
        parcel: null,
        billing: { payments: [] },
        qr_code_url: null,
      };
      transactions.set(scoped(partner.id, id), transaction);
      transactionByRate.set(scoped(partner.id, rate.object_id), transaction);
      return reply.code(201).send(transaction);
    });

    app.get<{ Params: { accountId: string }; Querystring: Record<string, string | undefined> }>('/:accountId/transactions', async (request) => {
      const partner = partnerOf(core, request.params.accountId);
      const q = request.query;
      const pageSize = Math.min(100, Math.max(1, Number(q.results ?? 25) || 25));
      const page = Math.max(1, Number(q.page ?? 1) || 1);
      const matching = [...transactions.entries()]
        .filter(([key]) => key.startsWith(`${partner.id}\u0000`))
        .map(([, t]) => t)
        .filter((t) => (q.rate === undefined || t.rate === q.rate) && (q.object_status === undefined || t.status === q.object_status) && (q.tracking_status === undefined || t.tracking_status === q.tracking_status))
        .reverse();
      const pageUrl = (n: number) => {
        const params = new URLSearchParams({ ...Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as Record<string, string>, page: String(n), results: String(pageSize) });
        return `${core.baseUrl()}${partner.path}/transactions/?${params}`;
      };
      return {
        next: page * pageSize < matching.length ? pageUrl(page + 1) : null,
        previous: page > 1 ? pageUrl(page - 1) : null,
        results: matching.slice((page - 1) * pageSize, page * pageSize).map((t) => listed(t, partner.id)),
      };
    });

    app.get<{ Params: { accountId: string; id: string } }>('/:accountId/transactions/:id', async (request, reply) => {
      const transaction = transactions.get(scoped(request.params.accountId, request.params.id));
      return transaction ? listed(transaction, request.params.accountId) : shippoFamily.notFound(reply, '');
    });

    app.post<{ Params: { accountId: string } }>('/:accountId/refunds', async (request, reply) => {
      const partner = partnerOf(core, request.params.accountId);
      const parsed = CreateRefund.safeParse(request.body);
      if (!parsed.success) return reply.code(400).send(validationBody(parsed.error.issues));
      const transaction = transactions.get(scoped(partner.id, parsed.data.transaction));
      if (!transaction) return reply.code(400).send({ transaction: [`Transaction ${parsed.data.transaction} does not exist.`] });
      const existing = refunds.get(scoped(partner.id, transaction.object_id));
      if (existing) return reply.code(201).send(existing);
      const at = isoSeconds(core.now());
      const refund = { object_created: at, object_id: partner.data.hex(32), object_owner: OWNER, object_updated: at, status: 'QUEUED', test: true, transaction: transaction.object_id };
      refunds.set(scoped(partner.id, transaction.object_id), refund);
      Object.assign(transaction, { status: 'REFUNDPENDING', object_updated: at });
      return reply.code(201).send(refund);
    });
  }

  return { register };
}

/** Shippo's CHEAPEST, FASTEST and BESTVALUE tags, each on exactly one rate. */
function tagAttributes(rates: { amount: string; estimated_days: number; attributes: string[] }[]): void {
  if (rates.length === 0) return;
  const by = (score: (r: (typeof rates)[number]) => number) => rates.reduce((best, r) => (score(r) < score(best) ? r : best));
  by((r) => Number(r.amount)).attributes.push('CHEAPEST');
  by((r) => r.estimated_days * 1e6 + Number(r.amount)).attributes.push('FASTEST');
  by((r) => Number(r.amount) * (1 + 0.25 * r.estimated_days)).attributes.push('BESTVALUE');
}
