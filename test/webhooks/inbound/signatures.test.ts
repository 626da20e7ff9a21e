import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import t from 'tap';
import {
  signBodyHmac,
  signStandardWebhook,
  standardSecretKey,
  verifyBodyHmac,
  verifyStandardWebhook,
  wooSigningSecret,
} from '../../../src/webhooks/inbound/signatures.js';

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/platforms/${path}`, import.meta.url));
const vector = JSON.parse(fixture('standard/test-vector.json').toString('utf8')) as {
  secret: string;
  msg_id: string;
  timestamp: number;
  payload: string;
  signature: string;
};

t.test('Standard Webhooks: the specification test vector', async (t) => {
  const body = Buffer.from(vector.payload);
  t.equal(signStandardWebhook(vector.secret, vector.msg_id, vector.timestamp, body), vector.signature, 'signing reproduces the published signature');
  const verify = (over: Partial<Parameters<typeof verifyStandardWebhook>[0]>) =>
    verifyStandardWebhook({ id: vector.msg_id, timestamp: String(vector.timestamp), signature: vector.signature, body, secrets: [vector.secret], nowSeconds: vector.timestamp, ...over });

  t.same(verify({}), { ok: true });
  t.same(verify({ secrets: ['whsec_' + Buffer.alloc(24, 7).toString('base64'), vector.secret] }), { ok: true }, 'the previous secret still verifies during rotation');
  t.same(verify({ signature: `v1a,${'A'.repeat(88)} v2,${vector.signature.slice(3)} v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= ${vector.signature}` }), { ok: true }, 'one valid v1 among several suffices');
  t.same(verify({ nowSeconds: vector.timestamp + 300 }), { ok: true }, 'exactly 5 minutes old is within tolerance');

  t.match(verify({ nowSeconds: vector.timestamp + 301 }), { ok: false, failure: 'stale_timestamp' }, 'too old');
  t.match(verify({ nowSeconds: vector.timestamp - 301 }), { ok: false, failure: 'stale_timestamp' }, 'from the future');
  t.match(verify({ body: Buffer.from('{"test": 2432232315}') }), { ok: false, failure: 'bad_signature' }, 'another body');
  t.match(verify({ id: 'msg_other' }), { ok: false, failure: 'bad_signature' }, 'the id is signed');
  t.match(verify({ timestamp: String(vector.timestamp + 1), nowSeconds: vector.timestamp + 1 }), { ok: false, failure: 'bad_signature' }, 'the timestamp is signed');
  t.match(verify({ secrets: ['whsec_' + Buffer.alloc(32, 1).toString('base64')] }), { ok: false, failure: 'bad_signature' }, 'another secret');
  t.match(verify({ signature: 'v1,dawfeoifkpqwoekfpqoekf' }), { ok: false, failure: 'bad_signature' }, 'not base64 of a digest');
  t.match(verify({ signature: vector.signature.slice(0, 8) }), { ok: false, failure: 'bad_signature' }, 'partial');
  t.match(verify({ signature: 'v1,' }), { ok: false, failure: 'bad_signature' });
  t.match(verify({ signature: vector.signature.replace('v1,', 'v2,') }), { ok: false, failure: 'bad_signature' }, 'unknown versions are skipped');
  t.match(verify({ signature: undefined }), { ok: false, failure: 'missing_signature' });
  t.match(verify({ id: undefined }), { ok: false, failure: 'missing_signature' });
  t.match(verify({ timestamp: undefined }), { ok: false, failure: 'missing_signature' });
  t.match(verify({ timestamp: 'hello' }), { ok: false, failure: 'bad_signature' });
  t.match(verify({ id: 'msg.with.dots' }), { ok: false, failure: 'bad_signature' });
});

t.test('whsec_ secrets: 24 to 64 random bytes, base64', async (t) => {
  t.equal(standardSecretKey(vector.secret)?.length, 24);
  t.equal(standardSecretKey('whsec_' + Buffer.alloc(16).toString('base64')), null, 'too short');
  t.equal(standardSecretKey('whsec_not base64!'), null);
});

t.test('Shopify and WooCommerce: base64 HMAC-SHA256 of the raw body, constant-time', async (t) => {
  const body = fixture('woocommerce/order-created-pending.json');
  t.ok(body.includes('https:\\/\\/example.com'), 'the fixture has escaped slashes, as WooCommerce writes it');
  const secret = 'wc-secret-&-more';
  const sig = createHmac('sha256', secret).update(body).digest('base64');
  t.equal(signBodyHmac(body, secret), sig);
  t.ok(verifyBodyHmac(body, sig, [secret]));
  t.ok(verifyBodyHmac(body, sig, ['old-secret', secret]), 'any configured secret');
  t.notOk(verifyBodyHmac(Buffer.from(body.toString('utf8').replace(/\\\//g, '/')), sig, [secret]), 'the same JSON with unescaped slashes is another body');
  t.notOk(verifyBodyHmac(body, sig, ['other']));
  t.notOk(verifyBodyHmac(body, undefined, [secret]));
  t.notOk(verifyBodyHmac(body, '', [secret]));
  t.notOk(verifyBodyHmac(body, 'not-base64!', [secret]));
  t.notOk(verifyBodyHmac(body, sig.slice(0, 20), [secret]), 'truncated');
  t.notOk(verifyBodyHmac(body, createHmac('sha256', secret).update(body).digest('hex'), [secret]), 'hex is not base64');
  t.notOk(verifyBodyHmac(body, sig, []), 'no secret, no match');
  t.equal(wooSigningSecret('a&amp;b&lt;c&#039;'), "a&b<c'", 'WooCommerce decodes HTML entities in the stored secret before signing');
});
