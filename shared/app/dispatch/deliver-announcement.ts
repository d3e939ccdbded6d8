import { announcementEmail, announcementSms, announcementWhatsAppValues } from '../../domain/announcement';
import { isAcceptedMember } from '../../domain/counselor';
import type { Message } from '../../domain/model';
import { isTextChannel } from '../../domain/sequence';
import { consentFor } from './consent-check';
import type { DispatchContext, Tick } from './context';
import { skip, type Outcome } from './outcome';
import { emailPausedHold, sendEmail, unsubscribeHeaders } from './send-email';
import { sendSms } from './send-text';
import { sendPurposeTemplate } from './send-whatsapp';
import { textHold } from './text-holds';

/**
 * An announcement: checked again as it goes (they may have turned the channel off, changed the
 * address, paused, or left the organisation since it was queued), then paced and held for quiet
 * hours like any message; an email carries the one-click unsubscribe like coaching emails.
 */
export async function deliverAnnouncement(
  ctx: DispatchContext,
  tick: Tick,
  message: Message,
  announcement: NonNullable<Message['announcement']>,
  now: Date,
  urgent: boolean,
): Promise<Outcome> {
  const { deps, settings } = ctx;
  const deadline = message.deadlineAt ? new Date(message.deadlineAt) : undefined;
  if (deadline && now >= deadline) return skip('past_deadline');
  const person = await deps.store.getPerson(message.personId);
  if (!person || !consentFor(person, message, 'confirmed')) return skip('not_consented');
  if (person.profile.pausedUntil && Date.parse(person.profile.pausedUntil) > now.getTime()) return skip('paused');
  if (announcement.orgId) {
    const memberships = deps.counselors ? await deps.counselors.cohortsOfPerson(message.personId) : [];
    if (!memberships.some((m) => m.orgId === announcement.orgId && isAcceptedMember(m))) return skip('not_a_member');
  }
  const sender = { orgName: announcement.orgName };
  if (isTextChannel(message.channel)) {
    const held = textHold(ctx, message, now, deadline);
    if (held) return held;
    if (message.channel === 'sms') return sendSms(ctx, tick, message, announcementSms(sender, announcement.text), urgent, deadline);
    // The approved announcement template outside the window; inside it, the same words as free text.
    return sendPurposeTemplate(ctx, tick, message, 'announcement', announcementWhatsAppValues(sender, announcement.text), urgent, deadline);
  }
  const paused = emailPausedHold(tick, now);
  if (paused) return paused;
  const preferencesUrl = settings.links?.preferencesUrl(message.personId);
  const words = announcementEmail(sender, announcement, { postalAddress: settings.postalAddress, ...(preferencesUrl && { preferencesUrl }) });
  return sendEmail(ctx, tick, message, words, unsubscribeHeaders(ctx, message.personId), urgent, deadline);
}
