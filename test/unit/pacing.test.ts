import fc from 'fast-check';
import { createMemoryRateBudget } from '../../shared/adapters/memory/memory-rate-budget';
import { createPacer } from '../../shared/app/scheduling/pacer';
import {
  firstSlotFrom,
  grantFrom,
  isSlotUsable,
  lateToleranceMs,
  slotAt,
  slotIndexOf,
  slotsOf,
  strideFor,
  windowAt,
  windowMsOf,
  windowStart,
  type PaceLimits,
} from '../../shared/domain/pacing';
import { createFakeTime } from '../support/fake-time';

/** The most sends in any sliding window (t - 1000, t], as the SMS sandbox counts them. */
function busiestSlidingSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let left = 0;
  for (let right = 0; right < sorted.length; right++) {
    while (sorted[left]! <= sorted[right]! - 1000) left++;
    most = Math.max(most, right - left + 1);
  }
  return most;
}

/** The most sends in any aligned second [s, s + 1000), as a provider with fixed windows counts them. */
function busiestAlignedSecond(times: number[]): number {
  const counts = new Map<number, number>();
  for (const t of times) counts.set(Math.floor(t / 1000), (counts.get(Math.floor(t / 1000)) ?? 0) + 1);
  return Math.max(0, ...counts.values());
}

const T0 = Date.parse('2027-03-19T16:00:00.000Z');

