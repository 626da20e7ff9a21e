import type { TrackedMilestone } from '../../ledger/proof-service.js';

/** The public tracking page: plain server-rendered HTML, no script, every value escaped. */
const escapeHtml = (value: unknown) =>
  String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const LABELS: Record<string, string> = {
  instruction_sent: 'Order sent to the supplier',
  supplier_accepted: 'Supplier accepted the order',
  supplier_refused: 'Supplier could not fulfil the order',
  handed_over: 'Handed over to the carrier',
  in_transit: 'In transit',
  out_for_delivery: 'Out for delivery',
  delivered: 'Delivered',
  exception: 'Delivery exception',
  returned: 'Returned',
  cancelled: 'Cancelled',
};

const VERDICTS: Record<TrackedMilestone['verdict'], { text: string; color: string }> = {
  verified: { text: 'Verified on chain', color: '#1a7f37' },
  pending: { text: 'Not anchored yet', color: '#9a6700' },
  failed: { text: 'Does NOT verify', color: '#cf222e' },
  unavailable: { text: 'Chain unreachable', color: '#57606a' },
};

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.5rem;border-bottom:1px solid #d0d7de;vertical-align:top}
.v{font-weight:600;white-space:nowrap}small{color:#57606a}code{font-size:.85em;word-break:break-all}`;

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;

export function renderTrackPage(code: string, tracked: { orderId: string; milestones: TrackedMilestone[] }): string {
  const rows = tracked.milestones
    .map(({ proof, verdict, detail }) => {
      const v = VERDICTS[verdict];
      const anchor = proof.anchor ? `<br><small>chain ${escapeHtml(proof.anchor.chain_id)}, block ${escapeHtml(proof.anchor.block_number ?? 'pending')}, tx <code>${escapeHtml(proof.anchor.tx_hash)}</code></small>` : '';
      const proofUrl = `/track/${encodeURIComponent(code)}/milestones/${encodeURIComponent(proof.milestone.id)}/proof`;
      return `<tr><td>${escapeHtml(new Date(proof.milestone.occurred_at).toUTCString())}</td><td>${escapeHtml(LABELS[proof.milestone.type] ?? proof.milestone.type)}<br><small>reported by ${escapeHtml(proof.milestone.source)}</small>${anchor}</td><td class="v" style="color:${v.color}">${v.text}<br><small>${escapeHtml(detail)}</small><br><a href="${escapeHtml(proofUrl)}">proof</a></td></tr>`;
    })
    .join('');
  const body = tracked.milestones.length
    ? `<table><thead><tr><th>When (UTC)</th><th>What</th><th>Proof</th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p>No milestones recorded for this order yet.</p>';
  return page(
    'Your order',
    `<h1>Your order</h1><p><small>Voucher ${escapeHtml(code)}</small></p>${body}
<p><small>Every event is written to an append-only log, sealed in a Merkle tree with a per-event salt, and its root published on a public blockchain. Download a proof and check it yourself with <code>pledge verify proof.json --rpc &lt;URL&gt;</code>; it reveals nothing about other orders.</small></p>`,
  );
}

export const renderNotFoundPage = () => page('Not found', '<h1>Not found</h1><p>No order matches this voucher code.</p>');
