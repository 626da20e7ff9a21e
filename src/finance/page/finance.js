// The /finance page: plain DOM, no framework, no build step. The API key lives in sessionStorage
// (gone when the tab closes) and goes out as a Bearer header; nothing else is stored.
const KEY = 'pledge.finance.key';
const $ = (sel) => document.querySelector(sel);
let ledgerCursor = null;

class ApiError extends Error {}

async function api(path, { method = 'GET', body, raw = false } = {}) {
  const headers = { authorization: `Bearer ${sessionStorage.getItem(KEY) ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) {
    let problem = { title: `HTTP ${res.status}`, detail: res.statusText };
    try {
      problem = await res.json();
    } catch {}
    throw new ApiError(`${problem.title}: ${problem.detail}`);
  }
  return raw ? res : res.json();
}

function showError(err) {
  const box = $('#error');
  box.textContent = err instanceof ApiError ? err.message : `Unexpected error: ${err.message}`;
  box.hidden = false;
}
const clearError = () => ($('#error').hidden = true);

/** Integer minor units to text without floating point (two decimals; the API never sends floats). */
function money(minor, currency) {
  const n = BigInt(minor);
  const abs = n < 0n ? -n : n;
  return `${n < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')} ${currency ?? ''}`.trim();
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c ?? ''));
  return node;
}
const cell = (text, cls) => el('td', cls ? { class: cls } : {}, text);

async function loadApprovals() {
  const body = $('#approvals tbody');
  const { data } = await api('/v1/compensations?status=pending_approval&limit=100');
  body.replaceChildren(
    ...data.map((c) => {
      const reason = el('input', { 'aria-label': `Reason to reject ${c.id}`, name: 'reason', placeholder: 'reason to reject' });
      const decide = async (path, payload) => {
        clearError();
        try {
          await api(`/v1/compensations/${encodeURIComponent(c.id)}/${path}`, { method: 'POST', body: payload });
          await refresh();
        } catch (err) {
          showError(err);
        }
      };
      return el(
        'tr',
        { 'data-id': c.id },
        cell(c.order_id),
        cell(c.breach_kind ?? 'goodwill'),
        cell(money(c.amount_minor, c.currency), 'num'),
        cell(c.requested_by ?? ''),
        cell(new Date(c.created_at).toLocaleString()),
        cell(c.reason ?? ''),
        el(
          'td',
          {},
          el('button', { type: 'button', onclick: () => decide('approve') }, 'Approve'),
          ' ',
          reason,
          ' ',
          el('button', { type: 'button', onclick: () => (reason.value.trim() ? decide('reject', { reason: reason.value.trim() }) : showError(new ApiError('Reason required: say why it is rejected'))) }, 'Reject'),
        ),
      );
    }),
  );
  $('#approvals-empty').hidden = data.length > 0;
}

async function loadBalances() {
  const b = await api('/v1/ledger/balances');
  $('#balances tbody').replaceChildren(
    ...b.accounts.map((a) =>
      el('tr', { 'data-account': a.account, 'data-currency': a.currency }, el('th', { scope: 'row' }, a.account), cell(a.currency), cell(money(a.balance_minor, a.currency), 'num balance'), cell(money(a.debits_minor, a.currency), 'num'), cell(money(a.credits_minor, a.currency), 'num')),
    ),
  );
  $('#exposure').textContent = b.live_exposure.map((e) => money(e.amount_minor, e.currency)).join(', ') || '0.00';
}

function anchorBadge(tx) {
  const a = tx.anchor;
  if (a.status !== 'final') return el('span', { class: `badge badge-${a.status}`, title: a.status === 'submitted' ? `sent in ${a.tx_hash}, waiting for confirmations` : 'waiting for the next batch' }, a.status);
  // The proof needs the Bearer key, so it is fetched and offered as a file rather than linked directly.
  const link = el('a', { class: 'badge badge-final', href: `/v1/ledger/transactions/${encodeURIComponent(tx.id)}/proof`, title: `anchored in ${a.tx_hash}; download the proof (check it with pledge verify)` }, 'anchored ✓');
  link.addEventListener('click', async (event) => {
    event.preventDefault();
    try {
      const proof = await api(link.getAttribute('href'));
      download(new Blob([JSON.stringify(proof, null, 2)], { type: 'application/json' }), `${tx.id}.proof.json`);
    } catch (err) {
      showError(err);
    }
  });
  return link;
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function ledgerQuery() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData($('#ledger-filters'))) {
    if (!v) continue;
    // A date input means that whole UTC day: from its start, to the start of the next day.
    if (k === 'from') params.set(k, `${v}T00:00:00Z`);
    else if (k === 'to') params.set(k, new Date(Date.parse(`${v}T00:00:00Z`) + 86_400_000).toISOString());
    else params.set(k, String(v));
  }
  return params;
}

