import { randomUUID } from 'node:crypto';
import type { Attempt, DueMessageRef, Message } from '../../domain/model';
import { PersonGone } from '../../domain/errors';
import { checkinTest } from '../engagement/checkin-test';
import { countMessageOutcome } from '../engagement/engagement-counts';
import { cursorOf, laneOf, planNextMessage } from '../scheduling/planning';
import type { DispatchContext, Tick } from './context';
import { deliverAnnouncement } from './deliver-announcement';
import { deliverCoachingMessage } from './deliver-coaching';
import { deliverInvitation } from './deliver-invitation';
import type { Outcome } from './outcome';

/**
 * One due message, from its ref to its recorded outcome: claimed with a conditional write and a
 * lease (a lost race is counted and left), the lane's next message planned before sending (so a
 * crash cannot break the chain), delivered, and the outcome recorded on it and counted.
 */
export async function dispatchOne(ctx: DispatchContext, tick: Tick, ref: DueMessageRef, urgent: boolean): Promise<void> {
  const { deps, log, settings } = ctx;
  const { report, library } = tick;
  const now = deps.clock.now();
  const token = randomUUID();
  const message = await deps.store.claimMessage(ref, { token, now, until: new Date(now.getTime() + settings.leaseSeconds * 1000) });
  if (!message) {
    report.lostRaces++;
    return;
  }
  report.claimed++;
  // An invitation, an announcement, or a second try of a message WhatsApp refused is no step of a lane: nothing is planned after it.
  if (!message.invitation && !message.announcement && !message.fallback) {
    try {
      await planNextMessage({ store: deps.store, library }, laneOf(message), cursorOf(message), now);
    } catch (error) {
      if (!(error instanceof PersonGone)) throw error;
      // They asked us to delete everything just now: this message goes nowhere (erasure takes it).
      report.skipped++;
      log.info('person erased while their message was due: not sent', { messageId: message.messageId });
      return;
    }
  }

  const outcome = await deliver(ctx, tick, message, now, urgent || message.urgent === true);
  // When it happened: after any wait for a send slot, so the record says when it really went.
  const recordedAt = deps.clock.now();
  const attempt: Attempt = {
    at: recordedAt.toISOString(),
    outcome: outcome.kind,
    code: outcome.kind === 'sent' ? 'sent' : outcome.code,
    detail: outcome.kind === 'sent' ? 'sent' : outcome.reason,
    ...(outcome.kind === 'sent' && outcome.sms && { segments: outcome.sms.segments, encoding: outcome.sms.encoding }),
  };
  const ids = { personId: message.personId, messageId: message.messageId };
  let recorded: boolean;
  if (outcome.kind === 'retry') {
    recorded = await deps.store.releaseForRetry(ids, token, outcome.at, attempt);
    report.retried++;
  } else if (outcome.kind === 'sent') {
    recorded = await deps.store.finishMessage(ids, token, { status: 'sent', attempt, providerId: outcome.providerId });
    report.sent++;
    report.segments[message.channel] += outcome.sms?.segments ?? 1;
    if (outcome.sms?.encoding === 'UCS-2') report.ucs2Texts++;
  } else {
    const status = outcome.kind === 'skipped' ? 'skipped' : 'failed';
    recorded = await deps.store.finishMessage(ids, token, { status, attempt, reason: outcome.reason });
    report[status]++;
  }
  if (!recorded) {
    // Only possible if this send outlived its lease: the message may go out once more.
    log.warn('lease ended before the outcome was recorded', { messageId: message.messageId, outcome: outcome.kind });
  } else if (deps.engagement && (outcome.kind === 'sent' || outcome.kind === 'failed')) {
    // After the outcome is kept, never before: a count is never the reason a message goes twice.
    await countMessageOutcome({ engagement: deps.engagement, log }, message, outcome.kind, recordedAt, checkinTest(library)(message));
  }
  log.info('dispatched', {
    messageId: message.messageId,
    channel: message.channel,
    outcome: outcome.kind,
    code: attempt.code,
    detail: attempt.detail,
    ...(attempt.segments !== undefined && { segments: attempt.segments, encoding: attempt.encoding }),
  });
}

/** By kind: a counselor's invitation, an organisation's announcement, or a step of coaching. */
function deliver(ctx: DispatchContext, tick: Tick, message: Message, now: Date, urgent: boolean): Promise<Outcome> {
  if (message.invitation) return deliverInvitation(ctx, tick, message, message.invitation, now, urgent);
  if (message.announcement) return deliverAnnouncement(ctx, tick, message, message.announcement, now, urgent);
  return deliverCoachingMessage(ctx, tick, message, now, urgent);
}
