import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, type FieldError } from '../errors.js';

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode | string;
  instance: string;
  errors?: FieldError[];
  [extra: string]: unknown;
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function sendProblem(reply: FastifyReply, request: FastifyRequest, p: { status: number; code: string; detail: string; errors?: FieldError[]; extra?: Record<string, unknown> }) {
  const body: Problem = {
    type: `https://pledge.dev/problems/${p.code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[p.status] ?? 'Error',
    status: p.status,
    detail: p.detail,
    code: p.code,
    instance: request.url,
    ...(p.errors && p.errors.length > 0 ? { errors: p.errors } : {}),
    ...(p.extra ?? {}),
  };
  return reply.code(p.status).type('application/problem+json').serializer(JSON.stringify).send(body);
}

/** `/lines/0/quantity` -> `lines[0].quantity`, prefixed with where it was found when not the body. */
function fieldName(context: string | undefined, instancePath: string, key?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (key) parts.push(key);
  let out = '';
  for (const part of parts) out += /^\d+$/.test(part) ? `[${part}]` : out ? `.${part}` : part;
  if (context === 'headers') return out; // header names speak for themselves
  if (context === 'body' || !context) return out || '(body)';
  return out ? `${context === 'querystring' ? 'query' : context}.${out}` : context;
}

/** Every error leaves as RFC 9457 application/problem+json with a stable `code` and the failing fields. */
export function installErrorHandler(app: FastifyInstance, options: { onRejected?: (code: string) => void }) {
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, { status: 404, code: 'NOT_FOUND', detail: `No route ${request.method} ${request.url.split('?')[0]}` }),
  );

  app.setErrorHandler((error: FastifyError & { validation?: any[]; validationContext?: string }, request, reply) => {
    if (error instanceof AppError) {
      if (error.status < 500) options.onRejected?.(error.code);
      return sendProblem(reply, request, { status: error.status, code: error.code, detail: error.message, errors: error.errors, extra: error.extra });
    }
    if (error.validation) {
      const errors: FieldError[] = error.validation.flatMap((v: any) =>
        v.keyword === 'unrecognized_keys' && Array.isArray(v.params?.keys)
          ? v.params.keys.map((k: string) => ({ field: fieldName(error.validationContext, v.instancePath, k), message: 'unknown field' }))
          : [{ field: fieldName(error.validationContext, v.instancePath ?? ''), message: v.message }],
      );
      const idempotencyMissing = error.validationContext === 'headers' && errors.some((e) => e.field === 'idempotency-key');
      const code = idempotencyMissing ? 'IDEMPOTENCY_KEY_MISSING' : 'VALIDATION_FAILED';
      options.onRejected?.(code);
      return sendProblem(reply, request, {
        status: 400,
        code,
        detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        errors,
      });
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      // Fastify's own rejections: body too large, wrong media type, malformed JSON.
      const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'VALIDATION_FAILED';
      options.onRejected?.(code);
      return sendProblem(reply, request, {
        status,
        code,
        detail: error.message,
        ...(code === 'VALIDATION_FAILED' ? { errors: [{ field: '(body)', message: error.message }] } : {}),
      });
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, request, { status: 500, code: 'INTERNAL', detail: 'An unexpected error occurred; it has been logged' });
  });
}
