import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSeller } from '../../plugins/auth.js';
import { IdParams, Problem, problemResponses } from '../shared-schemas.js';
import {
  Catalog,
  CatalogOffer,
  CatalogOfferInput,
  CarrierAccount,
  CarrierAccountInput,
  ChargebackTermsInput,
  Policy,
  PolicyInput,
  Supplier,
  SupplierCreated,
  SupplierInput,
  Warehouse,
  WarehouseInput,
} from './schemas.js';
import { carrierAccountView, offerView, policyView, supplierView, warehouseView } from './views.js';

const list = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });

/** A seller's network: suppliers, warehouses, carrier accounts, catalog and promise policy. */
export async function networkRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const network = app.services.network;
  r.addHook('onRequest', requireSeller(app.services.sellers));
  const writes = { onRequest: requireSeller(app.services.sellers, ['seller_admin']) };
  const errors = { ...problemResponses, 403: Problem };

  r.post('/v1/suppliers', { ...writes, schema: { tags: ['network'], summary: 'Add a drop-ship supplier', body: SupplierInput, response: { 201: SupplierCreated, ...errors } } }, async (req, reply) => {
    const created = await network.createSupplier(req.principal.sellerId, req.body);
    return reply.code(201).send({ ...supplierView(created), callback_secret: created.callbackSecret });
  });
  r.get('/v1/suppliers', { schema: { tags: ['network'], response: { 200: list(Supplier), 401: Problem } } }, async (req) => ({
    data: (await network.listSuppliers(req.principal.sellerId)).map(supplierView),
  }));
  r.get('/v1/suppliers/:id', { schema: { tags: ['network'], params: IdParams, response: { 200: Supplier, 401: Problem, 404: Problem } } }, async (req) =>
    supplierView((await network.getPartner(req.principal.sellerId, 'suppliers', req.params.id)) as any),
  );

  r.post('/v1/warehouses', { ...writes, schema: { tags: ['network'], summary: 'Add a ship-from warehouse', body: WarehouseInput, response: { 201: Warehouse, ...errors } } }, async (req, reply) =>
    reply.code(201).send(warehouseView(await network.createWarehouse(req.principal.sellerId, req.body))),
  );
  r.get('/v1/warehouses', { schema: { tags: ['network'], response: { 200: list(Warehouse), 401: Problem } } }, async (req) => ({
    data: (await network.listWarehouses(req.principal.sellerId)).map(warehouseView),
  }));
  r.get('/v1/warehouses/:id', { schema: { tags: ['network'], params: IdParams, response: { 200: Warehouse, 401: Problem, 404: Problem } } }, async (req) =>
    warehouseView((await network.getPartner(req.principal.sellerId, 'warehouses', req.params.id)) as any),
  );

  r.post(
    '/v1/carrier-accounts',
    { ...writes, schema: { tags: ['network'], summary: 'Connect an EasyPost, Shippo or ShipEngine account', body: CarrierAccountInput, response: { 201: CarrierAccount, ...errors } } },
    async (req, reply) => reply.code(201).send(carrierAccountView(await network.createCarrierAccount(req.principal.sellerId, req.body))),
  );
  r.get('/v1/carrier-accounts', { schema: { tags: ['network'], response: { 200: list(CarrierAccount), 401: Problem } } }, async (req) => ({
    data: (await network.listCarrierAccounts(req.principal.sellerId)).map(carrierAccountView),
  }));
  r.get('/v1/carrier-accounts/:id', { schema: { tags: ['network'], params: IdParams, response: { 200: CarrierAccount, 401: Problem, 404: Problem } } }, async (req) =>
    carrierAccountView((await network.getPartner(req.principal.sellerId, 'carrier_accounts', req.params.id)) as any),
  );

  r.get('/v1/catalog', { schema: { tags: ['catalog'], summary: "The seller's SKUs with their supplier offers", response: { 200: Catalog, 401: Problem } } }, async (req) => {
    const bySku = new Map<string, ReturnType<typeof offerView>[]>();
    for (const o of await network.listOffers(req.principal.sellerId)) bySku.set(o.sku, [...(bySku.get(o.sku) ?? []), offerView(o)]);
    return { data: [...bySku].map(([sku, offers]) => ({ sku, offers })) };
  });
  r.post(
    '/v1/catalog/offers',
    { ...writes, schema: { tags: ['catalog'], summary: 'Offer a SKU from a supplier and warehouse (upsert)', body: CatalogOfferInput, response: { 201: CatalogOffer, ...errors } } },
    async (req, reply) => reply.code(201).send(offerView(await network.createOffer(req.principal.sellerId, req.body))),
  );
  r.delete('/v1/catalog/offers/:id', { ...writes, schema: { tags: ['catalog'], params: IdParams, response: { 204: z.null(), 401: Problem, 403: Problem, 404: Problem } } }, async (req, reply) => {
    await network.deleteOffer(req.principal.sellerId, req.params.id);
    return reply.code(204).send(null);
  });

  r.put(
    '/v1/suppliers/:id/chargeback-terms',
    { ...writes, schema: { tags: ['network'], summary: "Set what this supplier owes back of a compensation it caused (default: all of it)", params: IdParams, body: ChargebackTermsInput, response: { 200: Supplier, ...errors } } },
    async (req) => supplierView(await network.setChargebackTerms(req.principal.sellerId, 'suppliers', req.params.id, req.body) as any),
  );
  r.put(
    '/v1/carrier-accounts/:id/chargeback-terms',
    { ...writes, schema: { tags: ['network'], summary: 'Set what this carrier owes back of a compensation it caused (default: nothing)', params: IdParams, body: ChargebackTermsInput, response: { 200: CarrierAccount, ...errors } } },
    async (req) => carrierAccountView(await network.setChargebackTerms(req.principal.sellerId, 'carrier_accounts', req.params.id, req.body) as any),
  );

  r.get('/v1/policy', { schema: { tags: ['policy'], summary: 'The current promise policy', response: { 200: Policy, 401: Problem } } }, async (req) =>
    policyView(await network.currentPolicy(req.principal.sellerId)),
  );
  r.put('/v1/policy', { ...writes, schema: { tags: ['policy'], summary: 'Replace the promise policy (creates a new version)', body: PolicyInput, response: { 200: Policy, ...errors } } }, async (req) =>
    policyView(await network.updatePolicy(req.principal.sellerId, req.body)),
  );

  r.get('/v1/partners/health', { schema: { tags: ['network'], summary: "Latency percentiles, error rate and breaker state of this seller's partners, as this instance sees them" } }, async (req) => {
    const mine = await network.connections(req.principal.sellerId);
    const ids = new Set([...mine.suppliers.keys(), ...mine.warehouses.keys(), ...mine.carrierAccounts.keys()]);
    return { data: app.deps.upstream.health().filter((h) => ids.has(h.partnerId)) };
  });
}
