import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Everything from the app itself: no inline script or style, no third party, no framing. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const asset = (name: string) => readFileSync(new URL(`../../finance/page/${name}`, import.meta.url));

/**
 * The /finance page: static HTML, one vanilla JS module and a stylesheet, read once at start. The page
 * holds no data; everything it shows comes from the API with the key the user pastes in.
 */
export async function financePageRoutes(app: FastifyInstance) {
  const files = {
    html: asset('finance.html'),
    js: asset('finance.js'),
    css: asset('finance.css'),
  };
  const send = (body: Buffer, type: string) => async (_req: unknown, reply: FastifyReply) =>
    reply
      .type(type)
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .send(body);
  app.get('/finance', { schema: { hide: true } }, send(files.html, 'text/html; charset=utf-8'));
  app.get('/finance/finance.js', { schema: { hide: true } }, send(files.js, 'text/javascript; charset=utf-8'));
  app.get('/finance/finance.css', { schema: { hide: true } }, send(files.css, 'text/css; charset=utf-8'));
}
