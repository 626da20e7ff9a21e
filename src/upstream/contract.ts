import type { PartnerKind } from '../db/database.js';

/** How hard Pledge may call one partner endpoint; set per partner by the seller. */
export type PartnerLimits = {
  maxConcurrency: number;
  ratePerSecond: number;
  /** Upper bound for one call, on top of the order's own deadline. */
  timeoutMs: number;
};

/** One configured partner endpoint with its decrypted credentials (never logged). */
export type PartnerConnection = {
  id: string;
  kind: PartnerKind;
  baseUrl: string;
  credentials: Record<string, string>;
  limits: PartnerLimits;
};

export type UpstreamRequest = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Appended to the partner's base URL (which may itself carry a path prefix). */
  path: string;
  headers?: Record<string, string>;
  /** Serialised as JSON unless `form` is set. */
  body?: unknown;
  form?: Record<string, string>;
  /** The order's deadline; aborting it cancels the call. */
  signal: AbortSignal;
  /**
   * Reads (quotes, rates) are idempotent and may be hedged; instructions and purchases never are.
   * Defaults to false.
   */
  idempotent?: boolean;
  /** A label for metrics, e.g. "quote", "rates", "instruction". */
  operation: string;
};

export type UpstreamResponse = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or null for an empty body. Validation is the adapter's job (zod, in its wire.ts). */
  body: unknown;
};

export type UpstreamFailure =
  /** The partner answered 4xx: our request or their business rule. Never retried, never trips a breaker. */
  | 'rejected'
  /** 5xx. */
  | 'server_error'
  /** Our deadline or the per-call timeout passed first. */
  | 'timeout'
  /** Connection refused/reset, DNS failure. */
  | 'network'
  /** The breaker for this partner is open; the call was not made. */
  | 'circuit_open'
  /** The answer was not JSON, too large, or did not match the wire schema. */
  | 'invalid_response'
  /** The seller-configured URL failed the SSRF guard. */
  | 'url_rejected';

export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    readonly partnerId: string,
    message: string,
    readonly status?: number,
    readonly responseBody?: unknown,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

export type PartnerHealth = {
  partnerId: string;
  kind: PartnerKind;
  breaker: 'closed' | 'open' | 'half_open';
  calls: number;
  errorRate: number;
  latencyMs: { p50: number; p95: number; p99: number };
  /** True when the breaker is not closed or the recent error rate is high: scoring lowers confidence. */
  isDegraded: boolean;
  /** Hedged duplicates of slow reads sent to this partner, and how many answered first. */
  hedges?: { sent: number; won: number };
};

/** The one resilience wrapper every partner adapter calls through. */
export interface Upstream {
  /** Throws UpstreamError for every failure; returns only 2xx responses. */
  request(partner: PartnerConnection, req: UpstreamRequest): Promise<UpstreamResponse>;
  health(): PartnerHealth[];
  healthOf(partnerId: string): PartnerHealth | undefined;
  /** Cheap: the same verdict as healthOf(id).isDegraded without computing percentiles. */
  isDegraded(partnerId: string): boolean;
  close(): Promise<void>;
}
