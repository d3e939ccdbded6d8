import type { DueMessageRef } from '../../domain/model';
import type { Channel } from '../../domain/sequence';
import type { Clock, OutboxStore } from '../../ports';

interface DuePage {
  refs: DueMessageRef[];
  urgent: boolean;
}

export interface DueFeed {
  /** The next page of due refs on this channel, urgent ones first; empty when nothing is due (or left to us). */
  next(): Promise<DuePage>;
  /** Gives back the queue leases still held: the tick is done with them, others need not wait them out. */
  release(): Promise<void>;
}

export interface DueFeedOptions {
  pageSize: number;
  /** How often the urgent queues are read again while routine work flows (each read costs a query per queue). */
  urgentRecheckMs: number;
  /** This dispatcher, for queue leases. */
  holder: string;
  /**
   * The clock queue leases run on: real time. Leases keep real dispatchers apart, so a tick run
   * "as if" at another instant (`matchcoach tick --now`) must not write a lease that lasts until
   * that instant: a lease until 2030 would keep every live tick off the queue until 2030.
   * Defaults to the feed's clock (tests on a fake clock).
   */
  leaseClock?: Clock;
  /** How long a queue lease lasts; renewed at half-life while the queue is read. */
  leaseMs?: number;
  /** Pages read from one queue before moving on to the next shard. */
  pagesPerVisit?: number;
  /** Where a dispatcher starts among the shards; random, so that concurrent dispatchers spread out. */
  random?: () => number;
}

interface QueueClass {
  urgent: boolean;
  queues: string[];
  /** Queues not yet drained in this pass. */
  pending: string[];
  /** Where the round-robin goes next, an index into `queues`. */
  next: number;
  armedAt: number;
  current?: string;
  pagesOnCurrent: number;
}

const DEFAULT_LEASE_MS = 5_000;
const DEFAULT_PAGES_PER_VISIT = 4;

/**
 * Walks one channel's due queues for one dispatcher tick (shared/adapters/dynamo/keys.ts: urgent
 * and routine queues, each sharded).
 *
 * - Urgent queues are drained before routine ones and read again every `urgentRecheckMs`, so a
 *   deadline alert that falls due during a long routine backlog waits seconds, not the backlog.
 * - Shards are visited in turn, a few pages at a time, so a backlog drains roughly oldest first
 *   across shards; each queue resumes after the last ref it returned, so a tick reads every key
 *   once, whatever the backlog.
 * - A dispatcher leases the queue it reads (a write every few seconds, only for queues that have
 *   something due). Without leases, dispatchers running at once read the same heads and most of
 *   their claims lose (each a billed, failed write); with them, they spread over the shards. A
 *   queue leased by someone else is left to them for this tick.
 * - A pass ends when every queue came back short; one more pass picks up what fell due meanwhile,
 *   and a pass that finds nothing ends the feed.
 */
export function createDueFeed(store: OutboxStore, channel: Channel, clock: Clock, options: DueFeedOptions): DueFeed {
  const random = options.random ?? Math.random;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const pagesPerVisit = options.pagesPerVisit ?? DEFAULT_PAGES_PER_VISIT;
  const { urgent, routine } = store.dueQueues(channel);
  const cursors = new Map<string, DueMessageRef>();
  /** Until when we hold a queue's lease, and until when we leave a queue to someone else (epoch ms). */
  const ours = new Map<string, number>();
  const theirs = new Map<string, number>();
  const makeClass = (isUrgent: boolean, queues: string[]): QueueClass => ({
    urgent: isUrgent,
    queues,
    pending: [],
    next: Math.floor(random() * queues.length),
    armedAt: 0,
    pagesOnCurrent: 0,
  });
  const arm = (c: QueueClass, at: number) => {
    c.pending = [...c.queues];
    c.armedAt = at;
  };
  const urgentClass = makeClass(true, urgent);
  const routineClass = makeClass(false, routine);
  const start = clock.now().getTime();
  arm(urgentClass, start);
  arm(routineClass, start);
  let foundThisPass = false;

  /** The current queue first (for a few pages), then the others in turn. */
  function visitingOrder(c: QueueClass): string[] {
    const rest: string[] = [];
    for (let k = 0; k < c.queues.length; k++) {
      const queue = c.queues[(c.next + k) % c.queues.length]!;
      if (queue !== c.current && c.pending.includes(queue)) rest.push(queue);
    }
    const stay = c.current !== undefined && c.pending.includes(c.current) && c.pagesOnCurrent < pagesPerVisit;
    return stay ? [c.current!, ...rest] : [...rest, ...(c.current !== undefined && c.pending.includes(c.current) ? [c.current] : [])];
  }

  const leaseClock = options.leaseClock ?? clock;

  async function holdLease(queue: string): Promise<boolean> {
    const now = leaseClock.now();
    const at = now.getTime();
    if ((ours.get(queue) ?? 0) - at > leaseMs / 2) return true;
    const until = at + leaseMs;
    if (await store.leaseDueQueue(queue, options.holder, new Date(until), now)) {
      ours.set(queue, until);
      return true;
    }
    ours.delete(queue);
    theirs.set(queue, until);
    return false;
  }

  async function pageOf(c: QueueClass, now: Date): Promise<DueMessageRef[] | undefined> {
    for (const queue of visitingOrder(c)) {
      if ((theirs.get(queue) ?? 0) > leaseClock.now().getTime()) continue;
      const refs = await store.listDueInQueue(queue, now, options.pageSize, cursors.get(queue));
      if (refs.length === 0) {
        c.pending = c.pending.filter((q) => q !== queue);
        continue;
      }
      // Read first, lease second: an idle tick (nothing due) writes nothing.
      if (!(await holdLease(queue))) continue;
      cursors.set(queue, refs.at(-1)!);
      if (refs.length < options.pageSize) c.pending = c.pending.filter((q) => q !== queue);
      if (c.current !== queue) {
        c.current = queue;
        c.pagesOnCurrent = 0;
      }
      c.pagesOnCurrent++;
      if (c.pagesOnCurrent >= pagesPerVisit) c.next = (c.queues.indexOf(queue) + 1) % c.queues.length;
      return refs;
    }
    return undefined;
  }

  return {
    async next() {
      const now = clock.now();
      if (urgentClass.pending.length === 0 && now.getTime() - urgentClass.armedAt >= options.urgentRecheckMs) {
        arm(urgentClass, now.getTime());
      }
      for (let pass = 0; pass < 2; pass++) {
        for (const c of [urgentClass, routineClass]) {
          const refs = await pageOf(c, now);
          if (refs) {
            foundThisPass = true;
            return { refs, urgent: c.urgent };
          }
        }
        if (!foundThisPass) break;
        // Everything was drained; look once more for what fell due since the pass began.
        foundThisPass = false;
        arm(urgentClass, now.getTime());
        arm(routineClass, now.getTime());
      }
      return { refs: [], urgent: false };
    },
    async release() {
      const now = leaseClock.now();
      const held = [...ours.keys()];
      ours.clear();
      // Ending a lease is renewing it until now: only its holder may, and the next reader takes it.
      await Promise.all(held.map((queue) => store.leaseDueQueue(queue, options.holder, now, now)));
    },
  };
}