describe('pacing maths', () => {
  const limits: PaceLimits = { perSecond: 100, jitterMs: 25 };

  test('windows are 1 s plus the slack; slots spread evenly and repeat one window later', () => {
    expect(windowMsOf(limits)).toBe(1025);
    const k = windowAt(T0, limits);
    expect(windowStart(k, limits)).toBeLessThanOrEqual(T0);
    expect(windowStart(k + 1, limits)).toBeGreaterThan(T0);
    expect(slotAt(k, 0, limits)).toBe(windowStart(k, limits));
    expect(slotAt(k, 50, limits) - slotAt(k, 0, limits)).toBe(512);
    for (const i of [0, 1, 37, 99]) expect(slotAt(k + 1, i, limits) - slotAt(k, i, limits)).toBe(1025);
  });

  test('a window nobody drew from starts at the first slot not yet past', () => {
    const k = windowAt(T0, limits);
    const start = windowStart(k, limits);
    expect(firstSlotFrom(k, start - 5, limits)).toBe(0);
    expect(firstSlotFrom(k, start, limits)).toBe(0);
    expect(firstSlotFrom(k, start + 1, limits)).toBe(1);
    const mid = firstSlotFrom(k, start + 600, limits);
    expect(slotAt(k, mid, limits)).toBeGreaterThanOrEqual(start + 600);
    expect(slotAt(k, mid - 1, limits)).toBeLessThan(start + 600);
    expect(firstSlotFrom(k, start + 1024, limits)).toBe(100);
  });

  test('property: counter numbers map one-to-one onto the window\'s future slots, a take spread over the whole window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000 }), fc.nat(), fc.integer({ min: 1, max: 500 }), (limit, startSeed, taken) => {
        const start = startSeed % limit;
        const m = limit - start;
        const indices = Array.from({ length: m }, (_, k) => slotIndexOf(start + k, start, limit));
        expect(new Set(indices).size).toBe(m);
        expect(Math.min(...indices)).toBe(start);
        expect(Math.max(...indices)).toBe(limit - 1);
        // Any run of consecutive numbers lands all over the window (the three-gap theorem bounds the gaps).
        const c = Math.min(m, taken);
        const first = start + ((startSeed >> 3) % m);
        const run = Array.from({ length: c }, (_, k) => slotIndexOf(start + ((first - start + k) % m), start, limit)).sort((a, b) => a - b);
        const gaps = [run[0]! - start, ...run.slice(1).map((v, k) => v - run[k]!), limit - 1 - run.at(-1)!];
        expect(Math.max(...gaps)).toBeLessThanOrEqual(3 * Math.ceil(m / c));
        expect(strideFor(m) >= 1).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('a counter answer grants only the numbers below the limit', () => {
    expect(grantFrom(4, 4, 10)).toEqual({ first: 0, count: 4 });
    expect(grantFrom(12, 4, 10)).toEqual({ first: 8, count: 2 });
    expect(grantFrom(16, 4, 10)).toEqual({ first: 12, count: 0 });
  });

  test('a slot may start on time or slightly late, never early and never later than half the slack', () => {
    expect(lateToleranceMs(limits)).toBe(12);
    expect(isSlotUsable(T0, T0 - 1, limits)).toBe(false);
    expect(isSlotUsable(T0, T0, limits)).toBe(true);
    expect(isSlotUsable(T0, T0 + 12, limits)).toBe(true);
    expect(isSlotUsable(T0, T0 + 13, limits)).toBe(false);
  });

  test('property: any takers, any order, any late start within tolerance and any network jitter within the rest of the slack: never over the limit in any 1-second window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 0, max: 80 }),
        fc.array(
          fc.record({
            gapMs: fc.integer({ min: 0, max: 400 }),
            wanted: fc.integer({ min: 1, max: 60 }),
            aheadWindows: fc.integer({ min: 0, max: 1 }),
            lateMs: fc.nat(),
            networkMs: fc.nat(),
          }),
          { minLength: 1, maxLength: 120 },
        ),
        (perSecond, jitterMs, takes) => {
          const pace: PaceLimits = { perSecond, jitterMs };
          const counters = new Map<number, number>();
          const windowStarts = new Map<number, number>();
          const arrivals: number[] = [];
          const starts: number[] = [];
          let now = T0;
          for (const take of takes) {
            now += take.gapMs;
            const window = windowAt(now, pace) + take.aheadWindows;
            const startAt = firstSlotFrom(window, now, pace);
            if (!windowStarts.has(window)) windowStarts.set(window, startAt);
            const total = (counters.get(window) ?? startAt) + take.wanted;
            counters.set(window, total);
            for (const slot of slotsOf(window, { ...grantFrom(total, take.wanted, perSecond), start: windowStarts.get(window)! }, pace)) {
              // A send starts at its slot (or now, if the slot is already past) plus a late wake-up;
              // the pacer gives up any slot it would start later than the tolerance allows.
              const start = Math.max(slot, now) + (take.lateMs % (lateToleranceMs(pace) + 1));
              if (!isSlotUsable(slot, start, pace)) continue;
              starts.push(start);
              // The network adds less than the rest of the slack.
              const rest = jitterMs - lateToleranceMs(pace);
              arrivals.push(start + (rest > 0 ? take.networkMs % rest : 0));
            }
          }
          expect(busiestSlidingSecond(arrivals)).toBeLessThanOrEqual(perSecond);
          expect(busiestAlignedSecond(arrivals)).toBeLessThanOrEqual(perSecond);
          expect(busiestSlidingSecond(starts)).toBeLessThanOrEqual(perSecond);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('property: with takers always waiting, the schedule uses the whole allowed rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 300 }), (perSecond, jitterMs, wanted) => {
        const pace: PaceLimits = { perSecond, jitterMs };
        const first = windowAt(T0, pace) + 1;
        const slots: number[] = [];
        for (let window = first; window < first + 20; window++) {
          let total = 0;
          for (let i = 0; i < 1000 && total < perSecond; i++) {
            total += wanted;
            slots.push(...slotsOf(window, { ...grantFrom(total, wanted, perSecond), start: 0 }, pace));
          }
        }
        // Every slot of 20 windows is handed out: the rate is perSecond per window of 1 s plus the slack.
        expect(slots).toHaveLength(20 * perSecond);
        expect(Math.max(...slots) - Math.min(...slots)).toBeLessThan(20 * windowMsOf(pace));
        expect(busiestSlidingSecond(slots)).toBeLessThanOrEqual(perSecond);
        expect(busiestSlidingSecond(slots)).toBeGreaterThanOrEqual(Math.floor((perSecond * 1000) / windowMsOf(pace)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('the pacer on a fake clock', () => {
  const pace = { perSecond: 20, jitterMs: 25 };

  async function runPacers(options: { dispatchers: number; callers: number; dailyQuota?: number; delayMs?: (i: number) => number }) {
    const time = createFakeTime('2027-03-19T16:00:00.300Z');
    const budget = createMemoryRateBudget();
    const pacers = Array.from({ length: options.dispatchers }, () =>
      createPacer('sms', { ...pace, ...(options.dailyQuota ? { dailyQuota: options.dailyQuota } : {}) }, { budget, clock: time.clock, sleep: time.sleep }),
    );
    const sends: Array<{ at: number; urgent: boolean; caller: number }> = [];
    let quotaAnswers = 0;
    const callers = Array.from({ length: options.callers }, async (_, i) => {
      // Callers arrive over the first second or so, as claims complete.
      await time.sleep(options.delayMs?.(i) ?? (i * 37) % 900);
      const urgent = i % 5 === 0;
      const answer = await pacers[i % pacers.length]!.waitForSlot(urgent);
      if (answer.kind === 'daily-quota') quotaAnswers++;
      else sends.push({ at: time.now(), urgent, caller: i });
    });
    await time.run(Promise.all(callers));
    return { sends, quotaAnswers, time };
  }

  test('three dispatchers sharing one budget never exceed it, and use nearly all of it', async () => {
    const { sends } = await runPacers({ dispatchers: 3, callers: 400 });
    expect(sends).toHaveLength(400);
    const times = sends.map((s) => s.at);
    expect(busiestSlidingSecond(times)).toBeLessThanOrEqual(pace.perSecond);
    expect(busiestAlignedSecond(times)).toBeLessThanOrEqual(pace.perSecond);
    // 400 sends at 20 per 1.025 s take about 20.5 s; allow the first, partly past window.
    const span = Math.max(...times) - Math.min(...times);
    expect(span).toBeLessThan(((400 / pace.perSecond) + 2) * 1025);
  });

  test('when the budget is short, urgent callers queued behind routine ones are served first', async () => {
    // Everyone arrives at once, one urgent in five. Slots are handed out as soon as they are taken,
    // so the rest of this window and the next (taken while callers were still arriving) go in
    // arrival order; once everyone is queued, urgency decides.
    const { sends } = await runPacers({ dispatchers: 1, callers: 100, delayMs: () => 0 });
    expect(sends).toHaveLength(100);
    const order = [...sends].sort((a, b) => a.at - b.at);
    expect(order.filter((s) => s.urgent)).toHaveLength(20);
    const lastUrgent = Math.max(...order.map((s, i) => (s.urgent ? i : -1)));
    const routineBeforeIt = order.slice(0, lastUrgent).filter((s) => !s.urgent).length;
    // At most the slots handed out before everyone had queued: the current window's rest, the next window and one take.
    expect(routineBeforeIt).toBeLessThanOrEqual(pace.perSecond + Math.ceil(pace.perSecond / 4) + 1);
  });

  test('a daily quota stops the channel once the day is used up', async () => {
    const { sends, quotaAnswers } = await runPacers({ dispatchers: 2, callers: 120, dailyQuota: 50 });
    expect(sends).toHaveLength(50);
    expect(quotaAnswers).toBe(70);
  });

  test('after a 429 the pacer keeps the channel quiet for the retry-after, then goes on', async () => {
    const time = createFakeTime('2027-03-19T16:00:00.000Z');
    const pacer = createPacer('sms', pace, { budget: createMemoryRateBudget(), clock: time.clock, sleep: time.sleep });
    const first = await time.run(pacer.waitForSlot(false));
    expect(first.kind).toBe('go');
    pacer.slowDown(3_000);
    const quietUntil = time.now() + 3_000;
    const next = await time.run(pacer.waitForSlot(false));
    expect(next.kind).toBe('go');
    expect(time.now()).toBeGreaterThanOrEqual(quietUntil);
  });
});
