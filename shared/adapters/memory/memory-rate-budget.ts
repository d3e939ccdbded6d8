import { grantFrom } from '../../domain/pacing';
import type { RateBudget } from '../../ports';
import { rateCounterKey } from '../dynamo/keys';

/**
 * The in-memory twin of the DynamoDB send budget: the same counters under the same keys, the same
 * arithmetic (shared/domain/pacing.ts grantFrom), each add atomic (no await between read and
 * write). It passes the same contract tests, so unit tests pace exactly as production does.
 */
export function createMemoryRateBudget(): RateBudget & { counters: ReadonlyMap<string, number> } {
  const counters = new Map<string, number>();
  const starts = new Map<string, number>();
  return {
    counters,
    async take({ channel, windowMs, window, limit, wanted, startAt }) {
      const key = keyOf(channel, windowMs, window);
      if (wanted <= 0) return { first: counters.get(key) ?? startAt, count: 0, start: starts.get(key) ?? startAt };
      if (!starts.has(key)) starts.set(key, startAt);
      const totalAfter = (counters.get(key) ?? startAt) + wanted;
      counters.set(key, totalAfter);
      return { ...grantFrom(totalAfter, wanted, limit), start: starts.get(key)! };
    },
  };
}

const keyOf = (channel: string, windowMs: number, window: number) => rateCounterKey(channel, windowMs, window).pk;
