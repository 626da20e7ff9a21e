/**
 * Money is integer minor units everywhere. Partner APIs send decimals as strings or numbers; they are
 * parsed digit by digit, never through floating point, so "19.99" is exactly 1999.
 */
const CURRENCY_EXPONENT: Record<string, number> = {
  BHD: 3, CLP: 0, IQD: 3, ISK: 0, JOD: 3, JPY: 0, KRW: 0, KWD: 3, LYD: 3, OMR: 3, PYG: 0, TND: 3,
  UGX: 0, VND: 0, XAF: 0, XOF: 0, XPF: 0,
};

export function currencyExponent(currency: string): number {
  return CURRENCY_EXPONENT[currency.toUpperCase()] ?? 2;
}

export class MoneyParseError extends Error {
  constructor(value: unknown) {
    super(`not a decimal amount: ${JSON.stringify(value)}`);
    this.name = 'MoneyParseError';
  }
}

/**
 * Parses a decimal amount ("12.5", 12.5, "0.005") into minor units of `currency`.
 * Digits beyond the currency's exponent are rounded half-up on the decimal string itself.
 * Numbers are formatted with their shortest round-trip representation first (12.5 -> "12.5").
 */
export function toMinorUnits(value: string | number, currency: string): number {
  const text = typeof value === 'number' ? numberToPlainString(value) : value.trim();
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) throw new MoneyParseError(value);
  const [, sign, whole, fraction = ''] = match;
  const exp = currencyExponent(currency);
  const kept = fraction.slice(0, exp).padEnd(exp, '0');
  const roundUp = (fraction.charCodeAt(exp) || 48) >= 53; // next digit >= '5'
  let minor = BigInt(whole! + kept);
  if (roundUp) minor += 1n;
  const result = Number(sign === '-' ? -minor : minor);
  if (!Number.isSafeInteger(result)) throw new MoneyParseError(value);
  return result;
}

/** Formats minor units as a decimal string for partner APIs that want one ("1999" -> "19.99"). */
export function fromMinorUnits(minor: number, currency: string): string {
  const exp = currencyExponent(currency);
  const negative = minor < 0;
  const digits = Math.abs(minor).toString().padStart(exp + 1, '0');
  const whole = exp === 0 ? digits : digits.slice(0, -exp);
  const fraction = exp === 0 ? '' : `.${digits.slice(-exp)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

function numberToPlainString(n: number): string {
  if (!Number.isFinite(n)) throw new MoneyParseError(n);
  const s = String(n);
  if (!/e/i.test(s)) return s;
  // Exponent form (1e-7, 1.5e21): expand without float arithmetic.
  const [mantissa, expText] = s.toLowerCase().split('e') as [string, string];
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const [intPart, fracPart = ''] = mantissa.replace('-', '').split('.') as [string, string?];
  const digits = intPart + fracPart;
  const point = intPart.length + exp;
  const expanded =
    point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? '-' : '') + expanded;
}
