import type { RateBudget, RateTake } from '../../shared/ports';

/**
 * What every RateBudget must do: the DynamoDB counter (integration tier) and the memory twin
 * (unit tier) both run it, so the pacing the unit tests see is the pacing production gets.
 */
export function describeRateBudgetContract(
  name: string,
  makeBudget: () => Promise<{ budget: RateBudget; teardown(): Promise<void> }>,
): void {
  describe(`RateBudget contract: ${name}`, () => {
    let budget: RateBudget;
    let teardown: () => Promise<void>;
    beforeEach(async () => {
      ({ budget, teardown } = await makeBudget());
    });
    afterEach(async () => {
      await teardown();
    });

    const take = (over: Partial<RateTake> = {}) =>
      budget.take({ channel: 'sms', windowMs: 1025, window: 1_700_000_000, limit: 10, wanted: 4, startAt: 0, ...over });

    test('hands out consecutive numbers up to the limit, then nothing', async () => {
      expect(await take()).toEqual({ first: 0, count: 4, start: 0 });
      expect(await take()).toEqual({ first: 4, count: 4, start: 0 });
      expect(await take()).toEqual({ first: 8, count: 2, start: 0 });
      expect((await take()).count).toBe(0);
      expect((await take({ wanted: 1 })).count).toBe(0);
    });

    test('a fresh window starts at startAt; a started one ignores it', async () => {
      expect(await take({ startAt: 6 })).toEqual({ first: 6, count: 4, start: 6 });
      // Later takers learn where the window started, so they map numbers to the same slots.
      expect(await take({ startAt: 0, limit: 12 })).toEqual({ first: 10, count: 2, start: 6 });
      expect(await take({ window: 1_700_000_001, startAt: 10 })).toEqual({ first: 10, count: 0, start: 10 });
    });

    test('channels, windows and window lengths are separate counters', async () => {
      expect(await take({ wanted: 10 })).toEqual({ first: 0, count: 10, start: 0 });
      expect(await take({ channel: 'email' })).toEqual({ first: 0, count: 4, start: 0 });
      expect(await take({ window: 1_700_000_001 })).toEqual({ first: 0, count: 4, start: 0 });
      expect(await take({ windowMs: 86_400_000, window: 19_700, limit: 50_000 })).toEqual({ first: 0, count: 4, start: 0 });
    });

    test('asking for nothing takes nothing', async () => {
      expect((await take({ wanted: 0 })).count).toBe(0);
      expect(await take()).toEqual({ first: 0, count: 4, start: 0 });
    });

    test('concurrent takers share the limit exactly: disjoint ranges covering every number once', async () => {
      const grants = await Promise.all(Array.from({ length: 40 }, () => take({ limit: 100, wanted: 3 })));
      const numbers = grants.flatMap((g) => Array.from({ length: g.count }, (_, i) => g.first + i));
      expect(numbers).toHaveLength(100);
      expect(new Set(numbers).size).toBe(100);
      expect(Math.min(...numbers)).toBe(0);
      expect(Math.max(...numbers)).toBe(99);
    });
  });
}
