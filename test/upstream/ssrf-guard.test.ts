import type { LookupAddress } from 'node:dns';
import t from 'tap';
import { blockedAddressReason, checkPartnerUrl, createGuardedLookup } from '../../src/upstream/index.js';
import { SSRF_REFUSED } from '../../src/upstream/ssrf-guard.js';

t.test('every blocked address class is refused, with its reason', async (t) => {
  const blocked: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['0.0.0.0', 'this-network'],
    ['0.1.2.3', 'this-network'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['::ffff:a00:1', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['::127.0.0.1', 'IPv4-compatible (deprecated)'],
    ['fe80::1%eth0', 'link-local'],
  ];
  for (const [ip, reason] of blocked) t.equal(blockedAddressReason(ip), reason, ip);
});

t.test('public addresses, including neighbours of blocked ranges, are allowed', async (t) => {
  const allowed = [
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.255.255',
    '169.255.0.1',
    '192.169.0.1',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    'fec0::1',
  ];
  for (const ip of allowed) t.equal(blockedAddressReason(ip), null, ip);
  t.equal(blockedAddressReason('partner.example'), 'not an IP address');
});

const noDns = async (host: string): Promise<string[]> => {
  throw new Error(`DNS must not be used for ${host}`);
};

t.test('checkPartnerUrl without private URLs', async (t) => {
  const refused = [
    'https://127.0.0.1/x',
    'https://[::1]:8443/',
    'https://[::ffff:127.0.0.1]/',
    'https://0x7f.1/',
    'https://2130706433/',
    'https://169.254.169.254/latest/meta-data',
    'https://[fd00:ec2::254]/',
    'https://10.0.0.8/suppliers/sup_a',
    'http://8.8.8.8/',
    'http://partner.example/',
    'ftp://partner.example/',
    'not a url',
  ];
  for (const url of refused) t.match(await checkPartnerUrl(url, { allowPrivate: false, resolve: noDns }), { ok: false }, url);
  t.same(await checkPartnerUrl('https://8.8.8.8/', { allowPrivate: false, resolve: noDns }), { ok: true });
  t.same(await checkPartnerUrl('https://[2606:4700:4700::1111]/v1', { allowPrivate: false, resolve: noDns }), { ok: true });
  t.match(await checkPartnerUrl('https://169.254.169.254/', { allowPrivate: false }), { reason: /metadata/ });
  t.match(await checkPartnerUrl('http://8.8.8.8/', { allowPrivate: false }), { reason: /https/ });
});

t.test('checkPartnerUrl resolves names and refuses any private answer', async (t) => {
  const resolvingTo = (addresses: string[]) => async () => addresses;
  const check = (resolve: (h: string) => Promise<string[]>) =>
    checkPartnerUrl('https://api.partner.example/v2', { allowPrivate: false, resolve });
  t.same(await check(resolvingTo(['93.184.216.34', '2606:2800:220:1::'])), { ok: true });
  t.match(await check(resolvingTo(['93.184.216.34', '10.0.0.5'])), { ok: false, reason: /10\.0\.0\.5.*private/ });
  t.match(await check(resolvingTo(['::ffff:169.254.169.254'])), { ok: false, reason: /metadata/ });
  t.match(await check(resolvingTo([])), { ok: false, reason: /does not resolve/ });
  t.match(await check(noDns), { ok: false, reason: /does not resolve/ });
  t.match(await checkPartnerUrl('https://localhost:4010/', { allowPrivate: false }), { ok: false });
});

t.test('allowPrivate lifts the address and scheme rules, not the URL shape', async (t) => {
  for (const url of ['http://127.0.0.1:4010/suppliers/sup_a', 'http://localhost:4010', 'https://10.0.0.1', 'http://[::1]/']) {
    t.same(await checkPartnerUrl(url, { allowPrivate: true, resolve: noDns }), { ok: true }, url);
  }
  t.match(await checkPartnerUrl('file:///etc/passwd', { allowPrivate: true }), { ok: false });
  t.match(await checkPartnerUrl('::nonsense', { allowPrivate: true }), { ok: false });
});

type Answer = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
const lookupWith = (addresses: LookupAddress[]) =>
  createGuardedLookup((_host, options, cb) =>
    // The guard must judge every address, not just the first one the OS would pick.
    options.all ? cb(null, addresses) : cb(Object.assign(new Error('asked for one address'), { code: 'EBADARGS' }), []),
  ) as unknown as (host: string, options: { all?: boolean; family?: number }, cb: Answer) => void;

const answer = (lookup: ReturnType<typeof lookupWith>, options: { all?: boolean }, host = 'api.partner.example') =>
  new Promise<{ err: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }>((resolve) =>
    lookup(host, options, (err, address, family) => resolve({ err, address, family })),
  );

t.test('the connect lookup refuses a blocked address and answers in the shape asked', async (t) => {
  const rebinding = await answer(lookupWith([{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }]), {});
  t.equal(rebinding.err?.code, SSRF_REFUSED);
  t.match(rebinding.err?.message, /127\.0\.0\.1.*loopback/);

  const single = await answer(lookupWith([{ address: '93.184.216.34', family: 4 }]), {});
  t.same([single.err, single.address, single.family], [null, '93.184.216.34', 4]);
  const all = await answer(lookupWith([{ address: '2606:2800:220:1::', family: 6 }]), { all: true });
  t.same(all.address, [{ address: '2606:2800:220:1::', family: 6 }]);

  const real = await answer(createGuardedLookup() as unknown as ReturnType<typeof lookupWith>, {}, 'localhost');
  t.equal(real.err?.code, SSRF_REFUSED, 'localhost through the system resolver');
});
