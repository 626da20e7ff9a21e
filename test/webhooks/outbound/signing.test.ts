import { createHmac } from 'node:crypto';
import t from 'tap';
import { isExhausted, MAX_ATTEMPTS, parseRetryAfter, retryDelayMs } from '../../../src/webhooks/outbound/retry-schedule.js';
import { decodeSecret, deliveryHeaders, encodeSecret, sign, signatureHeader } from '../../../src/webhooks/outbound/signing.js';

t.test('signatures match the Standard Webhooks reference vector', async (t) => {
  // From the reference JavaScript library's test suite (standard-webhooks/libraries/javascript).
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  t.equal(sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'), 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
});

t.test('secrets are whsec_ + base64 of the key bytes, 24 to 64 bytes', async (t) => {
  const key = Buffer.alloc(32, 7);
  const secret = encodeSecret(key);
  t.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/);
  t.same(decodeSecret(secret), key);
  t.throws(() => encodeSecret(Buffer.alloc(16)));
  t.throws(() => decodeSecret('not-a-secret'));
});

t.test('headers: the event id, unix seconds, one space-separated signature per live secret', async (t) => {
  const a = encodeSecret(Buffer.alloc(32, 1));
  const b = encodeSecret(Buffer.alloc(32, 2));
  const body = '{"type":"order.promised","timestamp":"2026-01-01T00:00:00.000Z","data":{}}';
  const h = deliveryHeaders([a, b], 'evt_1', new Date('2026-01-01T00:00:05.900Z'), body);
  t.equal(h['webhook-id'], 'evt_1');
  t.equal(h['webhook-timestamp'], '1767225605');
  t.equal(h['content-type'], 'application/json');
  const independent = (secret: string) => `v1,${createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`evt_1.1767225605.${body}`).digest('base64')}`;
  t.equal(h['webhook-signature'], `${independent(a)} ${independent(b)}`);
  t.equal(signatureHeader([a], 'evt_1', 1767225605, body), independent(a));
});

t.test('the retry schedule backs off exponentially, caps at an hour and spans more than 24 hours', async (t) => {
  t.equal(retryDelayMs(1, 0), 5_000);
  t.equal(retryDelayMs(2, 0), 10_000);
  t.equal(retryDelayMs(3, 0), 20_000);
  t.equal(retryDelayMs(30, 0), 3_600_000);
  t.ok(retryDelayMs(1, 0.999) <= 6_250 && retryDelayMs(1, 0.999) >= 5_000, 'jitter only adds, at most 25 %');
  let minimum = 0;
  for (let made = 1; made < MAX_ATTEMPTS; made++) minimum += retryDelayMs(made, 0);
  t.ok(minimum >= 24 * 3_600_000, `retries span at least ${Math.round(minimum / 3_600_000)} h even with no jitter`);
  t.notOk(isExhausted(MAX_ATTEMPTS - 1));
  t.ok(isExhausted(MAX_ATTEMPTS));
  t.equal(retryDelayMs(1, 0, 120_000), 120_000, 'Retry-After is honoured');
  t.equal(retryDelayMs(1, 0, 10 * 3_600_000), 3_600_000, 'but capped at an hour');
});

t.test('Retry-After as seconds or an HTTP date', async (t) => {
  const now = new Date('2026-01-01T00:00:00Z');
  t.equal(parseRetryAfter('30', now), 30_000);
  t.equal(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now), 60_000);
  t.equal(parseRetryAfter(undefined, now), undefined);
  t.equal(parseRetryAfter('soon', now), undefined);
});
