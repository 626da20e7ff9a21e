import t from 'tap';
import { ACCOUNTS, assertBalanced, balancesOf, chargeback, compensationPosted, csvField, csvRow, exposureReleased, exposureReserved, LedgerUnbalancedError, type Posting, reversalOf, statusOf } from '../../src/compensation/postings.js';

const sum = (ps: Posting[], currency = 'USD') => ps.filter((p) => p.currency === currency).reduce((s, p) => s + p.amountMinor, 0);

t.test('every builder balances and moves the accounts the convention says', async (t) => {
  const cases: { name: string; postings: Posting[]; expect: Record<string, number> }[] = [
    { name: 'reserve', postings: exposureReserved('USD', 420), expect: { [`${ACCOUNTS.exposure}|USD`]: -420, [`${ACCOUNTS.exposureOffset}|USD`]: 420 } },
    { name: 'release', postings: exposureReleased('USD', 420), expect: { [`${ACCOUNTS.exposure}|USD`]: 420, [`${ACCOUNTS.exposureOffset}|USD`]: -420 } },
    {
      name: 'breach with open exposure',
      postings: compensationPosted('EUR', 1500, 420),
      expect: { [`${ACCOUNTS.exposure}|EUR`]: 420, [`${ACCOUNTS.exposureOffset}|EUR`]: -420, [`${ACCOUNTS.expense}|EUR`]: 1500, [`${ACCOUNTS.payable}|EUR`]: -1500 },
    },
    { name: 'breach without exposure', postings: compensationPosted('USD', 1500, 0), expect: { [`${ACCOUNTS.expense}|USD`]: 1500, [`${ACCOUNTS.payable}|USD`]: -1500 } },
    { name: 'chargeback', postings: chargeback('USD', 'sup_acme', 1500), expect: { 'chargebacks_receivable:sup_acme|USD': 1500, [`${ACCOUNTS.expense}|USD`]: -1500 } },
  ];
  for (const c of cases) {
    t.doesNotThrow(() => assertBalanced(c.postings), c.name);
    t.same(Object.fromEntries(balancesOf(c.postings)), c.expect, c.name);
    t.ok(c.postings.every((p) => Number.isSafeInteger(p.amountMinor) && p.amountMinor !== 0), `${c.name}: non-zero integers`);
  }
});

t.test('a reserve then a release nets every account to zero; a reversal negates', async (t) => {
  const net = balancesOf([...exposureReserved('USD', 999), ...exposureReleased('USD', 999)]);
  t.ok([...net.values()].every((v) => v === 0));
  const original = compensationPosted('USD', 700, 300);
  const reversed = reversalOf(original);
  t.same(reversed.map((p) => p.amountMinor), original.map((p) => -p.amountMinor));
  t.ok([...balancesOf([...original, ...reversed]).values()].every((v) => v === 0));
});

t.test('unbalanced, fractional, zero, single and mixed-currency-unbalanced postings are refused', async (t) => {
  const bad: [string, Posting[]][] = [
    ['empty', []],
    ['single', [{ account: 'a', currency: 'USD', amountMinor: 1 }]],
    ['off by one', [{ account: 'a', currency: 'USD', amountMinor: 100 }, { account: 'b', currency: 'USD', amountMinor: -99 }]],
    ['float', [{ account: 'a', currency: 'USD', amountMinor: 0.5 }, { account: 'b', currency: 'USD', amountMinor: -0.5 }]],
    ['zero', [{ account: 'a', currency: 'USD', amountMinor: 0 }, { account: 'b', currency: 'USD', amountMinor: 0 }]],
    ['balanced across currencies only', [{ account: 'a', currency: 'USD', amountMinor: 100 }, { account: 'b', currency: 'EUR', amountMinor: -100 }]],
    ['bad currency', [{ account: 'a', currency: 'usd', amountMinor: 1 }, { account: 'b', currency: 'usd', amountMinor: -1 }]],
  ];
  for (const [name, postings] of bad) t.throws(() => assertBalanced(postings), LedgerUnbalancedError, name);
  t.doesNotThrow(() => assertBalanced([...exposureReserved('USD', 5), ...exposureReserved('EUR', 7)]), 'balanced per currency');
  t.equal(sum(exposureReserved('USD', 5)), 0);
  t.throws(() => exposureReserved('USD', 0), LedgerUnbalancedError);
  t.throws(() => exposureReserved('USD', -3), LedgerUnbalancedError);
  t.throws(() => chargeback('USD', 'x', 1.25), LedgerUnbalancedError);
});

t.test('status follows the kind', async (t) => {
  t.equal(statusOf('exposure_reserved'), 'pending');
  t.equal(statusOf('exposure_released'), 'voided');
  t.equal(statusOf('compensation_posted'), 'posted');
  t.equal(statusOf('chargeback'), 'posted');
  t.equal(statusOf('reversal'), 'posted');
});

t.test('CSV fields are quoted per RFC 4180', async (t) => {
  t.equal(csvField(null), '');
  t.equal(csvField(-42), '-42');
  t.equal(csvField('plain'), 'plain');
  t.equal(csvField('a,b'), '"a,b"');
  t.equal(csvField('say "hi"'), '"say ""hi"""');
  t.equal(csvField('two\r\nlines'), '"two\r\nlines"');
  t.equal(csvRow(['a', null, 3]), 'a,,3\r\n');
});
