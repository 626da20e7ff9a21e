const MICROGRAMS_PER_TENTH_OUNCE = 2_834_952n; // 0.1 oz = 2.8349523125 g, floored to the microgram
/**
 * Grams to ounces with one decimal, rounded up so a parcel is never declared lighter than it is
 * (an under-declared parcel is surcharged or refused at the dock). Integer arithmetic throughout.
 */
export function gramsToOunces(grams: number): number {
  if (!Number.isSafeInteger(grams) || grams <= 0) throw new RangeError(`weight must be a positive whole number of grams, got ${grams}`);
  const micrograms = BigInt(grams) * 1_000_000n;
  const tenths = (micrograms + MICROGRAMS_PER_TENTH_OUNCE - 1n) / MICROGRAMS_PER_TENTH_OUNCE;
  return Number(tenths) / 10;
}
