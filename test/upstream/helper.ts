import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PartnerConnection, PartnerLimits, UpstreamRequest } from '../../src/upstream/index.js';

export type Tap = { teardown(fn: () => unknown): void };

export type SeenRequest = { method: string; url: string; headers: IncomingMessage['headers']; body: string };

/** A real HTTP server on 127.0.0.1:0 that counts requests and how many are in flight at once. */
export async function startServer(t: Tap, handler: (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void) {
  const stats = { requests: 0, inFlight: 0, maxInFlight: 0, closedEarly: 0, seen: [] as SeenRequest[] };
  const server = createServer((req, res) => {
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.on('close', () => {
      stats.inFlight--;
      if (!res.writableFinished) stats.closedEarly++;
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      stats.seen.push(seen);
      handler(req, res, seen);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return { port, origin: `http://127.0.0.1:${port}`, stats };
}

export const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

export const partner = (baseUrl: string, limits: Partial<PartnerLimits> = {}, id = 'sup_a'): PartnerConnection => ({
  id,
  kind: 'supplier',
  baseUrl,
  credentials: {},
  limits: { maxConcurrency: 10, ratePerSecond: 1000, timeoutMs: 5000, ...limits },
});

export const get = (path: string, signal: AbortSignal = new AbortController().signal): UpstreamRequest => ({
  method: 'GET',
  path,
  signal,
  operation: 'quote',
});

/** Resolves once `check` holds, polling; rejects after `withinMs` so a broken invariant fails instead of hanging. */
export async function eventually(check: () => boolean, withinMs = 2000): Promise<void> {
  const until = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
