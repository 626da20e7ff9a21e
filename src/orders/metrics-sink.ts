/** What the promise path reports to metrics; the app wires it to the Prometheus registry. */
export type PartnerMetricsSink = {
  partnerCall(partnerId: string, operation: string, outcome: string, latencyMs: number): void;
};
