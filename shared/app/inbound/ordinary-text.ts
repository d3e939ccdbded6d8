import { askAnsweredNoReply, askDirectlyReply } from '../../domain/safety-replies';
import * as say from '../../domain/sms-replies';
import { humanOfferFor } from './human-offer';
import { inReplyToLatest, type Answered, type InboundCtx, type InboundText } from './inbound-context';
import { actOnIntent } from './intents';
import { noteReply } from './reply-seen';
import { recordQuestionAsked, settleQuestion } from './safety-question';

/**
 * Any text that is neither a crisis nor TALK: what it asks for is done (intents.ts). When the
 * screen found the middle band, the direct question leads the replies (shared/domain/safety-question.ts);
 * distress gets a warm reply, the text is flagged for follow-up and nothing is paused. A reply that
 * informs (a pause date, an opt-out) still follows a safety line.
 */
export async function answerOrdinaryText(ctx: InboundCtx, text: InboundText): Promise<Answered> {
  const { store, log } = ctx;
  const { person, ids, intent, review, safety, now } = text;
  const screen = review.screen;
  const acted = await actOnIntent(ctx, person, intent, text.latest, now, text.help);
  const lead =
    review.answer === 'no'
      ? askAnsweredNoReply(text.help)
      : screen.level === 'ask'
        ? askDirectlyReply(text.help)
        : screen.level === 'distress'
          ? say.distressReply(text.help, await humanOfferFor(ctx, person))
          : undefined;
  const replies = lead ? [lead, ...(acted.informs && acted.reply ? [acted.reply] : [])] : acted.reply ? [acted.reply] : [];
  const entry = acted.entry ?? (safety && text.words ? { kind: 'note' as const, text: text.words, ...inReplyToLatest(text.latest) } : undefined);
  // A follow-up flag raised last: distress, or the intent's own (the lowest score) on a text with nothing
  // else in it. The direct question is a follow-up flag too, raised as it is asked (recordQuestionAsked).
  const flagRule = screen.level === 'distress' ? safety!.rule : screen.level === 'none' ? acted.flag : undefined;
  const flagged = screen.level === 'ask' || flagRule !== undefined;
  return {
    replies,
    ...(entry && { entry }),
    counted: { ...(flagged && { flag: 'distress' as const }), ...(acted.consent && { consent: acted.consent }) },
    followUp: async () => {
      if (review.settles) await settleQuestion(store, person.personId);
      if (screen.level === 'ask') await recordQuestionAsked({ store, log }, ids, safety!.rule, now);
      // Any text from them is a sign of life (three silent weeks slow coaching down); not a STOP.
      if (person.consent.sms?.state === 'confirmed' && intent.kind !== 'opt-out') await noteReply(ctx, person, now);
      // Last, so a retry after a failure above cannot raise the same follow-up flag twice.
      if (flagRule !== undefined) {
        await store.saveSafetyEvent({ personId: person.personId, eventId: ids.messageSid, at: now.toISOString(), kind: 'distress', rule: flagRule });
        log.info('distress_flag', { ...ids, rule: flagRule });
      }
      log.info('inbound sms handled', { ...ids, intent: intent.kind, risk: screen.level, replies: replies.length });
    },
  };
}
