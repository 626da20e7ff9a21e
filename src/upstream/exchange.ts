import { request, type Dispatcher } from 'undici';
import { UpstreamError, type UpstreamRequest, type UpstreamResponse } from './contract.js';
import { SSRF_REFUSED } from './ssrf-guard.js';

type ResponseBody = Dispatcher.ResponseData['body'];

/** Joins a base URL that may carry a path prefix with a request path, keeping both. */
export function joinUrl(baseUrl: string, path: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  if (path === '') return base;
  return path.startsWith('/') || path.startsWith('?') ? base + path : `${base}/${path}`;
}

function encodeBody(req: UpstreamRequest): { body?: string; contentType?: string } {
  if (req.form) return { body: new URLSearchParams(req.form).toString(), contentType: 'application/x-www-form-urlencoded' };
  if (req.body !== undefined) return { body: JSON.stringify(req.body), contentType: 'application/json' };
  return {};
}

function requestHeaders(req: UpstreamRequest, contentType: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const [name, value] of Object.entries(req.headers ?? {})) headers[name.toLowerCase()] = value;
  if (contentType) headers['content-type'] = contentType;
  return headers;
}

class TooLargeError extends Error {}

async function readText(body: ResponseBody, headers: UpstreamResponse['headers'], maxBytes: number): Promise<string> {
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    body.destroy();
    throw new TooLargeError(`declared ${declared} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new TooLargeError(`over ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  if (text.trim() === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
};

/**
 * One HTTP exchange, mapped to the failure kinds once. Returns only 2xx; everything else throws
 * UpstreamError. `signal` must already combine the order's deadline and the per-call timeout.
 */
export async function exchange(input: {
  dispatcher: Dispatcher;
  partnerId: string;
  url: string;
  req: UpstreamRequest;
  signal: AbortSignal;
  maxResponseBytes: number;
}): Promise<UpstreamResponse> {
  const { partnerId, req, signal } = input;
  const fail = (failure: UpstreamError['failure'], message: string, status?: number, body?: unknown) =>
    new UpstreamError(failure, partnerId, message, status, body);
  const encoded = encodeBody(req);
  let response: Dispatcher.ResponseData;
  try {
    response = await request(input.url, {
      dispatcher: input.dispatcher,
      method: req.method,
      headers: requestHeaders(req, encoded.contentType),
      body: encoded.body,
      signal,
    });
  } catch (err) {
    throw toUpstreamError(err, partnerId, signal);
  }

  const { statusCode: status, headers, body } = response;
  try {
    if (status >= 200 && status < 300) {
      const parsed = parseJson(await readText(body, headers, input.maxResponseBytes));
      if (!parsed.ok) throw fail('invalid_response', `${req.operation}: ${status} body is not JSON`, status);
      return { status, headers, body: parsed.value };
    }
    if (status >= 400 && status < 500) {
      const text = await readText(body, headers, input.maxResponseBytes);
      const parsed = parseJson(text);
      throw fail('rejected', `${req.operation}: partner rejected with ${status}`, status, parsed.ok ? parsed.value : text);
    }
    // Drain (bounded) so the keep-alive socket can be reused.
    await body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    if (status >= 500) throw fail('server_error', `${req.operation}: partner answered ${status}`, status);
    throw fail('invalid_response', `${req.operation}: unexpected status ${status} (redirects are not followed)`, status);
  } catch (err) {
    if (err instanceof UpstreamError) throw err;
    if (err instanceof TooLargeError) throw fail('invalid_response', `${req.operation}: response ${err.message}`, status);
    throw toUpstreamError(err, partnerId, signal);
  }
}

const errorCodes = (err: unknown): string[] => {
  const codes: string[] = [];
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
};

/** Maps what undici, the lookup guard or an abort threw; an UpstreamError passes through. */
export function toUpstreamError(err: unknown, partnerId: string, signal: AbortSignal): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (signal.aborted) return new UpstreamError('timeout', partnerId, `deadline passed: ${message}`);
  if (errorCodes(err).includes(SSRF_REFUSED)) return new UpstreamError('url_rejected', partnerId, message);
  return new UpstreamError('network', partnerId, message);
}
