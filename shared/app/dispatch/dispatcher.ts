import type { DueMessageRef } from '../../domain/model';
import { CHANNELS, type Channel } from '../../domain/sequence';
import { errorLogFields } from '../../domain/errors';
import { createDueFeed } from '../scheduling/due-feed';
import { seasonDateWarnings } from '../scheduling/season-warnings';
import { loadLibrary } from '../scheduling/library';
import type { Library } from '../scheduling/planning';
import { createDispatchContext, type DispatchContext, type Tick } from './context';
import type { DispatchDeps, DispatchReport } from './deps';
import { dispatchOne } from './dispatch-one';

/** Urgent queues are read again this often while a routine backlog drains. */
const URGENT_RECHECK_MS = 2_000;
/** Bounds each worker's loop; a tick also ends at maxDurationMs. */
const MAX_MESSAGES_PER_WORKER = 1_000_000;

/**
 * One dispatcher tick.
 * 1. Drains each channel on its own (a backlog of emails never holds up texts), reading its due
 *    queues urgent first, a page at a time (never who is enrolled).
 * 2. Claims each message with a conditional write and a lease; a lost race is skipped.
 * 3. Plans the lane's next message before sending, so a crash cannot break the chain.
 * 4. Checks the message is still worth sending (deadline, lateness, quiet hours for SMS).
 * 5. Waits for a slot of the shared send budget (urgent messages first), checks the deadline again,
 *    sends, and records the outcome as a value: sent, skipped or failed, or due again later.
 * Steps 2 to 5 are dispatchOne (dispatch-one.ts); each kind of message is delivered by its own
 * file (deliver-coaching, deliver-invitation, deliver-announcement).
 */
export function createDispatcher(deps: DispatchDeps) {
  const ctx = createDispatchContext(deps);
  return async function dispatchDueMessages(): Promise<DispatchReport> {
    const report: DispatchReport = {
      claimed: 0, sent: 0, skipped: 0, failed: 0, retried: 0, lostRaces: 0, errors: 0, emailPaused: false, throttled: 0, slotsExpired: 0, slotsLate: 0, spaced: 0,
      segments: { email: 0, sms: 0, whatsapp: 0 }, ucs2Texts: 0,
    };
    const before = wastedSlots(ctx);
    const startedAt = performance.now();
    const timeUp = () => performance.now() - startedAt >= ctx.settings.maxDurationMs;
    const library = deps.library ?? (await loadLibrary(deps.store));
    warnAboutUnknownDates(ctx, library);
    await Promise.all(CHANNELS.map((channel) => drainChannel(ctx, channel, { report, library, timeUp })));
    const after = wastedSlots(ctx);
    report.slotsExpired = after.expired - before.expired;
    report.slotsLate = after.late - before.late;
    return report;
  };
}

/**
 * A season date nobody has announced is planned against an estimate: the operator hears of it in
 * this dispatcher's log, on its first tick (start-up) and again if another date becomes unknown.
 */
function warnAboutUnknownDates(ctx: DispatchContext, library: Library): void {
  for (const warning of seasonDateWarnings(library.calendar, ctx.deps.clock.now())) {
    const key = `${warning.season}/${warning.event}/${warning.plannedAt}`;
    if (ctx.warnedDates.has(key)) continue;
    ctx.warnedDates.add(key);
    ctx.log.warn('season date unknown: planned against an estimate', { season: warning.season, event: warning.event, plannedAt: warning.plannedAt, detail: warning.message });
  }
}

function wastedSlots(ctx: DispatchContext): { expired: number; late: number } {
  const wasted = { expired: 0, late: 0 };
  for (const pacer of ctx.pacers.values()) {
    const { expired, late } = pacer.stats();
    wasted.expired += expired;
    wasted.late += late;
  }
  return wasted;
}

/** A few workers per channel pull refs from a small local queue that one reader keeps filled. */
async function drainChannel(ctx: DispatchContext, channel: Channel, tick: Tick): Promise<void> {
  const { deps, log, settings } = ctx;
  const pace = ctx.pacers.has(channel) ? settings.pacing?.[channel] : undefined;
  const workers = Math.max(1, settings.concurrency, pace ? Math.ceil(pace.perSecond / 4) : 0);
  // About one ref per worker in hand: refs read but not yet claimed are what a concurrent
  // dispatcher reading the same queue collides on (each collision is a failed claim, billed).
  const pageSize = Math.min(settings.batchSize, Math.max(10, workers));
  const feed = createDueFeed(deps.store, channel, deps.clock, {
    pageSize,
    urgentRecheckMs: URGENT_RECHECK_MS,
    holder: ctx.holder,
    ...(deps.paceClock && { leaseClock: deps.paceClock }),
  });
  const urgentRefs: DueMessageRef[] = [];
  const routineRefs: DueMessageRef[] = [];
  const inHand = () => urgentRefs.length + routineRefs.length;
  let exhausted = false;
  let reading: Promise<void> | undefined;
  const stopped = () => tick.timeUp() || (channel === 'email' && tick.report.emailPaused);

  const read = () =>
    (reading ??= (async () => {
      try {
        const page = await feed.next();
        if (page.refs.length === 0) exhausted = true;
        (page.urgent ? urgentRefs : routineRefs).push(...page.refs);
      } catch (error) {
        // Without the index there is nothing to do this tick; the next tick reads it again.
        exhausted = true;
        tick.report.errors++;
        log.error('reading the due index failed', { channel, ...errorLogFields(error) });
      } finally {
        reading = undefined;
      }
    })());

  const nextRef = async (): Promise<{ ref: DueMessageRef; urgent: boolean } | undefined> => {
    for (let tries = 0; tries < 1_000 && !stopped(); tries++) {
      const urgent = urgentRefs.length > 0;
      const ref = urgentRefs.shift() ?? routineRefs.shift();
      if (ref) {
        // Read ahead so workers never wait on the index while the budget has room.
        if (!exhausted && inHand() < workers) void read();
        return { ref, urgent };
      }
      if (exhausted) return undefined;
      await read();
    }
    return undefined;
  };

  const worker = async () => {
    for (let n = 0; n < MAX_MESSAGES_PER_WORKER; n++) {
      const next = await nextRef();
      if (!next) return;
      try {
        await dispatchOne(ctx, tick, next.ref, next.urgent);
      } catch (error) {
        tick.report.errors++;
        log.error('dispatch fault; the lease will bring the message back', {
          messageId: next.ref.messageId,
          ...errorLogFields(error),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  await feed.release().catch((error: unknown) => {
    // A lease not given back ends by itself within seconds (real time); nothing is lost.
    log.warn('due queue leases not released', { channel, ...errorLogFields(error) });
  });
}
