import type { CrisisResources } from '../../domain/crisis-lines';
import type { InboundIntent } from '../../domain/keywords';
import type { JournalEntry, Message, Person } from '../../domain/model';
import * as say from '../../domain/sms-replies';
import * as wa from '../../domain/whatsapp-words';
import { switchChannel } from './channel-switch';
import { answerCheckin } from './checkin-answer';
import { inReplyToLatest, type InboundCtx } from './inbound-context';
import { actOnNews } from './news-by-text';
import { confirmText } from './opt-in';
import { optOutConfirmation, revokeText } from './opt-out';
import { pauseOrResume } from './pause-by-text';
import { planByText } from './plan-by-text';

/** What acting on an intent produced: a reply, whether it informs (kept next to a safety reply), a journal entry. */
export interface Acted {
  reply?: string;
  informs?: boolean;
  entry?: Pick<JournalEntry, 'kind' | 'text' | 'inReplyTo' | 'response'>;
  /** A follow-up flag for their counselor (a rule id), raised last like the screen's own. */
  flag?: string;
  /** The person as the text left their consent, when it changed it (for their engagement counts). */
  consent?: Person;
}

/**
 * What the person's words ask for (shared/domain/keywords.ts), done, and answered briefly in our
 * own words. STOP, START, HELP and the channel switch work whatever their consent; the rest is
 * coaching, which waits for their yes on this channel (their words are kept meanwhile).
 */
export async function actOnIntent(ctx: InboundCtx, person: Person, intent: InboundIntent, latest: Message | undefined, now: Date, help: CrisisResources): Promise<Acted> {
  switch (intent.kind) {
    case 'opt-out': {
      const consent = await revokeText(ctx, person.personId, intent.via, now);
      const confirmation = optOutConfirmation(ctx.channel, intent.via);
      return { ...(confirmation && { reply: confirmation, informs: true }), ...(consent && { consent }) };
    }
    case 'opt-in':
    case 'join': {
      const { reply, confirmed } = await confirmText(ctx, person.personId, now);
      return { reply, informs: true, ...(confirmed && { consent: confirmed }) };
    }
    case 'help':
      return { reply: say.helpReply(ctx.helpAddress), informs: true };
    case 'switch': {
      const { reply, confirmed } = await switchChannel(ctx, person, intent.to, now);
      return { reply, informs: true, ...(confirmed && { consent: confirmed }) };
    }
  }

  const inReplyTo = inReplyToLatest(latest);
  const state = person.consent[ctx.channel]?.state ?? 'pending';
  if (state !== 'confirmed') {
    // Until YES (or after STOP) nothing is coached; their words are still kept, as they sent them.
    const text = intent.kind === 'free-text' || intent.kind === 'clarify' || intent.kind === 'goal-add' ? intent.text : undefined;
    const entry = text ? { kind: intent.kind === 'goal-add' ? ('goal' as const) : ('note' as const), text, ...inReplyTo } : undefined;
    const confirmFirst = ctx.channel === 'whatsapp' ? wa.whatsappConfirmFirstReply : say.confirmFirstReply;
    return state === 'revoked' ? { ...(entry && { entry }) } : { reply: confirmFirst, informs: true, ...(entry && { entry }) };
  }

  // News for the coach (an outcome, a milestone, their specialty, interviews): routed like the web form.
  const told = intent.kind === 'free-text' || intent.kind === 'clarify' ? await actOnNews(ctx, person, intent.text) : undefined;
  if (told) return { reply: told.reply, informs: true, entry: { ...told.entry, ...inReplyTo } };

  switch (intent.kind) {
    case 'pause':
    case 'resume':
      return pauseOrResume(ctx, person, intent, now);
    case 'done':
    case 'skip':
    case 'score':
    case 'clarify':
      return answerCheckin(ctx, person, intent, latest, help);
    case 'done-goal':
    case 'goal-add':
    case 'goals':
    case 'next':
      return planByText(ctx, person, intent, latest, now);
    case 'free-text':
      if (!intent.text) return {};
      // "GOALZ", "NXT": a lone capitalised word reads as a command we do not know, and gets one
      // line of help; it is still kept, like any text.
      if (/^[A-Z]{3,12}[?!.]?$/.test(intent.text)) return { reply: say.unknownCommandReply, entry: { kind: 'note', text: intent.text, ...inReplyTo } };
      return { reply: say.journalReply, entry: { kind: 'note', text: intent.text, ...inReplyTo } };
  }
}
