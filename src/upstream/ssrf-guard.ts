import { lookup as dnsLookup, promises as dnsPromises, type LookupAddress } from 'node:dns';
import { isIP, isIPv4, isIPv6, type LookupFunction } from 'node:net';

export type UrlCheck = { ok: true } | { ok: false; reason: string };

/** Resolves a hostname to every address it has; injectable so tests need no DNS. */
export type Resolve = (hostname: string) => Promise<string[]>;

/** The code the guarded lookup fails with; the wrapper maps it to `url_rejected`. */
export const SSRF_REFUSED = 'ERR_UPSTREAM_SSRF_REFUSED';

const V4_BLOCKS: [base: string, prefix: number, label: string][] = [
  ['169.254.169.254', 32, 'cloud metadata'],
  ['0.0.0.0', 8, 'this-network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const v4ToInt = (ip: string): number => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);

const v4Reason = (ip: string): string | null => {
  const n = v4ToInt(ip);
  for (const [base, prefix, label] of V4_BLOCKS) {
    const shift = 32 - prefix;
    if (Math.floor(n / 2 ** shift) === Math.floor(v4ToInt(base) / 2 ** shift)) return label;
  }
  return null;
};

/** Expands a valid IPv6 address (zone id and embedded dotted IPv4 allowed) to 8 hextets. */
const v6ToHextets = (ip: string): number[] => {
  let s = ip.split('%')[0]!;
  let embedded: number[] | undefined;
  const tail = s.slice(s.lastIndexOf(':') + 1);
  if (tail.includes('.')) {
    const n = v4ToInt(tail);
    embedded = [Math.floor(n / 65536), n % 65536];
    s = `${s.slice(0, s.length - tail.length)}0:0`;
  }
  const [head = '', rest] = s.split('::');
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const gap = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  const hextets = [...left, ...gap, ...right].map((h) => parseInt(h, 16));
  if (embedded) hextets.splice(6, 2, ...embedded);
  return hextets;
};

const hextetsToV4 = (a: number, b: number): string => [a >> 8, a & 255, b >> 8, b & 255].join('.');

const inV6Prefix = (h: readonly number[], prefix: readonly number[], bits: number): boolean => {
  for (let i = 0; bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if (((h[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
};

const v6Reason = (ip: string): string | null => {
  const h = v6ToHextets(ip);
  const zeros = (n: number) => h.slice(0, n).every((x) => x === 0);
  if (zeros(8)) return 'unspecified';
  if (zeros(7) && h[7] === 1) return 'loopback';
  // Addresses that embed an IPv4 address are judged by that address, or an attacker reaches 127.0.0.1 as ::ffff:7f00:1.
  if (zeros(5) && h[5] === 0xffff) return v4Reason(hextetsToV4(h[6]!, h[7]!));
  if (inV6Prefix(h, [0x64, 0xff9b], 96)) return v4Reason(hextetsToV4(h[6]!, h[7]!));
  if (inV6Prefix(h, [0x2002], 16)) return v4Reason(hextetsToV4(h[1]!, h[2]!));
  if (zeros(6)) return 'IPv4-compatible (deprecated)';
  if (inV6Prefix(h, [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x254], 128)) return 'cloud metadata';
  if (inV6Prefix(h, [0xfe80], 10)) return 'link-local';
  if (inV6Prefix(h, [0xfc00], 7)) return 'unique-local';
  if (inV6Prefix(h, [0xff00], 8)) return 'multicast';
  return null;
};

/** Why an IP address must not be called, or null when it is a public address. Pure. */
export function blockedAddressReason(ip: string): string | null {
  if (isIPv4(ip)) return v4Reason(ip);
  if (isIPv6(ip)) return v6Reason(ip);
  return 'not an IP address';
}

const refuse = (reason: string): UrlCheck => ({ ok: false, reason });

const literalHost = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * The checks that need no DNS: a parsable http(s) URL, https only unless private URLs are
 * allowed, and no literal IP in a blocked range (a literal IP never reaches the lookup hook).
 */
export function checkUrlSyntax(raw: string, opts: { allowPrivate: boolean }): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return refuse(`scheme ${url.protocol} is not allowed`);
  if (opts.allowPrivate) return { ok: true };
  if (url.protocol !== 'https:') return refuse('only https URLs are allowed');
  const host = literalHost(url);
  if (isIP(host)) {
    const reason = blockedAddressReason(host);
    if (reason) return refuse(`${host} is a ${reason} address`);
  }
  return { ok: true };
}

const systemResolve: Resolve = async (hostname) =>
  (await dnsPromises.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Configuration-time check of a seller-provided partner URL. Every address the host resolves
 * to must be public; the call-time lookup hook repeats this on the address actually connected to.
 */
export async function checkPartnerUrl(
  raw: string,
  opts: { allowPrivate: boolean; resolve?: Resolve },
): Promise<UrlCheck> {
  const syntax = checkUrlSyntax(raw, opts);
  if (!syntax.ok || opts.allowPrivate) return syntax;
  const host = literalHost(new URL(raw));
  if (isIP(host)) return syntax;
  let addresses: string[];
  try {
    addresses = await (opts.resolve ?? systemResolve)(host);
  } catch {
    return refuse(`${host} does not resolve`);
  }
  if (addresses.length === 0) return refuse(`${host} does not resolve`);
  for (const address of addresses) {
    const reason = blockedAddressReason(address);
    if (reason) return refuse(`${host} resolves to ${address}, a ${reason} address`);
  }
  return { ok: true };
}

export class SsrfRefusedError extends Error {
  readonly code = SSRF_REFUSED;
  constructor(message: string) {
    super(message);
    this.name = 'SsrfRefusedError';
  }
}

type AllLookup = (
  hostname: string,
  options: { all: true; family?: number; hints?: number },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for net/tls.connect that refuses the connection when any resolved address is
 * blocked, so the address checked is the address connected to (no DNS rebinding window).
 */
export function createGuardedLookup(lookup: AllLookup = dnsLookup as AllLookup): LookupFunction {
  const guarded = (
    hostname: string,
    options: { all?: boolean; family?: number; hints?: number },
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    lookup(hostname, { family: options.family, hints: options.hints, all: true }, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : '', 0);
      const blocked = addresses.find((a) => blockedAddressReason(a.address) !== null);
      if (blocked) {
        const reason = blockedAddressReason(blocked.address);
        return callback(new SsrfRefusedError(`${hostname} resolves to ${blocked.address}, a ${reason} address`), options.all ? [] : '', 0);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
  return guarded as unknown as LookupFunction;
}
