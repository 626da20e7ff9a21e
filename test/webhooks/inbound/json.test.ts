import t from 'tap';
import { idString, parseJsonExact, quoteUnsafeIntegers } from '../../../src/webhooks/inbound/json.js';

t.test('integers beyond 2^53 stay exact, as strings', async (t) => {
  const text = '{"id":820982911946154508,"n":42,"neg":-9007199254740993,"price":"19.99","f":1.5,"e":1e21,"arr":[9007199254740993,1]}';
  t.equal(JSON.parse(text).id, 820982911946154500, 'the lossy parse loses the last digits');
  const v = parseJsonExact(text) as Record<string, unknown>;
  t.equal(v.id, '820982911946154508');
  t.equal(v.n, 42, 'safe integers stay numbers');
  t.equal(v.neg, '-9007199254740993');
  t.equal(v.price, '19.99');
  t.equal(v.f, 1.5);
  t.equal(v.e, 1e21, 'exponent forms are left alone');
  t.same(v.arr, ['9007199254740993', 1]);
  t.equal(idString(v.id), '820982911946154508');
  t.equal(idString(42), '42');
  t.equal(idString(null), undefined);
});

t.test('digits inside strings, escapes and keys are never touched', async (t) => {
  const text = String.raw`{"note":"order 820982911946154508 \"quoted 9007199254740993\" \\","k\"9007199254740993":1,"url":"https:\/\/x\/9007199254740993"}`;
  t.equal(quoteUnsafeIntegers(text), text);
  const v = parseJsonExact(text) as Record<string, unknown>;
  t.equal(v.note, 'order 820982911946154508 "quoted 9007199254740993" \\');
  t.equal(v.url, 'https://x/9007199254740993');
});

t.test('malformed JSON still fails, and is not made valid by quoting', async (t) => {
  t.throws(() => parseJsonExact('{"id": 820982911946154508'));
  t.throws(() => parseJsonExact('{"id": 0820982911946154508}'));
  t.throws(() => parseJsonExact('not json'));
  t.equal(parseJsonExact('9007199254740993'), '9007199254740993');
});
