import * as z from 'zod';

/**
 * Pacing sends to a provider's rate limit, shared by every dispatcher at once. Pure: instants are
 * epoch milliseconds, the clock belongs to the caller.
 *
 * Providers count sends in a sliding one-second window (the SMS sandbox does exactly that; Twilio
 * and SES answer 429 / "Maximum sending rate exceeded" when it overflows). Sends do not arrive
 * when we start them: each is late by a little, and by a different little. So a schedule that
 * puts exactly L sends in every second overflows the moment one send is late and the one a
 * second after it is not. We therefore give each window a small slack:
 *
 *   time is cut into pacing windows of W = 1000 + jitterMs milliseconds, numbered k = floor(t / W);
 *   window k holds L = perSecond numbered slots, evenly spread: slot i is at  k*W + floor(i*W / L).
 *
 * Slot i of window k+1 is exactly W after slot i of window k, so any L+1 consecutive slots span at
 * least W: a provider's sliding 1 s window (or an aligned one) can never hold more than L of them,
 * even when each send lands up to jitterMs after its slot. The price is the slack: at most
 * 1000 / W of the configured rate (0.971 with the default 30 ms).
 *
 * Slots are numbered by a shared counter per (channel, window): a dispatcher adds how many it wants
 * and gets the numbers below L from its range. The counter lives in the store (RateBudget), so
 * every dispatcher draws from the same L per window; `grantFrom` turns the counter's answer into a
 * grant, identically in every adapter. Numbers are not slots: `slotIndexOf` deals consecutive
 * numbers out across the whole window (a golden-ratio stride), so a dispatcher that takes a
 * quarter of a window's numbers in one write gets slots spread over the whole window, which its
 * workers can use as they come, instead of a quarter-second burst they cannot keep up with.
 * Numbers map one-to-one onto slots, so the guarantee above does not depend on who gets which.
 */

export const PaceLimits = z.object({
  /** Sends the provider accepts per second on this channel (per sender). */
  perSecond: z.number().int().positive().max(10_000),
  /** Slack per window for sends that land late; also bounds how late a slot may still be used. */
  jitterMs: z.number().int().min(0).max(1_000).default(30),
});
export type PaceLimits = z.infer<typeof PaceLimits>;

export const windowMsOf = (limits: PaceLimits): number => 1000 + limits.jitterMs;

/** The pacing window an instant falls in. */
export const windowAt = (at: number, limits: PaceLimits): number => Math.floor(at / windowMsOf(limits));

/** When a window starts. */
export const windowStart = (window: number, limits: PaceLimits): number => window * windowMsOf(limits);

/** The instant of slot `index` (0-based, below perSecond) in `window`. */
export function slotAt(window: number, index: number, limits: PaceLimits): number {
  const w = windowMsOf(limits);
  return window * w + Math.floor((index * w) / limits.perSecond);
}

/**
 * The first slot of `window` at or after `at`: where a window nobody has drawn from yet starts
 * counting, so that slots already in the past are never handed out (using them late would bunch
 * sends). perSecond when the whole window is past.
 */
export function firstSlotFrom(window: number, at: number, limits: PaceLimits): number {
  const into = at - windowStart(window, limits);
  if (into <= 0) return 0;
  return Math.min(limits.perSecond, Math.ceil((into * limits.perSecond) / windowMsOf(limits)));
}

/**
 * How late a send may start after its slot and still be safe: half the slack, the other half is
 * left for the network between us and the provider.
 */
export const lateToleranceMs = (limits: PaceLimits): number => Math.floor(limits.jitterMs / 2);

/** True when a send starting at `now` on a slot at `slot` keeps the schedule's guarantee. */
export const isSlotUsable = (slot: number, now: number, limits: PaceLimits): boolean =>
  now >= slot && now - slot <= lateToleranceMs(limits);

/**
 * A counter answered `totalAfter` to an atomic add of `wanted`: this caller owns the numbers
 * [totalAfter - wanted, totalAfter). Those below `limit` are granted; the rest were never
 * available (the window is full), so overshooting the counter is harmless.
 */
export function grantFrom(totalAfter: number, wanted: number, limit: number): { first: number; count: number } {
  const first = totalAfter - wanted;
  return { first, count: Math.max(0, Math.min(wanted, limit - first)) };
}

const GOLDEN = (Math.sqrt(5) - 1) / 2;
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The largest partial quotient of s/m's continued fraction: small means s/m is "very irrational". */
function worstQuotient(s: number, m: number): number {
  let worst = 0;
  for (let [a, b] = [m, s]; b !== 0; [a, b] = [b, a % b]) worst = Math.max(worst, Math.floor(a / b));
  return worst;
}

const strides = new Map<number, number>();
/**
 * A stride for dealing out [0, m): coprime with m, so it visits every slot once, and among those
 * near m times the golden ratio the one whose continued fraction has the smallest partial
 * quotients, so that any run of consecutive numbers lands evenly across the window (the gaps of
 * such a run are bounded by about that quotient times the average gap).
 */
export function strideFor(m: number): number {
  if (m <= 2) return 1;
  const known = strides.get(m);
  if (known !== undefined) return known;
  const target = m * GOLDEN;
  const reach = Math.max(2, Math.ceil(m / 8));
  let best = { stride: 1, worst: Number.POSITIVE_INFINITY, distance: Number.POSITIVE_INFINITY };
  for (let c = Math.max(1, Math.floor(target - reach)); c <= Math.min(m - 1, Math.ceil(target + reach)); c++) {
    if (gcd(c, m) !== 1) continue;
    const worst = worstQuotient(c, m);
    const distance = Math.abs(c - target);
    if (worst < best.worst || (worst === best.worst && distance < best.distance)) best = { stride: c, worst, distance };
  }
  strides.set(m, best.stride);
  return best.stride;
}

/**
 * The slot index of counter number `n` in a window whose counter started at `start`: numbers
 * [start, limit) map one-to-one onto slot indices [start, limit) (slots before `start` were in
 * the past when the window was first drawn from), consecutive numbers far apart.
 */
export function slotIndexOf(n: number, start: number, limit: number): number {
  const m = limit - start;
  return start + (((n - start) * strideFor(m)) % m);
}

/** The send instants of a grant in `window`, earliest first. */
export function slotsOf(window: number, grant: { first: number; count: number; start: number }, limits: PaceLimits): number[] {
  return Array.from({ length: grant.count }, (_, k) => slotAt(window, slotIndexOf(grant.first + k, grant.start, limits.perSecond), limits)).sort(
    (a, b) => a - b,
  );
}

/**
 * How many slots to ask for at once: enough that one counter write serves many sends (cost), few
 * enough that one dispatcher cannot hoard a window others could use. A quarter of a window.
 */
export const maxTakeOf = (limits: PaceLimits): number => Math.max(1, Math.ceil(limits.perSecond / 4));

export const DAY_MS = 86_400_000;
/** The UTC day an instant falls in, for a daily quota (SES counts a rolling 24 h; see BENCHMARKS.md). */
export const dayAt = (at: number): number => Math.floor(at / DAY_MS);
