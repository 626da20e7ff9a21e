import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PartnerKind } from '../db/database.js';
import type { PartnerRuntime, SandboxCore } from './core.js';
import { MAX_LATENCY_MS } from './knobs.js';
import { lognormalMs } from './random.js';
import type { CarrierKind } from './world.js';

/** How one partner protocol authenticates and words its errors. Every simulator declares one. */
export type PartnerFamily = {
  kind: PartnerKind;
  carrier: CarrierKind | null;
  /** The route parameter carrying the partner id. */
  param: string;
  credential(request: FastifyRequest): string | undefined;
  unauthorized(reply: FastifyReply, isMissing: boolean): FastifyReply;
  serverError(reply: FastifyReply, status: 500 | 503): FastifyReply;
  notFound(reply: FastifyReply, detail: string): FastifyReply;
  /** Malformed JSON, unsupported media type, body too large. */
  requestError(reply: FastifyReply, status: number, detail: string): FastifyReply;
};

/** Resolves after `ms`, or early (false) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Applies the partner's knobs, then its credentials, before any handler runs: a partner that is down
 * fails whoever calls it. Unknown partner ids answer the family's 404.
 */
export function installPartnerGuards(scope: FastifyInstance, core: SandboxCore, family: PartnerFamily): void {
  scope.addHook('onRequest', async (request, reply) => {
    const id = (request.params as Record<string, string | undefined>)[family.param];
    if (id === undefined) return;
    const partner = core.partners.get(id);
    if (!partner || partner.kind !== family.kind || partner.carrier !== family.carrier) {
      return family.notFound(reply, `no ${family.carrier ?? family.kind} account ${id}`);
    }
    const { knobs, chaos } = partner;
    const [u1, u2, uError, uHang] = [chaos.next(), chaos.next(), chaos.next(), chaos.next()];
    if (uHang < knobs.hang_rate) {
      // Never answer: the client's deadline ends it, or close() destroys the socket.
      reply.hijack();
      return;
    }
    const delayMs = lognormalMs(u1, u2, knobs.latency_ms_median, knobs.latency_ms_p99, MAX_LATENCY_MS);
    if (delayMs > 0) {
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      if (!(await sleep(delayMs, AbortSignal.any([gone.signal, core.closing])))) {
        reply.hijack();
        reply.raw.destroy();
        return;
      }
    }
    if (uError < knobs.error_rate) return family.serverError(reply, uError < knobs.error_rate / 2 ? 503 : 500);
    const key = family.credential(request);
    if (key !== partner.apiKey) return family.unauthorized(reply, key === undefined);
  });
  scope.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
    return status >= 500 ? family.serverError(reply, 500) : family.requestError(reply, status, error.message);
  });
  scope.setNotFoundHandler((request, reply) => family.notFound(reply, `${request.method} ${request.url} does not exist`));
}

export function partnerOf(core: SandboxCore, id: string): PartnerRuntime {
  const partner = core.partners.get(id);
  // The guard already answered 404 for unknown ids.
  if (!partner) throw new Error(`sandbox partner ${id} vanished`);
  return partner;
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** `a[b][c]=1` form bodies (EasyPost and Shippo accept them) into nested objects. */
export function parseForm(text: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = key.replace(/\]/g, '').split('[');
    if (path.some((segment) => UNSAFE_KEYS.has(segment))) continue;
    let node = root;
    path.forEach((segment, i) => {
      if (i === path.length - 1) {
        node[segment] = value;
        return;
      }
      const child = node[segment];
      node = (typeof child === 'object' && child !== null ? child : (node[segment] = {})) as Record<string, unknown>;
    });
  }
  return root;
}

/** JSON bodies may be empty (a bare POST .../refund); forms are accepted where the real APIs take them. */
export function installBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('request body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
    done(null, parseForm(String(body))),
  );
}

/** RFC 9457 problem document, the error format of the Pledge partner protocols. */
export function sendProblem(
  reply: FastifyReply,
  status: number,
  code: string,
  title: string,
  detail: string,
  errors?: { field: string; message: string }[],
): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title, status, detail, code, ...(errors ? { errors } : {}) });
}

type Issue = { path: readonly PropertyKey[]; message: string; code?: string; keys?: readonly string[] };

/** Zod issues as `{ field, message }`, field in dotted form; each unknown key is its own field. */
export function fieldErrors(issues: readonly Issue[]) {
  return issues.flatMap((i) => {
    const at = i.path.map(String);
    if (i.code === 'unrecognized_keys' && i.keys) return i.keys.map((key) => ({ field: [...at, key].join('.'), message: 'is not a known field' }));
    return [{ field: at.join('.') || '(body)', message: i.message }];
  });
}

/** Suppliers and warehouses speak the Pledge protocols: bearer keys and problem documents. */
export function pledgeFamily(kind: 'supplier' | 'warehouse', param: string): PartnerFamily {
  return {
    kind,
    carrier: null,
    param,
    credential: bearerToken,
    unauthorized: (reply, isMissing) =>
      sendProblem(reply, 401, 'UNAUTHORIZED', 'Unauthorized', isMissing ? 'Authorization: Bearer <api_key> is required' : 'the API key is not valid'),
    serverError: (reply, status) =>
      status === 503
        ? sendProblem(reply.header('retry-after', '1'), 503, 'NOT_READY', 'Service Unavailable', `the ${kind} is temporarily unavailable`)
        : sendProblem(reply, 500, 'INTERNAL', 'Internal Server Error', `the ${kind} failed to process the request`),
    notFound: (reply, detail) => sendProblem(reply, 404, 'NOT_FOUND', 'Not Found', detail),
    requestError: (reply, status, detail) =>
      status === 415
        ? sendProblem(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported Media Type', detail)
        : status === 413
          ? sendProblem(reply, 413, 'PAYLOAD_TOO_LARGE', 'Payload Too Large', detail)
          : sendProblem(reply, status, 'VALIDATION_FAILED', 'Bad Request', detail),
  };
}
