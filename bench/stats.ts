/** Small statistics helpers for the benchmark's figures. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

/** The most events in any sliding window (t - 1000, t]: how the SMS sandbox and the SES proxy count. */
export function busiestSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let right = 0, left = 0; right < sorted.length; right++) {
    while (sorted[left]! <= sorted[right]! - 1000) left++;
    most = Math.max(most, right - left + 1);
  }
  return most;
}

/** Events per whole second of the run (second 0 starts at `from`). */
export function perSecond(times: readonly number[], from: number): number[] {
  const counts: number[] = [];
  for (const t of times) {
    const s = Math.floor((t - from) / 1000);
    if (s < 0) continue;
    while (counts.length <= s) counts.push(0);
    counts[s]!++;
  }
  return counts;
}

export const round = (value: number, digits = 3) => Number(value.toFixed(digits));

/** Largest and smallest of many values (spreading 100,000 values into Math.max overflows the stack). */
export const maxOf = (values: Iterable<number>) => {
  let most = Number.NEGATIVE_INFINITY;
  for (const v of values) if (v > most) most = v;
  return most;
};
export const minOf = (values: Iterable<number>) => {
  let least = Number.POSITIVE_INFINITY;
  for (const v of values) if (v < least) least = v;
  return least;
};
