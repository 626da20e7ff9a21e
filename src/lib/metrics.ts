/** A minimal Prometheus text-format registry: counters, gauges and histograms with labels. */
type Labels = Record<string, string>;
const labelKey = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}
  abstract lines(): string[];
}

export class Counter extends Metric {
  private values = new Map<string, number>();
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels: Labels = {}, by = 1) {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}) {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  lines() {
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${v}`);
  }
}

export class Gauge extends Metric {
  private values = new Map<string, number>();
  constructor(
    name: string,
    help: string,
    private collect?: (set: (labels: Labels, value: number) => void) => void,
  ) {
    super(name, help, 'gauge');
  }
  set(labels: Labels, value: number) {
    this.values.set(labelKey(labels), value);
  }
  lines() {
    if (this.collect) {
      this.values.clear();
      this.collect((l, v) => this.set(l, v));
    }
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${v}`);
  }
}

export class Histogram extends Metric {
  private series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    name: string,
    help: string,
    readonly buckets: number[],
  ) {
    super(name, help, 'histogram');
  }
  observe(labels: Labels, value: number) {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  lines() {
    const out: string[] = [];
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : '';
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket{${sep}le="${b}"} ${s.counts[i]}`));
      out.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return out;
  }
}

export class MetricsRegistry {
  private metrics: Metric[] = [];
  register<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
  render(): string {
    return (
      this.metrics.flatMap((m) => [`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.lines()]).join('\n') + '\n'
    );
  }
}

const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 750, 1000, 1500, 2000, 3000, 5000];

/** Every metric Pledge exposes, created once per app. */
export function createPledgeMetrics() {
  const registry = new MetricsRegistry();
  return {
    registry,
    decisionLatency: registry.register(new Histogram('pledge_decision_duration_ms', 'Order decision time (request to promise or decline)', LATENCY_BUCKETS_MS)),
    partnerLatency: registry.register(new Histogram('pledge_partner_call_duration_ms', 'Partner call latency by partner, operation and outcome', LATENCY_BUCKETS_MS)),
    orders: registry.register(new Counter('pledge_orders_total', 'Orders decided, by status')),
    instructions: registry.register(new Counter('pledge_instructions_total', 'Drop-ship instruction attempts, by outcome')),
    labelVoids: registry.register(new Counter('pledge_label_voids_total', 'Voids of labels that will never travel, by outcome (voided, rejected, not_bought, retry, failed)')),
    httpRequests: registry.register(new Counter('pledge_http_requests_total', 'HTTP requests by route and status class')),
    rejectedRequests: registry.register(new Counter('pledge_rejected_requests_total', 'Requests refused before any work, by code')),
    anchorEvents: registry.register(new Counter('pledge_anchor_events_total', 'Milestone anchoring events (cut, submitted, replaced, rebroadcast, reorged, final, requeued, chain_error)')),
    anchorChainUp: registry.register(new Gauge('pledge_anchor_chain_up', '1 when the last anchoring pass reached the chain')),
    platformWebhooks: registry.register(new Counter('pledge_platform_webhooks_total', 'Inbound platform webhooks (Shopify, WooCommerce, Standard Webhooks), by platform and outcome')),
    milestoneEvents: registry.register(new Counter('pledge_milestone_events_total', 'Milestone events received, by source and outcome (recorded, duplicate, ignored, rejected)')),
    webhookAttempts: registry.register(new Counter('pledge_webhook_attempts_total', 'Seller webhook delivery attempts, by outcome')),
    webhookLatency: registry.register(new Histogram('pledge_webhook_attempt_duration_ms', 'Seller webhook attempt latency, by outcome', LATENCY_BUCKETS_MS)),
    breachWork: registry.register(new Counter('pledge_breach_work_total', 'Breach timers fired and breaches settled, by step (timer_fired, repairing, posted, pending_approval, closed, held, failed)')),
  };
}
export type PledgeMetrics = ReturnType<typeof createPledgeMetrics>;
