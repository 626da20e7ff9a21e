import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type TapTest = { teardown(fn: () => unknown): void };
export type Received = { headers: IncomingHttpHeaders; body: string; at: number };
/** A status to answer with, or 'hang' to hold the request open until the server closes. */
export type Answer = number | 'hang';

/** A seller's webhook endpoint on 127.0.0.1: records every request and answers from a script, then 200. */
export async function startReceiver(t: TapTest, script: Answer[] = []) {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const answers = [...script];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const answer = answers.shift() ?? 200;
      if (answer === 'hang') return void hanging.push(res);
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.teardown(close);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/pledge`,
    received,
    hanging,
    script: (...more: Answer[]) => void answers.push(...more),
    close,
  };
}

/**
 * Standard Webhooks verification written from the spec, independent of the code under test:
 * HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{raw body}" with the base64 key after "whsec_",
 * compared in constant time against each "v1,<base64>" in the space-separated header.
 */
export function verifies(secret: string, r: Received): boolean {
  const id = String(r.headers['webhook-id']);
  const timestamp = String(r.headers['webhook-timestamp']);
  const expected = createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64')).update(`${id}.${timestamp}.${r.body}`).digest();
  return String(r.headers['webhook-signature'])
    .split(' ')
    .some((entry) => {
      const [version, sig] = entry.split(',');
      const given = Buffer.from(sig ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}
