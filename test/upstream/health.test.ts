import t from 'tap';
import { percentile, SampleWindow, summarizeHealth, type CallSample } from '../../src/upstream/index.js';

t.test('percentile is nearest-rank and leaves its input alone', async (t) => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
  t.equal(percentile(hundred, 50), 50);
  t.equal(percentile(hundred, 95), 95);
  t.equal(percentile(hundred, 99), 99);
  t.equal(percentile(hundred, 100), 100);
  t.equal(percentile(hundred, 0), 1);
  t.equal(hundred[0], 100, 'not sorted in place');
  t.equal(percentile([], 50), 0);
  t.equal(percentile([7], 99), 7);
  t.equal(percentile([10, 20, 30, 40], 50), 20);
  t.equal(percentile([10, 20, 30, 40], 51), 30);
  t.equal(percentile([1, 2, 3, 1000], 99), 1000);
});

t.test('the sample window keeps only the most recent calls', async (t) => {
  const window = new SampleWindow(200);
  for (let i = 0; i < 250; i++) window.push({ latencyMs: i, outcome: 'ok' });
  const latencies = window.samples().map((s) => s.latencyMs);
  t.equal(latencies.length, 200);
  t.equal(Math.min(...latencies), 50);
  t.equal(Math.max(...latencies), 249);
});

const samples = (spec: [number, CallSample['outcome']][]): CallSample[] =>
  spec.flatMap(([n, outcome]) => Array.from({ length: n }, (_, i) => ({ latencyMs: 10 + i, outcome })));

t.test('error rate ignores rejections; degraded needs volume and over 20% errors, or a non-closed breaker', async (t) => {
  const summary = (breaker: 'closed' | 'open' | 'half_open', spec: [number, CallSample['outcome']][]) =>
    summarizeHealth({ partnerId: 'wh_1', kind: 'warehouse', breaker, samples: samples(spec) });

  const rejections = summary('closed', [[5, 'ok'], [20, 'rejected']]);
  t.equal(rejections.errorRate, 0);
  t.equal(rejections.isDegraded, false);

  t.equal(summary('closed', [[7, 'ok'], [3, 'timeout']]).isDegraded, true, '30% of 10 calls');
  t.equal(summary('closed', [[8, 'ok'], [1, 'network'], [1, 'invalid_response']]).isDegraded, false, 'exactly 20% is not over');
  t.equal(summary('closed', [[3, 'server_error']]).isDegraded, false, 'too few calls to judge');
  t.equal(summary('half_open', []).isDegraded, true);
  t.equal(summary('open', [[50, 'ok']]).isDegraded, true);

  const mixed = summary('closed', [[6, 'ok'], [2, 'rejected'], [2, 'server_error']]);
  t.match(mixed, { partnerId: 'wh_1', kind: 'warehouse', breaker: 'closed', calls: 10, errorRate: 0.2 });
  t.same(summary('closed', []).latencyMs, { p50: 0, p95: 0, p99: 0 });
  t.same(summary('closed', [[100, 'ok']]).latencyMs, { p50: 59, p95: 104, p99: 108 });
});
