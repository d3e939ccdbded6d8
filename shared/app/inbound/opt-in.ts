import type { Consent, Person } from '../../domain/model';
import { ownRecordOf } from '../../domain/ownership';
import * as say from '../../domain/sms-replies';
import { smsFrequency } from '../../domain/subscription-words';
import * as wa from '../../domain/whatsapp-words';
import { answerMemberships } from '../organisations/membership-answers';
import { replanPerson } from '../scheduling/replan';
import { changePerson, type InboundCtx } from './inbound-context';

/** What the person agreed to when a keyword (not a form) turned their texts on. */
export const SMS_KEYWORD_OPT_IN_TEXT = `Texted START, YES or UNSTOP to the Match Coach number to get coaching texts and reminders (${smsFrequency()}; PAUSE for a break, STOP to end, HELP for help).`;

/**
 * START/YES/UNSTOP/JOIN on this channel: its double opt-in completed (or consent given again),
 * then its messages are planned. Coaching comes on one phone channel at a time: confirming
 * WhatsApp ends texts (source `switched-to-whatsapp`) and the other way round, tracks kept.
 * Returns the reply, and the person as changed (for their engagement counts) when anything was.
 */
export async function confirmText(ctx: InboundCtx, personId: string, now: Date): Promise<{ reply: string; confirmed?: Person }> {
  const { channel } = ctx;
  const other = channel === 'sms' ? 'whatsapp' : 'sms';
  let invitedBy: string | undefined;
  let switched = false;
  let confirmed: Person | undefined;
  const changed = await changePerson(ctx, personId, (person) => {
    const had = person.consent[channel];
    if (had?.state === 'confirmed') return undefined;
    // Only while the record is still the organisation's own: once the person has confirmed
    // anything themselves, a YES from the number the organisation typed answers nothing for them.
    if (had?.state === 'pending' && had.source.startsWith('counselor:') && person.broughtBy && ownRecordOf(person, person.broughtBy)) invitedBy = person.broughtBy;
    // A pending consent keeps the words they agreed to on the form: YES confirms exactly those.
    const keywordText = channel === 'sms' ? SMS_KEYWORD_OPT_IN_TEXT : wa.WHATSAPP_KEYWORD_OPT_IN_TEXT;
    const confirmedConsent: Consent = { state: 'confirmed', source: `${channel}-keyword`, at: now.toISOString(), text: had?.state === 'pending' ? had.text : keywordText };
    const was = person.consent[other];
    switched = was?.state === 'confirmed';
    const ended: Consent | undefined = switched ? { ...was!, state: 'revoked', source: `switched-to-${channel}`, at: now.toISOString() } : undefined;
    return (confirmed = { ...person, consent: { ...person.consent, [channel]: confirmedConsent, ...(ended && { [other]: ended }) } });
  });
  if (!changed) return { reply: channel === 'sms' ? say.alreadyOptedInReply : wa.whatsappAlreadyOptedInReply };
  if (switched) await ctx.store.cancelPendingMessages(personId, `switched-to-${channel}`, now, other);
  // The invitation named the organisation that brought them: YES is their yes to it too.
  if (invitedBy && ctx.memberships) {
    await answerMemberships({ store: ctx.store, clock: ctx.clock, log: ctx.log, library: ctx.library, counselors: ctx.memberships, ...(ctx.engagement && { engagement: ctx.engagement }) }, personId, { orgId: invitedBy }, 'accepted', `${channel}-keyword`);
  }
  await replanPerson(ctx, personId);
  ctx.log.info(`${channel} consent confirmed`, { personId, switched });
  const reply = switched ? (channel === 'whatsapp' ? wa.switchedToWhatsAppReply : say.optInReply) : channel === 'sms' ? say.optInReply : wa.whatsappOptInReply;
  return { reply, ...(confirmed && { confirmed }) };
}
