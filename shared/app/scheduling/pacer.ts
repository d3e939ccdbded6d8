import {
  dayAt,
  DAY_MS,
  firstSlotFrom,
  isSlotUsable,
  lateToleranceMs,
  maxTakeOf,
  slotsOf,
  windowAt,
  windowMsOf,
  windowStart,
  type PaceLimits,
} from '../../domain/pacing';
import type { Channel } from '../../domain/sequence';
import type { Clock, RateBudget } from '../../ports';

/** A channel's provider limits, as configured (shared/config.ts). */
export interface ChannelPace extends PaceLimits {
  /** Sends per UTC day; reaching it pauses the channel until the day turns (SES's daily quota). */
  dailyQuota?: number;
}

type PaceAnswer = { kind: 'go'; slot: number } | { kind: 'daily-quota' };

export interface Pacer {
  /**
   * Resolves when this caller may start one send: at a slot of the shared budget, urgent callers
   * served before routine ones. `daily-quota` when the channel's day is used up.
   */
  waitForSlot(urgent: boolean): Promise<PaceAnswer>;
  /** The provider said "too fast" (429): send nothing on this channel for a while. */
  slowDown(retryAfterMs?: number): void;
  /** Running totals: slots taken from the shared budget, used for a send, and wasted. */
  stats(): PacerStats;
}

interface PacerStats {
  taken: number;
  used: number;
  /** Taken but never handed to a caller before their time passed (nobody was waiting). */
  expired: number;
  /** Handed to a caller who woke too late to use it safely (an overloaded event loop). */
  late: number;
  /** Budget writes (per-window takes and daily-quota reservations). */
  takes: number;
}

interface Waiter {
  resolve(answer: { kind: 'slot'; at: number } | { kind: 'daily-quota' }): void;
  reject(error: unknown): void;
}

/** How far into a window (as a fraction of it) a take may still draw from it. */
const FRESH_FRACTION = 0.05;
/** Slots already this close are not worth taking: the take itself takes about this long. */
const TAKE_LEAD_MS = 50;
/** A slot missed by a late wake-up is given up and another taken; this bounds that loop. */
const MAX_SLOT_TRIES = 50;
/** A clock that has not moved after a nap this long is standing still. */
const FROZEN_AFTER_MS = 20;
/** Bounds the pump loop; each round hands out slots, takes some or sleeps. */
const MAX_PUMP_ROUNDS = 100_000;

/**
 * Paces one channel of one dispatcher against the shared budget (shared/domain/pacing.ts).
 *
 * Callers queue up; one pump at a time takes slots from the shared counter and hands them out in
 * time order, urgent callers first. A take asks for as many slots as callers wait, or half a
 * window at this dispatcher's recent pace if that is more, up to a quarter of a window: its slots
 * are spread over the whole window, so callers who arrive later use them and one write serves
 * many sends. Takes draw on the next window unless the current one has only just begun (a grant
 * in a window already under way is partly in the past), and never on one further ahead.
 * A caller sleeps until its slot and checks, on waking, that it is not later than the schedule
 * allows (an overloaded event loop wakes people late); if it is, the slot is given up and the
 * caller queues again, so a late start can never bunch sends above the provider's rate.
 */
