import { DateTime } from 'luxon';
import { wordsFor } from '../../domain/eligibility';
import type { Message } from '../../domain/model';
import { attemptCode } from '../../domain/outcome-codes';
import { contextFor, findStep, renderEmail, renderSms } from '../../domain/render';
import { helplineSlot } from '../../domain/safety-replies';
import { outsideQuietHours, type QuietHours } from '../../domain/schedule';
import { contentChannelOf, isTextChannel } from '../../domain/sequence';
import { slotsIn } from '../../domain/template';
import { templateForStep } from '../../domain/whatsapp-templates';
import { whatsappFallbackEmail } from '../../domain/whatsapp-words';
import { helpFor } from '../safety/crisis-resources';
import { planSlotsFor } from '../my-plan/plan-words';
import { catchUpSlots, lateWording, usesCatchUp } from '../scheduling/catch-up';
import { allAnchors, wordingFor } from '../scheduling/planning';
import type { DispatchContext, Tick } from './context';
import { renderFailure, skip, type Outcome } from './outcome';
import { emailPausedHold, sendEmail, unsubscribeHeaders } from './send-email';
import { sendSms } from './send-text';
import { sendWhatsApp } from './send-whatsapp';
import { textHold } from './text-holds';

/**
 * One step of a person's coaching (or its words again by email, after WhatsApp refused them):
 * still worth sending (the step exists, the deadline has not passed, it is not too late for
 * its words), worded at the real time of sending, then sent on its channel.
 */
export async function deliverCoachingMessage(ctx: DispatchContext, tick: Tick, message: Message, now: Date, urgent: boolean): Promise<Outcome> {
  const { deps, settings } = ctx;
  const { library } = tick;
  const sequence = library.sequences.get(message.sequenceId);
  const step = sequence && findStep(sequence, message.stepId);
  if (!step) return skip('step_removed');
  const deadline = message.deadlineAt ? new Date(message.deadlineAt) : undefined;
  if (deadline && now >= deadline) return skip('past_deadline');
  if (!deadline && now.getTime() - expectedAt(message).getTime() > settings.lateAfterHours * 3_600_000) {
    return skip('too_late');
  }
  const wording = wordingFor(library, message.profile);
  // Worded from the real time, not the planned one: "in 3 days" must be true when it arrives.
  const renderContext = { ...contextFor(message, allAnchors(message, library.calendar)), sendAt: now, ...(wording.specialty ? { specialty: wording.specialty } : {}) };
  // Help where this person lives, for a safety step's {{helpline}}: their number when texting, else their zone.
  renderContext.helpline = helplineSlot(helpFor({ ...(isTextChannel(message.channel) && { phone: message.to }), zone: message.zone }));
  let words;
  try {
    words = wordsFor(step, message.profile, new Date(message.sendAt), message.zone, library.pools, wording.uncertainDates);
  } catch (error) {
    return { kind: 'failed', code: 'content_error', reason: `content: ${(error as Error).message}` };
  }
  const late = lateWording(words, message, now);
  if (late) return skip(late);
  if (usesCatchUp(words, message.channel)) renderContext.catchUp = catchUpSlots(library, message, now);
  if (step.withPlan) {
    // The person's own goals, read now (they change all week), never frozen at planning.
    const planWords = step.withPlan[contentChannelOf(message.channel)];
    const slots = await planSlotsFor(deps.store, message, now);
    const needed = planWords ? slotsIn(planWords.text).filter((s) => s === 'weekGoals' || s === 'weekSummary') : [];
    if (planWords && needed.every((s) => slots[s as keyof typeof slots] !== undefined)) {
      words = { ...words, [contentChannelOf(message.channel)]: planWords };
      Object.assign(renderContext, slots);
    } else if (step.withPlan.only) return skip('nothing_from_plan');
  }

  if (message.fallback && message.channel === 'email') {
    // A WhatsApp message WhatsApp refused: its text words, by email, rendered like any coaching email.
    if (!words.sms) return skip('step_has_no_text');
    const preferencesUrl = settings.links?.preferencesUrl(message.personId);
    words = { email: whatsappFallbackEmail({ text: words.sms.text, reason: message.fallback.reason, ...(preferencesUrl && { preferencesUrl }) }) };
  }

  if (isTextChannel(message.channel)) {
    const held = textHold(ctx, message, now, deadline);
    if (held) return held;
    let body: string;
    try {
      body = renderSms(words, renderContext);
    } catch (error) {
      return renderFailure(error);
    }
    if (message.channel === 'sms') return sendSms(ctx, tick, message, body, urgent, deadline);
    const template = settings.whatsapp && templateForStep(settings.whatsapp.templates, step);
    return sendWhatsApp(ctx, tick, message, { text: body, template, values: { text: body, ...(message.firstName && { firstName: message.firstName }) } }, urgent, deadline);
  }

  const paused = emailPausedHold(tick, now);
  if (paused) return paused;
  let rendered;
  try {
    const preferencesUrl = settings.links?.preferencesUrl(message.personId);
    rendered = renderEmail(words, renderContext, { postalAddress: settings.postalAddress, ...(preferencesUrl ? { preferencesUrl } : {}) });
  } catch (error) {
    return renderFailure(error);
  }
  // docs/rules.md: every coaching email carries RFC 8058 one-click unsubscribe.
  return sendEmail(ctx, tick, message, rendered, unsubscribeHeaders(ctx, message.personId), urgent, deadline);
}

/**
 * When the person expects the message: its planned time, or the morning it was held for when
 * quiet hours deferred it (a nudge held overnight is on time the next morning, not 14 hours late).
 */
function expectedAt(message: Message): Date {
  const held = message.attempts.filter((a) => attemptCode(a) === 'quiet_hours').at(-1);
  if (!held) return new Date(message.sendAt);
  const quiet = message.quietHours as QuietHours | undefined;
  return outsideQuietHours(DateTime.fromISO(held.at, { zone: message.zone }), quiet).toJSDate();
}
