import { invitationEmail, invitationSms, joinRequestEmail } from '../../domain/invitation-words';
import type { Message } from '../../domain/model';
import { isTextChannel } from '../../domain/sequence';
import { TOKEN_LIFETIME_SECONDS } from '../../domain/tokens';
import { consentFor } from './consent-check';
import type { DispatchContext, Tick } from './context';
import { skip, type Outcome } from './outcome';
import { emailPausedHold, sendEmail } from './send-email';
import { sendSms } from './send-text';
import { sendPurposeTemplate } from './send-whatsapp';
import { textHold } from './text-holds';

/**
 * A counselor's invitation: the invitation's own words, and the same pacing, quiet hours,
 * retries and deadline as coaching. The email is transactional like the sign-up confirmation
 * (no unsubscribe header: nothing else comes unless they accept).
 */
export async function deliverInvitation(
  ctx: DispatchContext,
  tick: Tick,
  message: Message,
  invitation: NonNullable<Message['invitation']>,
  now: Date,
  urgent: boolean,
): Promise<Outcome> {
  const { deps, settings } = ctx;
  const { orgName } = invitation;
  const deadline = message.deadlineAt ? new Date(message.deadlineAt) : undefined;
  if (deadline && now >= deadline) return skip('past_deadline');
  // Read now, not when it was queued: they may have said yes (or no) by themselves since, or
  // changed the address. One read per invitation; coaching messages never read the person.
  const person = await deps.store.getPerson(message.personId);
  const membership = invitation.orgId && invitation.cohortId ? { orgId: invitation.orgId, cohortId: invitation.cohortId } : undefined;
  if (invitation.join) {
    // Only ever to an address its owner confirmed, never to one a counselor typed.
    if (message.channel !== 'email' || !consentFor(person, message, 'confirmed') || !membership) return skip('invitation_not_needed');
    const paused = emailPausedHold(tick, now);
    if (paused) return paused;
    const joinUrl = settings.links?.joinUrl?.(message.personId, membership);
    if (!joinUrl) return { kind: 'failed', code: 'link_not_configured', reason: 'no join link configured' };
    const words = joinRequestEmail({ orgName, joinUrl, postalAddress: settings.postalAddress, validDays: Math.round(TOKEN_LIFETIME_SECONDS.join / 86_400), ...(message.firstName ? { firstName: message.firstName } : {}) });
    return sendEmail(ctx, tick, message, words, undefined, urgent, deadline);
  }
  // Only while the person has not answered the counselor who gave us this address.
  if (!consentFor(person, message, 'pending')?.source.startsWith('counselor:')) return skip('invitation_not_needed');
  if (isTextChannel(message.channel)) {
    const held = textHold(ctx, message, now, deadline);
    if (held) return held;
    if (message.channel === 'sms') return sendSms(ctx, tick, message, invitationSms(orgName), urgent, deadline);
    // The approved words (a template naming the organisation), as free text too if the window is open.
    return sendPurposeTemplate(ctx, tick, message, 'invitation', { orgName }, urgent, deadline);
  }
  const paused = emailPausedHold(tick, now);
  if (paused) return paused;
  const confirmUrl = settings.links?.confirmUrl?.(message.personId, membership);
  if (!confirmUrl) return { kind: 'failed', code: 'link_not_configured', reason: 'no confirmation link configured' };
  const words = invitationEmail({
    orgName,
    confirmUrl,
    postalAddress: settings.postalAddress,
    validDays: Math.round(TOKEN_LIFETIME_SECONDS['confirm-email'] / 86_400),
    ...(message.firstName ? { firstName: message.firstName } : {}),
  });
  return sendEmail(ctx, tick, message, words, undefined, urgent, deadline);
}
