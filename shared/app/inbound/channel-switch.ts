import type { Consent, Person } from '../../domain/model';
import { mayText } from '../../domain/public-forms';
import type { TextChannel } from '../../domain/sequence';
import { oneWaySmsCountry } from '../../domain/whatsapp';
import * as wa from '../../domain/whatsapp-words';
import { replanPerson } from '../scheduling/replan';
import { changePerson, type InboundCtx } from './inbound-context';
import { confirmText } from './opt-in';

/**
 * WHATSAPP or TEXTS: the person moves their coaching to the other phone channel, tracks kept.
 * Texted WHATSAPP: we cannot start WhatsApp for them (it must be their own message there, which
 * also proves the number is on WhatsApp), so the reply says how. TEXTS on WhatsApp: texts are
 * confirmed from their own number's message and WhatsApp ends, unless texts cannot reach their
 * country; where replies to texts cannot reach us, the reply says what that breaks.
 * Asking for the channel they wrote on is a yes to it (confirmText, whose change is counted).
 */
export async function switchChannel(ctx: InboundCtx, person: Person, to: TextChannel, now: Date): Promise<{ reply: string; confirmed?: Person }> {
  if (to === ctx.channel) return to === 'sms' && person.consent.sms?.state === 'confirmed' ? { reply: wa.alreadyOnTextsReply } : confirmText(ctx, person.personId, now);
  if (to === 'whatsapp') return { reply: ctx.whatsapp ? wa.howToSwitchToWhatsAppReply(ctx.whatsapp.number) : wa.whatsappUnavailableReply };
  if (ctx.smsCountryCodes && !mayText(ctx.smsCountryCodes, ctx.phone)) return { reply: wa.cannotTextReply };
  await changePerson(ctx, person.personId, (current) => {
    const sms: Consent =
      current.consent.sms?.state === 'confirmed'
        ? current.consent.sms
        : { state: 'confirmed', source: 'whatsapp-keyword', at: now.toISOString(), text: wa.SMS_BY_WHATSAPP_KEYWORD_TEXT };
    const had = current.consent.whatsapp;
    const whatsapp: Consent | undefined = had && had.state !== 'revoked' ? { ...had, state: 'revoked', source: 'switched-to-sms', at: now.toISOString() } : had;
    return { ...current, consent: { ...current.consent, sms, ...(whatsapp && { whatsapp }) } };
  });
  await ctx.store.cancelPendingMessages(person.personId, 'switched-to-sms', now, 'whatsapp');
  await replanPerson(ctx, person.personId);
  ctx.log.info('moved from whatsapp to sms', { personId: person.personId });
  const country = oneWaySmsCountry(ctx.phone);
  return { reply: country ? wa.switchedToSmsOneWayReply(country) : wa.switchedToSmsReply };
}
