import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSeller } from '../../plugins/auth.js';
import { IdempotencyHeaders } from '../orders/schemas.js';
import { IdParams, Problem } from '../shared-schemas.js';
import {
  CompensationWeekly,
  CompensationWeeklyQuery,
  JournalProof,
  LedgerBalances,
  LedgerExportQuery,
  LedgerTransaction,
  LedgerTransactionList,
  LedgerTransactionQuery,
  Reconciliation,
  ReconciliationQuery,
  ReverseRequest,
} from './schemas.js';

/** The compensation journal for finance: reads for finance, auditors and admins; reversals for finance and admins. */
export async function financeRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', requireSeller(app.services.sellers, ['seller_admin', 'finance', 'auditor']));

  r.get(
    '/v1/ledger/transactions',
    { schema: { tags: ['ledger'], summary: 'Compensation journal transactions with their postings, newest first', querystring: LedgerTransactionQuery, response: { 200: LedgerTransactionList, 400: Problem, 401: Problem, 403: Problem } } },
    async (req) => app.services.finance.listTransactions(await app.services.compensation.listTransactions(req.principal.sellerId, req.query)),
  );

  r.get(
    '/v1/ledger/balances',
    { schema: { tags: ['ledger'], summary: 'Balance of every compensation account per currency, and the live promise exposure', response: { 200: LedgerBalances, 401: Problem, 403: Problem } } },
    async (req) => app.services.compensation.balances(req.principal.sellerId),
  );

  r.get(
    '/v1/ledger/export.csv',
    {
      schema: {
        tags: ['ledger'],
        summary: 'The journal as CSV (RFC 4180, CRLF), one line per posting, oldest first; streamed',
        querystring: LedgerExportQuery,
        produces: ['text/csv'],
        response: { 200: z.string().describe('text/csv: a header row, then one row per posting'), 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (req, reply) =>
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="ledger.csv"')
        // A stream skips the serializer; the 200 schema documents the body only.
        .send(Readable.from(app.services.compensation.exportCsv(req.principal.sellerId, req.query)) as unknown as string),
  );

  r.get(
    '/v1/ledger/transactions/:id/proof',
    {
      schema: {
        tags: ['ledger'],
        summary: "A journal transaction's Merkle proof and on-chain anchor (same checks as a milestone proof: pledge verify)",
        params: IdParams,
        response: { 200: JournalProof, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req) => app.services.finance.transactionProof(req.principal.sellerId, req.params.id),
  );

  r.get(
    '/v1/ledger/reconciliation',
    {
      schema: {
        tags: ['ledger'],
        summary: 'Monthly reconciliation: compensation posted against chargebacks booked, per partner and currency, from the journal alone',
        querystring: ReconciliationQuery,
        response: { 200: Reconciliation, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (req) => app.services.finance.reconciliation(req.principal.sellerId, req.query),
  );

  r.get(
    '/v1/ledger/reconciliation.csv',
    {
      schema: {
        tags: ['ledger'],
        summary: 'The monthly reconciliation as CSV (RFC 4180, CRLF): one row per partner, then totals per currency (partner_id *)',
        querystring: ReconciliationQuery,
        produces: ['text/csv'],
        response: { 200: z.string().describe('text/csv'), 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (req, reply) =>
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="reconciliation-${req.query.month}.csv"`)
        .send(await app.services.finance.reconciliationCsv(req.principal.sellerId, req.query)),
  );

  r.get(
    '/v1/ledger/compensation-weekly',
    {
      schema: {
        tags: ['ledger'],
        summary: 'Compensation posted per week (Monday, UTC) over the last N weeks, per currency, zeros included',
        querystring: CompensationWeeklyQuery,
        response: { 200: CompensationWeekly, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (req) => app.services.finance.compensationWeekly(req.principal.sellerId, req.query),
  );

  r.post(
    '/v1/ledger/transactions/:id/reverse',
    {
      onRequest: requireSeller(app.services.sellers, ['seller_admin', 'finance']),
      schema: {
        tags: ['ledger'],
        summary: 'Correct a journal transaction with a reversal (its postings negated); idempotent on Idempotency-Key',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: ReverseRequest,
        response: { 201: LedgerTransaction, 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem },
      },
    },
    async (req, reply) => {
      const result = await app.services.compensation.reverse(req.principal.sellerId, req.params.id, req.headers['idempotency-key'], req.body?.memo ?? null);
      if (result.isReplay) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send((await app.services.finance.withAnchors([result.transaction]))[0]!);
    },
  );
}
