/**
 * Retry timing, pure: exponential backoff with full jitter and a cap, and Retry-After parsing.
 * Plain values in, plain values out; the clock and the random source are parameters.
 */

export interface BackoffPolicy {
  /** Delay scale of the first retry, ms. */
  baseMs: number;
  /** Upper bound of any computed delay, ms. */
  capMs: number;
  /** Upper bound honoured for a server's Retry-After, ms (a larger one is clamped, so a bad header cannot park the box for days). */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, capMs: 15 * 60_000, maxRetryAfterMs: 6 * 3600_000 };

/**
 * Delay before retry number `failures` (1 = after the first failure): full jitter,
 * `random() * min(cap, base * 2^(failures-1))`. A Retry-After (ms) is a floor: the delay is
 * `max(retryAfter, jittered)`, clamped to `maxRetryAfterMs`.
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: number, retryAfterMs?: number): number {
  const n = Math.max(1, Math.floor(failures));
  const r = Math.min(Math.max(random, 0), 1);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(n - 1, 52));
  const jittered = Math.floor(r * ceiling);
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs)) return jittered;
  return Math.min(Math.max(retryAfterMs, jittered), Math.max(policy.maxRetryAfterMs, policy.capMs));
}

/**
 * Retry-After header (RFC 9110): delay-seconds or an HTTP-date. Returns ms from `now`, never
 * negative, or undefined when absent or unparsable.
 */
export function parseRetryAfter(value: string | readonly string[] | undefined | null, now: Date): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (s === '') return undefined;
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  if (/^-?\d+(\.\d+)?$/.test(s)) return undefined;
  const t = Date.parse(s);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now.getTime());
}
