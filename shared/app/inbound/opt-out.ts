import type { Consent, Person } from '../../domain/model';
import type { TextChannel } from '../../domain/sequence';
import * as say from '../../domain/sms-replies';
import * as wa from '../../domain/whatsapp-words';
import { changePerson, type InboundCtx } from './inbound-context';

/** What the person did when a keyword, or their own words, turned their texts off. */
const OPT_OUT_TEXT = {
  keyword: 'Opted out by texting a carrier opt-out keyword (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE or OPTOUT).',
  'free-text': 'Opted out by asking, in their own words, for the texts to stop.',
} as const;

/**
 * STOP or "please stop texting me": that channel's consent revoked with its source, nothing more
 * goes out on it. Returns the person as changed (for their engagement counts), or undefined when
 * they had already opted out there.
 */
export async function revokeText(ctx: InboundCtx, personId: string, via: 'keyword' | 'free-text', now: Date): Promise<Person | undefined> {
  const { channel } = ctx;
  let changed: Person | undefined;
  await changePerson(ctx, personId, (person) => {
    // The first revocation stands; a second STOP changes nothing but is still honoured below.
    if (person.consent[channel]?.state === 'revoked') return undefined;
    const text = channel === 'sms' ? OPT_OUT_TEXT[via] : wa.WHATSAPP_OPT_OUT_TEXT[via];
    const revoked: Consent = { state: 'revoked', source: `${channel}-${via === 'keyword' ? 'keyword' : 'free-text'}`, at: now.toISOString(), text };
    return (changed = { ...person, consent: { ...person.consent, [channel]: revoked } });
  });
  // Same reason the dispatcher records for a carrier-level opt-out (Twilio 21610).
  await ctx.store.cancelPendingMessages(personId, 'opted_out', now, channel);
  ctx.log.info(`${channel} consent revoked`, { personId, via });
  return changed;
}

/**
 * What an opt-out is answered with: by SMS the carrier answers its own keywords (and blocks ours),
 * so only free text gets our confirmation; WhatsApp has no carrier, so we always confirm.
 */
export function optOutConfirmation(channel: TextChannel, via: 'keyword' | 'free-text'): string | undefined {
  if (channel === 'whatsapp') return wa.whatsappOptOutReply;
  return via === 'free-text' ? say.optOutReply : undefined;
}