export function createPacer(
  channel: Channel,
  pace: ChannelPace,
  deps: { budget: RateBudget; clock: Clock; sleep(ms: number): Promise<void> },
): Pacer {
  const limits: PaceLimits = { perSecond: pace.perSecond, jitterMs: pace.jitterMs };
  const windowMs = windowMsOf(limits);
  const tolerance = lateToleranceMs(limits);
  const maxTake = maxTakeOf(limits);
  const now = () => deps.clock.now().getTime();

  const urgentQueue: Waiter[] = [];
  const routineQueue: Waiter[] = [];
  /** Slots this dispatcher holds and has not handed out, earliest first. */
  let stock: number[] = [];
  /** Windows before this one are known to be full. */
  let nextWindow = Number.NEGATIVE_INFINITY;
  let blockedUntil = 0;
  /** The UTC day whose quota ran out. */
  let quotaSpentOn: number | undefined;
  /** Sends of today's quota this dispatcher has reserved and not used yet. */
  let allowance = { day: Number.NaN, left: 0 };
  let pumping = false;
  const totals: PacerStats = { taken: 0, used: 0, expired: 0, late: 0, takes: 0 };
  /**
   * A clock that stands still while we sleep (the CLI's `tick --now`, walk-throughs at a fixed
   * instant) cannot be paced: slots would never arrive. Such a dispatcher sends unpaced; it only
   * ever runs against the local twins.
   */
  let frozen = false;
  async function nap(ms: number): Promise<void> {
    const before = now();
    await deps.sleep(ms);
    // Only a long nap tells: timers and the wall clock can disagree by a millisecond.
    if (ms >= FROZEN_AFTER_MS && now() === before) frozen = true;
  }

  /** When slots were handed out over the last window: this dispatcher's own pace, to size takes by. */
  let handedOut: number[] = [];
  const waiting = () => urgentQueue.length + routineQueue.length;
  const nextWaiter = () => urgentQueue.shift() ?? routineQueue.shift();
  const handOut = (slot: number, at: number) => {
    handedOut.push(at);
    nextWaiter()!.resolve({ kind: 'slot', at: slot });
  };

  function queueUp(urgent: boolean): Promise<{ kind: 'slot'; at: number } | { kind: 'daily-quota' }> {
    return new Promise((resolve, reject) => {
      (urgent ? urgentQueue : routineQueue).push({ resolve, reject });
      void pump();
    });
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      for (let round = 0; round < MAX_PUMP_ROUNDS && waiting() > 0; round++) {
        const at = now();
        if (frozen) {
          for (let w = nextWaiter(); w; w = nextWaiter()) w.resolve({ kind: 'slot', at });
          break;
        }
        const fresh = stock.filter((slot) => slot + tolerance >= at);
        totals.expired += stock.length - fresh.length;
        stock = fresh;
        while (stock.length > 0 && waiting() > 0) handOut(stock.shift()!, at);
        if (waiting() === 0) break;
        if (quotaSpentOn === dayAt(at)) {
          for (let w = nextWaiter(); w; w = nextWaiter()) w.resolve({ kind: 'daily-quota' });
          break;
        }
        if (blockedUntil > at) {
          await nap(blockedUntil - at);
          continue;
        }
        const current = windowAt(at, limits);
        // A grant is spread over its whole window, so one taken well into the current window is
        // partly in the past already (those slots would be wasted): take the next window instead.
        // Only the very start of a window is worth drawing from.
        const window = Math.max(nextWindow, at - windowStart(current, limits) <= windowMs * FRESH_FRACTION ? current : current + 1);
        // Never more than one window ahead: slots far ahead would hold claims idle for long.
        const tooEarly = windowStart(window, limits) - windowMs - at;
        if (tooEarly > 0) {
          await nap(tooEarly);
          continue;
        }
        const startAt = firstSlotFrom(window, at + TAKE_LEAD_MS, limits);
        if (startAt >= limits.perSecond) {
          nextWindow = window + 1;
          continue;
        }
        // Enough for who is waiting, or for half a window at this dispatcher's recent pace, whichever
        // is more: a grant is spread over the window, so callers arriving later use it, and one
        // write serves many sends instead of one.
        handedOut = handedOut.filter((t) => t > at - windowMs);
        const wanted = Math.min(maxTake, Math.max(waiting(), Math.ceil(handedOut.length / 2)));
        const grant = await deps.budget.take({ channel, windowMs, window, limit: limits.perSecond, wanted, startAt });
        totals.takes++;
        totals.taken += grant.count;
        if (grant.count < wanted) nextWindow = window + 1;
        let slots = slotsOf(window, grant, limits);
        if (pace.dailyQuota !== undefined && slots.length > 0) {
          const usable = await fromDailyQuota(pace.dailyQuota, dayAt(at), slots.length);
          // Slots past the quota are wasted, which is harmless: the day is over for this channel.
          if (usable < slots.length) slots = slots.slice(0, usable);
        }
        stock = [...stock, ...slots].sort((a, b) => a - b);
      }
    } catch (error) {
      // The budget is unreachable: fail everyone waiting (their leases bring the messages back).
      for (let w = nextWaiter(); w; w = nextWaiter()) w.reject(error);
    } finally {
      pumping = false;
    }
  }

  /**
   * Takes `wanted` sends from today's quota. The day's counter is drawn from in chunks (a couple of
   * seconds' worth), so the quota costs one write per chunk rather than one per take; a chunk left
   * unused when a dispatcher goes away is a handful of sends out of tens of thousands.
   */
  async function fromDailyQuota(quota: number, day: number, wanted: number): Promise<number> {
    if (allowance.day !== day) allowance = { day, left: 0 };
    if (allowance.left < wanted) {
      const chunk = Math.max(wanted - allowance.left, Math.min(100, limits.perSecond * 2));
      const reserved = await deps.budget.take({ channel, windowMs: DAY_MS, window: day, limit: quota, wanted: chunk, startAt: 0 });
      totals.takes++;
      allowance.left += reserved.count;
      if (reserved.count < chunk && allowance.left < wanted) quotaSpentOn = day;
    }
    const usable = Math.min(wanted, allowance.left);
    allowance.left -= usable;
    return usable;
  }

  return {
    async waitForSlot(urgent) {
      for (let tries = 0; tries < MAX_SLOT_TRIES; tries++) {
        const answer = await queueUp(urgent);
        if (answer.kind === 'daily-quota') return answer;
        // Timers may fire a millisecond before the wall clock reaches the slot: sleep the rest.
        for (let naps = 0; naps < 5 && !frozen && now() < answer.at; naps++) await nap(answer.at - now());
        if (frozen) {
          totals.used++;
          return { kind: 'go', slot: answer.at };
        }
        if (isSlotUsable(answer.at, now(), limits) && blockedUntil <= now()) {
          totals.used++;
          return { kind: 'go', slot: answer.at };
        }
        totals.late++;
      }
      throw new Error(`${channel}: no usable send slot after ${MAX_SLOT_TRIES} tries`);
    },

    stats: () => ({ ...totals }),

    slowDown(retryAfterMs = 0) {
      const until = now() + Math.max(retryAfterMs, windowMs);
      blockedUntil = Math.max(blockedUntil, until);
      // Slots we hold fall in the stretch we now keep quiet; later ones come from later windows.
      stock = [];
      nextWindow = Math.max(nextWindow, windowAt(blockedUntil, limits));
    },
  };
}
