/**
 * Sending one message to a phone (SMS, and WhatsApp through sendText): spaced from the person's
 * previous text, paced by the shared budget, quiet hours checked again after the wait.
 */
import type { Message } from '../../domain/model';
import { PersonGone } from '../../domain/errors';
import type { TextChannel } from '../../domain/sequence';
import { smsSegments } from '../../domain/template';
import type { SendResult } from '../../ports';
import { countPersonDetails } from '../engagement/engagement-counts';
import type { DispatchContext, Tick } from './context';
import { hold, type Outcome } from './outcome';
import { outcomeOf } from './retry';
import { noteThrottling, waitForSlot } from './send-slot';
import { firstTimeOutsideQuietHours, quietHoursHold } from './text-holds';

/** The provider call for one text, given when it goes; or why it did not go after all. */
export type TextSend = (
  sentAt: Date,
  extras: { validityPeriodSeconds?: number; statusCallbackUrl?: string },
) => Promise<SendResult | Extract<Outcome, { kind: 'skipped' | 'failed' }>>;

/** One text on its way: the message, its channel, whether it may skip the queue, when it is too late, and the provider call. */
interface TextToSend {
  message: Message;
  channel: TextChannel;
  urgent: boolean;
  deadline: Date | undefined;
  send: TextSend;
}

/** One text, once its slot of the shared budget comes (quiet hours checked again after the wait). */
export async function sendSms(ctx: DispatchContext, tick: Tick, message: Message, body: string, urgent: boolean, deadline: Date | undefined): Promise<Outcome> {
  const send: TextSend = async (sentAt, extras) => {
    const result = await ctx.deps.sms.send({ to: message.to, body, messageId: message.messageId, ...extras });
    if (result.status === 'failed' && result.code === 'opted_out') await honourSmsOptOut(ctx, message, sentAt);
    return result;
  };
  const outcome = await sendText(ctx, tick, { message, channel: 'sms', urgent, deadline, send });
  if (outcome.kind !== 'sent') return outcome;
  // What carriers bill for it, recorded with the attempt and counted in the tick's report.
  const { segments, encoding } = smsSegments(body);
  return { ...outcome, sms: { segments, encoding } };
}

/**
 * A message to a phone (SMS or WhatsApp), once its channel's slot of the shared budget comes:
 * spaced from the person's previous text, quiet hours checked again after the wait. `send`
 * makes the provider call, or says why the message did not go after all.
 */
export async function sendText(ctx: DispatchContext, tick: Tick, text: TextToSend): Promise<Outcome> {
  const { spacing } = ctx;
  const { message, urgent, deadline } = text;
  const now = ctx.deps.clock.now();
  const wait = urgent ? undefined : spacing.heldUntil(message.personId, message.messageId, now);
  if (wait) {
    // Held back only if it can still go before its deadline, quiet hours counted; else it goes now.
    const release = firstTimeOutsideQuietHours(message, wait);
    if (!(deadline && release >= deadline)) {
      tick.report.spaced++;
      return hold('spacing', release);
    }
  }
  // Counted as this person's latest text while it is on its way; given back unless it went.
  spacing.record(message.personId, message.messageId, now);
  let outcome: Outcome | undefined;
  try {
    outcome = await sendTextNow(ctx, tick, text);
    return outcome;
  } finally {
    if (outcome?.kind !== 'sent') spacing.release(message.personId, message.messageId);
  }
}

async function sendTextNow(ctx: DispatchContext, tick: Tick, { message, channel, urgent, deadline, send }: TextToSend): Promise<Outcome> {
  const { deps, settings } = ctx;
  const { report } = tick;
  const slot = await waitForSlot(ctx, channel, urgent, report, deadline);
  if (slot.kind !== 'go') return slot.outcome;
  const sentAt = deps.clock.now();
  // The slot may have moved us past 21:00 local; quiet hours hold whatever the budget says.
  const lateQuiet = quietHoursHold(message, sentAt, deadline);
  if (lateQuiet) return lateQuiet;
  const validity = deadline ? Math.min(36_000, Math.floor((deadline.getTime() - sentAt.getTime()) / 1000)) : undefined;
  const statusCallbackUrl = settings.links?.smsStatusCallbackUrl?.(message.personId, message.messageId);
  const result = await send(sentAt, { ...(validity ? { validityPeriodSeconds: validity } : {}), ...(statusCallbackUrl ? { statusCallbackUrl } : {}) });
  if ('kind' in result) return result;
  noteThrottling(ctx, channel, result, report);
  return outcomeOf(result, message, deps.clock.now(), settings.maxAttempts);
}

/** Twilio 21610: the number replied STOP at the carrier level; we stop too, on every lane. */
async function honourSmsOptOut(ctx: DispatchContext, message: Message, now: Date): Promise<void> {
  const { deps, log } = ctx;
  const person = await deps.store.getPerson(message.personId);
  if (person?.consent.sms && person.consent.sms.state !== 'revoked') {
    await deps.store
      .savePerson({
        ...person,
        consent: { ...person.consent, sms: { ...person.consent.sms, state: 'revoked', source: 'carrier-opt-out', at: now.toISOString() } },
      })
      .then(() => countPersonDetails({ ...(deps.engagement && { engagement: deps.engagement }), log }, { ...person, consent: { ...person.consent, sms: { ...person.consent.sms!, state: 'revoked' } } }, now))
      .catch((error: unknown) => {
        // Erased meanwhile: there is no consent left to revoke.
        if (!(error instanceof PersonGone)) throw error;
      });
  }
  await deps.store.cancelPendingMessages(message.personId, 'opted_out', now, 'sms');
}
