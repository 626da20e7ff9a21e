import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { build, orderBody } from '../helper.js';

const CHROMIUM = '/usr/bin/chromium';

/** CI installs Debian's chromium (.ci/run ensure_chromium); elsewhere try once, else skip and say why. */
function ensureChromium(): string | null {
  if (existsSync(CHROMIUM)) return null;
  try {
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], { stdio: 'ignore', timeout: 600_000 });
  } catch (err) {
    return `chromium is not installed and could not be installed (${(err as Error).message.split('\n')[0]})`;
  }
  return existsSync(CHROMIUM) ? null : `apt-get installed no ${CHROMIUM}`;
}

const skip = ensureChromium();

t.test('the /finance page in headless Chromium: approve a compensation and see the balance move', { skip: skip ?? false }, async (t) => {
  const { chromium } = await import('playwright-core');
  const ctx = await build(t);
  const base = await ctx.app.listen({ host: '127.0.0.1', port: 0 });

  const keyFor = async (role: string) => {
    const res = await ctx.request({ method: 'POST', url: '/v1/api-keys', payload: { role, label: `${role} (page test)` } });
    t.equal(res.statusCode, 201, `${role} key created`);
    return res.json().key as string;
  };
  const financeKey = await keyFor('finance');
  const opsKey = await keyFor('ops');

  const placed = await ctx.placeOrder(orderBody());
  t.equal(placed.statusCode, 201, 'order placed');
  const orderId = placed.json().id;
  // A goodwill compensation requested with the admin key: it waits for someone else's approval.
  const requested = await ctx.request({ method: 'POST', url: '/v1/compensations', headers: { 'idempotency-key': 'page-goodwill-1' }, payload: { order_id: orderId, amount_minor: 1234, reason: 'late, sorry' } });
  t.equal(requested.statusCode, 201, `goodwill compensation requested: ${requested.statusCode === 201 ? '' : requested.body}`);
  const compensationId = requested.json().id;
  t.equal(requested.json().status, 'pending_approval');

  const page1 = await ctx.request({ method: 'GET', url: '/finance', key: null });
  t.equal(page1.statusCode, 200);
  t.match(page1.headers['content-security-policy'], /default-src 'none'; script-src 'self'/);
  t.match(page1.headers['content-type'], /^text\/html/);

  const userDataDir = mkdtempSync(join(tmpdir(), 'pledge-chromium-'));
  // A fresh profile per run: launchPersistentContext is how playwright takes a user-data-dir.
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(async () => {
    await browser.close();
    rmSync(userDataDir, { recursive: true, force: true });
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(30_000);
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));

  await page.goto(`${base}/finance`);

  // An ops key is refused, and the page says so with the problem's title and detail.
  await page.getByLabel('Finance API key').fill(opsKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#error').waitFor({ state: 'visible' });
  t.match(await page.locator('#error').textContent(), /Forbidden: .*ops/);
  t.ok(await page.locator('#app').isHidden(), 'nothing shown to ops');

  await page.getByLabel('Finance API key').fill(financeKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const pending = page.locator(`#approvals tr[data-id="${compensationId}"]`);
  await pending.waitFor();
  t.match(await pending.textContent(), /12\.34 USD/);
  t.match(await pending.textContent(), /late, sorry/);
  t.equal(await page.locator('#balances tr[data-account="compensation_payable"]').count(), 0, 'no compensation payable before approval');
  t.ok(await page.locator('#ledger tbody tr').count() >= 1, 'the ledger shows the exposure reservation');
  t.equal(await page.locator('#ledger tr[data-kind="exposure_reserved"] .badge').first().textContent(), 'pending', 'not anchored yet');
  await page.getByText('No compensation posted in the last 12 weeks.').waitFor();

  await pending.getByRole('button', { name: 'Approve' }).click();
  await pending.waitFor({ state: 'detached' });
  const payable = page.locator('#balances tr[data-account="compensation_payable"][data-currency="USD"] .balance');
  await payable.waitFor();
  t.equal(await payable.textContent(), '-12.34 USD', 'compensation payable moved by the approved amount');
  const posted = page.locator('#ledger tr[data-kind="compensation_posted"]');
  await posted.waitFor();
  t.match(await posted.textContent(), new RegExp(`${orderId}.*compensation_payable -12\\.34 USD`, 's'));
  t.ok(await page.locator('#approvals-empty').isVisible(), 'nothing left to approve');
  await page.locator('#chart svg').waitFor();
  const weekBars = await page.locator('#chart rect.bar').count();
  t.equal(weekBars, 12, 'twelve weeks in the chart');
  t.match(await page.locator('#reconciliation tbody').textContent(), /12\.34 USD/, 'the month shows the compensation');

  // No chain in this test: the new entry waits for the anchorer (test/finance/journal-anchoring.test.ts covers final).
  const api = await ctx.request({ method: 'GET', url: '/v1/ledger/transactions?kind=compensation_posted', key: financeKey });
  t.equal(api.json().data[0].anchor.status, 'pending');

  // The ops sign-in's 403 is logged by Chromium as a failed resource; anything else is a bug.
  t.same(consoleErrors.filter((e) => !/status of 403/.test(e)), [], 'no script errors, no CSP violations');
  t.ok(requests.every((u) => u.startsWith(base)), `every request went to the app: ${requests.filter((u) => !u.startsWith(base)).join(', ')}`);
});
