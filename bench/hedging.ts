// Hedged reads on vs off, same run: supplier quotes through the real upstream wrapper and the real
// pledge-v1 supplier adapter against the sandbox with a long-tailed latency profile.
// Usage: npm run bench:hedging   (BENCH_QUICK=1 for a short smoke run)
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { createSandbox } from '../src/sandbox/index.js';
import { createPledgeV1SupplierAdapter } from '../src/suppliers/pledge-v1/index.js';
import type { PartnerConnection } from '../src/upstream/contract.js';
import { createUpstream, percentile } from '../src/upstream/index.js';

const CALLS = process.env.BENCH_QUICK ? 400 : 3000;
const CONCURRENCY = 16;
const PROFILE = { latency_ms_median: 120, latency_ms_p99: 900, error_rate: 0, hang_rate: 0 };

async function run(label: string, isHedged: boolean, baseUrl: string, path: string, apiKey: string) {
  const upstream = createUpstream({ allowPrivateUrls: true, hedging: { isEnabled: isHedged } });
  const adapter = createPledgeV1SupplierAdapter({ upstream });
  const partner: PartnerConnection = {
    id: `sup_bench_${label}`,
    kind: 'supplier',
    baseUrl: baseUrl + path,
    credentials: { api_key: apiKey },
    limits: { maxConcurrency: 64, ratePerSecond: 10_000, timeoutMs: 5000 },
  };
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < CALLS) {
      next++;
      const started = performance.now();
      try {
        await adapter.quote(
          partner,
          { orderRef: `bench-${next}`, warehouseRef: 'wh_acme_nj', items: [{ supplierSku: 'ACME-MUG-BLK-12', quantity: 1 }], shipTo: { country: 'US', region: 'NY', postalCode: '10001', city: 'New York' } },
          { signal: AbortSignal.timeout(5000) },
        );
        latencies.push(performance.now() - started);
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const health = upstream.healthOf(partner.id);
  await upstream.close();
  const r = (p: number) => Math.round(percentile(latencies, p));
  return { label, calls: CALLS, failures, p50: r(50), p95: r(95), p99: r(99), max: r(100), hedges: health?.hedges ?? { sent: 0, won: 0 } };
}

const sandbox = createSandbox({ seed: 7 });
const { baseUrl } = await sandbox.start();
const supplier = sandbox.world.suppliers.find((s) => s.id === 'sup_acme')!;
sandbox.patchPartner('sup_acme', PROFILE);
// Alternate the two modes in rounds so machine load hits both alike.
const rounds = 3;
const results: Awaited<ReturnType<typeof run>>[] = [];
for (let i = 0; i < rounds; i++) {
  results.push(await run(`off_${i}`, false, baseUrl, supplier.path, supplier.apiKey));
  results.push(await run(`on_${i}`, true, baseUrl, supplier.path, supplier.apiKey));
}
await sandbox.close();
const summary = (prefix: string) => {
  const rs = results.filter((r) => r.label.startsWith(prefix));
  const mean = (k: 'p50' | 'p95' | 'p99' | 'max') => Math.round(rs.reduce((s, r) => s + r[k], 0) / rs.length);
  return { p50: mean('p50'), p95: mean('p95'), p99: mean('p99'), max: mean('max'), hedgesSent: rs.reduce((s, r) => s + r.hedges.sent, 0), hedgesWon: rs.reduce((s, r) => s + r.hedges.won, 0), calls: rs.reduce((s, r) => s + r.calls, 0), failures: rs.reduce((s, r) => s + r.failures, 0) };
};
const out = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  profile: PROFILE,
  callsPerRound: CALLS,
  concurrency: CONCURRENCY,
  off: summary('off_'),
  on: summary('on_'),
  rounds: results,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/hedging.json', import.meta.url), JSON.stringify(out, null, 2));
console.log(JSON.stringify({ off: out.off, on: out.on }, null, 2));
