/**
 * Seeded randomness for the sandbox. Every partner owns two independent streams (chaos: latency,
 * errors, hangs; data: ids, tracking numbers), so a knob change or a request to another partner never
 * shifts the ids a partner hands out.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** `length` lowercase hex characters. */
  hex(length: number): string;
  /** `length` decimal digits (leading zeros allowed). */
  digits(length: number): string;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** RFC 4122 version 4 layout, for request ids. */
  uuid(): string;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the labels, so each (seed, partner, stream) gets its own 32-bit seed. */
export function deriveSeed(seed: number, ...labels: string[]): number {
  let h = 0x811c9dc5;
  for (const ch of [String(seed), ...labels].join('\u0000')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function createRng(seed: number): Rng {
  const next = mulberry32(seed);
  const pick = (alphabet: string, length: number) => {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
    return out;
  };
  return {
    next,
    hex: (length) => pick('0123456789abcdef', length),
    digits: (length) => pick('0123456789', length),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    uuid() {
      const h = pick('0123456789abcdef', 32);
      const variant = '89ab'[Math.floor(next() * 4)];
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  };
}

/** z-score of the 99th percentile of the standard normal. */
const Z_99 = 2.326;

/**
 * A log-normal latency with the given median and 99th percentile, from two uniforms (Box-Muller).
 * sigma = ln(p99 / median) / z99, so exactly 1% of draws exceed p99.
 */
export function lognormalMs(u1: number, u2: number, medianMs: number, p99Ms: number, maxMs: number): number {
  if (medianMs <= 0) return 0;
  const sigma = p99Ms > medianMs ? Math.log(p99Ms / medianMs) / Z_99 : 0;
  // 1 - u keeps the logarithm finite: u is in [0, 1).
  const z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  return Math.min(maxMs, medianMs * Math.exp(sigma * z));
}