async function loadLedger(append = false) {
  const params = ledgerQuery();
  params.set('limit', '25');
  if (append && ledgerCursor) params.set('cursor', ledgerCursor);
  const page = await api(`/v1/ledger/transactions?${params}`);
  const rows = page.data.map((tx) =>
    el(
      'tr',
      { 'data-id': tx.id, 'data-kind': tx.kind },
      cell(String(tx.seq), 'num'),
      cell(new Date(tx.created_at).toLocaleString()),
      cell(tx.kind),
      cell(tx.status),
      cell(tx.order_id ?? ''),
      cell(tx.partner_id ?? ''),
      cell(tx.postings.map((p) => `${p.account} ${money(p.amount_minor, p.currency)}`).join('\n')),
      el('td', {}, anchorBadge(tx)),
    ),
  );
  if (append) $('#ledger tbody').append(...rows);
  else $('#ledger tbody').replaceChildren(...rows);
  ledgerCursor = page.next_cursor;
  $('#ledger-more').hidden = !ledgerCursor;
}

async function loadReconciliation() {
  const month = $('#recon-month').value;
  const r = await api(`/v1/ledger/reconciliation?month=${encodeURIComponent(month)}`);
  const row = (label, l) =>
    el('tr', {}, el('th', { scope: 'row' }, label), cell(l.currency), cell(money(l.compensation_posted_minor, l.currency), 'num'), cell(money(l.chargebacks_booked_minor, l.currency), 'num'), cell(money(l.difference_minor, l.currency), 'num'), cell(`${l.compensation_count} / ${l.chargeback_count}`, 'num'));
  $('#reconciliation tbody').replaceChildren(...r.partners.map((l) => row(l.partner_id ?? '(no partner)', l)), ...r.totals.map((t) => row('Total', t)));
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

async function loadChart() {
  const weekly = await api('/v1/ledger/compensation-weekly?weeks=12');
  const series = weekly.series[0];
  const box = $('#chart');
  if (!series) return box.replaceChildren(el('p', {}, 'No compensation posted in the last 12 weeks.'));
  const width = 640, height = 200, pad = 24, n = series.points.length;
  const max = Math.max(1, ...series.points.map((p) => p.amount_minor));
  const barW = (width - 2 * pad) / n;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'chart-desc' });
  chart.append(svg('title', { id: 'chart-desc' }, `Compensation posted per week, ${series.currency}, last ${n} weeks`));
  series.points.forEach((p, i) => {
    const h = ((height - 2 * pad) * Math.max(0, p.amount_minor)) / max;
    const bar = svg('rect', { class: 'bar', x: pad + i * barW + 2, y: height - pad - h, width: Math.max(1, barW - 4), height: h, 'data-week': p.week_start });
    bar.append(svg('title', {}, `Week of ${p.week_start.slice(0, 10)}: ${money(p.amount_minor, series.currency)} (${p.count})`));
    chart.append(bar, svg('text', { x: pad + i * barW + barW / 2, y: height - 6, 'text-anchor': 'middle' }, p.week_start.slice(5, 10)));
  });
  chart.append(svg('text', { x: pad, y: 14 }, `max ${money(max, series.currency)}`));
  box.replaceChildren(chart);
}

async function refresh() {
  clearError();
  const results = await Promise.allSettled([loadApprovals(), loadBalances(), loadLedger(), loadReconciliation(), loadChart()]);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) showError(failed.reason);
}

function showSignedIn(isIn) {
  $('#signin').hidden = isIn;
  $('#signed-in').hidden = !isIn;
  $('#app').hidden = !isIn;
}

$('#signin').addEventListener('submit', async (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY, $('#api-key').value.trim());
  $('#api-key').value = '';
  try {
    await api('/v1/ledger/balances'); // refuses ops and unknown keys before the page shows anything
    showSignedIn(true);
    await refresh();
  } catch (err) {
    sessionStorage.removeItem(KEY);
    showSignedIn(false);
    showError(err);
  }
});
$('#signout').addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  showSignedIn(false);
  for (const body of document.querySelectorAll('tbody')) body.replaceChildren();
});
$('#ledger-filters').addEventListener('submit', (event) => {
  event.preventDefault();
  clearError();
  loadLedger().catch(showError);
});
$('#ledger-more').addEventListener('click', () => loadLedger(true).catch(showError));
$('#recon-form').addEventListener('submit', (event) => {
  event.preventDefault();
  clearError();
  loadReconciliation().catch(showError);
});
$('#export').addEventListener('click', async () => {
  try {
    const params = ledgerQuery();
    const res = await api(`/v1/ledger/export.csv?${params}`, { raw: true });
    download(await res.blob(), 'ledger.csv');
  } catch (err) {
    showError(err);
  }
});

$('#recon-month').value = new Date().toISOString().slice(0, 7);
if (sessionStorage.getItem(KEY)) {
  showSignedIn(true);
  refresh();
}
