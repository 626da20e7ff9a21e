/** Attempts per delivery round (the first try plus retries); the minimum schedule below spans over 24 h. */
export const MAX_ATTEMPTS = 36;
const FIRST_RETRY_MS = 5_000;
const MAX_DELAY_MS = 3_600_000;

/**
 * Delay before the next attempt after `attemptsMade` failures: 5 s doubling up to 1 h, plus up to
 * 25 % jitter (never less than the base, so the 24 h guarantee holds whatever the random draw).
 * A Retry-After from the seller is honoured up to the 1 h cap. Pure: `random` is in [0, 1).
 */
export function retryDelayMs(attemptsMade: number, random: number, retryAfterMs?: number): number {
  const base = Math.min(MAX_DELAY_MS, FIRST_RETRY_MS * 2 ** Math.min(Math.max(0, attemptsMade - 1), 20));
  const jittered = Math.round(base * (1 + 0.25 * random));
  return retryAfterMs === undefined ? jittered : Math.min(MAX_DELAY_MS, Math.max(jittered, retryAfterMs));
}

/** True when no retry is left in this round. */
export const isExhausted = (attemptsMade: number) => attemptsMade >= MAX_ATTEMPTS;

/** Retry-After as seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: Date): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
