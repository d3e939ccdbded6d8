import type { FormLimits } from '../../shared/ports/form-limits';

/** What every FormLimits adapter must do: the memory twin and the DynamoDB adapter both run it. */
export function describeFormLimitsContract(name: string, make: () => Promise<{ limits: FormLimits; teardown(): Promise<void> }>): void {
  describe(`FormLimits contract: ${name}`, () => {
    let limits: FormLimits;
    let teardown: () => Promise<void>;
    beforeEach(async () => {
      ({ limits, teardown } = await make());
    });
    afterEach(() => teardown());

    const AT = new Date('2027-01-04T04:10:00.000Z');
    const budget = (key: string, limit: number) => ({ key, limit, windowSeconds: 3600 });

    test('a budget gives its limit in a window, then refuses until the next window', async () => {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await limits.take([budget('client:a', 3)], AT));
      expect(answers).toEqual([true, true, true, false]);
      expect(await limits.take([budget('client:b', 3)], AT)).toBe(true);
      expect(await limits.take([budget('client:a', 3)], new Date('2027-01-04T05:00:00.000Z'))).toBe(true);
    });

    test('the first spent budget refuses, and the budgets after it are not counted', async () => {
      expect(await limits.take([budget('all', 10), budget('client:a', 1)], AT)).toBe(true);
      expect(await limits.take([budget('all', 10), budget('client:a', 1), budget('prefix:+91981', 1)], AT)).toBe(false);
      // The prefix was never reached, so it still has its one use.
      expect(await limits.take([budget('prefix:+91981', 1)], AT)).toBe(true);
      // The overall budget counted both posts (a refused post still happened).
      const left = [];
      for (let i = 0; i < 9; i++) left.push(await limits.take([budget('all', 10)], AT));
      expect(left.filter(Boolean)).toHaveLength(8);
    });

    test('posts at the same moment never pass a limit together', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, () => limits.take([budget('client:burst', 5)], AT)));
      expect(answers.filter(Boolean)).toHaveLength(5);
    });
  });
}
