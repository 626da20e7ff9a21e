import t from 'tap';
import { fromMinorUnits, MoneyParseError, toMinorUnits } from '../../src/lib/money.js';

t.test('parses decimals without float rounding', async (t) => {
  const cases: [string | number, string, number][] = [
    ['19.99', 'USD', 1999],
    [19.99, 'USD', 1999],
    ['0.1', 'usd', 10],
    [0.29, 'USD', 29],
    ['7', 'USD', 700],
    ['12.345', 'USD', 1235],
    ['12.344', 'USD', 1234],
    ['1000', 'JPY', 1000],
    ['1.234', 'KWD', 1234],
    ['-5.10', 'USD', -510],
    [1e-7, 'USD', 0],
    [1.5e3, 'USD', 150000],
  ];
  for (const [input, currency, expected] of cases) t.equal(toMinorUnits(input, currency), expected, `${input} ${currency}`);
});

t.test('rejects what is not a decimal', async (t) => {
  for (const bad of ['', 'abc', '1,50', '1.2.3', NaN, Infinity, '1e5']) t.throws(() => toMinorUnits(bad as any, 'USD'), MoneyParseError);
});

t.test('formats minor units back', async (t) => {
  t.equal(fromMinorUnits(1999, 'USD'), '19.99');
  t.equal(fromMinorUnits(5, 'USD'), '0.05');
  t.equal(fromMinorUnits(-510, 'USD'), '-5.10');
  t.equal(fromMinorUnits(1000, 'JPY'), '1000');
});
