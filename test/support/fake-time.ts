import type { Clock } from '../../shared/ports';

/**
 * A clock and a sleep that share fake time, and a driver that moves time only when everything
 * is waiting: `run(work)` lets every ready promise go, then jumps to the earliest sleeper, again
 * and again until `work` settles. Concurrent sleepers wake in time order, as with real timers,
 * and no test ever waits for real time (or asserts on it).
 */
export interface FakeTime {
  clock: Clock;
  sleep(ms: number): Promise<void>;
  set(instant: string | Date): void;
  advance(ms: number): void;
  now(): number;
  run<T>(work: Promise<T>, maxSteps?: number): Promise<T>;
}

export function createFakeTime(start: string | Date): FakeTime {
  let now = new Date(start).getTime();
  let seq = 0;
  const timers: Array<{ at: number; seq: number; wake(): void }> = [];
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

  return {
    clock: { now: () => new Date(now) },
    sleep(ms) {
      return new Promise<void>((wake) => timers.push({ at: now + Math.max(0, ms), seq: seq++, wake }));
    },
    set(instant) {
      now = new Date(instant).getTime();
    },
    advance(ms) {
      now += ms;
    },
    now: () => now,
    async run<T>(work: Promise<T>, maxSteps = 1_000_000): Promise<T> {
      let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
      work.then(
        (value) => { outcome = { ok: true, value }; },
        (error: unknown) => { outcome = { ok: false, error }; },
      );
      for (let step = 0; step < maxSteps; step++) {
        await settle();
        await settle();
        if (outcome) {
          if (outcome.ok) return outcome.value;
          throw outcome.error;
        }
        if (timers.length === 0) continue;
        timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const next = timers.shift()!;
        now = Math.max(now, next.at);
        next.wake();
      }
      throw new Error(`fake time: work did not settle within ${maxSteps} steps`);
    },
  };
}
