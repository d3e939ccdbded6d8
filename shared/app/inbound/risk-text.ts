import type { Person } from '../../domain/model';
import { crisisReply } from '../../domain/safety-replies';
import { updateProfile } from '../scheduling/replan';
import { inReplyToLatest, type Answered, type InboundCtx, type InboundText } from './inbound-context';
import { optOutConfirmation, revokeText } from './opt-out';
import { settleQuestion } from './safety-question';

export type CrisisAlert = (flag: { personId: string; eventId: string; at: string; level: 'risk' }) => Promise<unknown>;

/**
 * A text the safety screen reads as risk (or a yes to our direct question): the crisis reply at
 * once (a reply, so quiet hours do not apply), a support hold that pauses upbeat coaching until a
 * human lifts it, a safety event, an alert to their counselors, a `crisis_flag` log line; of the
 * intent only an opt-out is still honoured. The text is kept with its flag and counted as a crisis.
 */
export async function answerRisk(ctx: InboundCtx, text: InboundText, onCrisisFlag?: CrisisAlert): Promise<Answered> {
  const { store, log } = ctx;
  const { person, ids, intent, now } = text;
  const rule = text.safety!.rule;
  // Logged before any write, so the alarm fires even if the writes below fail.
  log.warn('crisis_flag', { ...ids, rule, knownPerson: true });
  const replies = [crisisReply(text.help)];
  // The alert first: of everything below it is what a human most needs to see.
  await store.saveSafetyEvent({ personId: person.personId, eventId: ids.messageSid, at: now.toISOString(), kind: 'risk', rule });
  if (!person.profile.supportHold) {
    await updateProfile(ctx, person.personId, (profile) => ({ profile: { ...profile, supportHold: true } }));
  }
  if (text.review.settles) await settleQuestion(store, person.personId);
  let consent: Person | undefined;
  if (intent.kind === 'opt-out') {
    consent = await revokeText(ctx, person.personId, intent.via, now);
    const confirmation = optOutConfirmation(ctx.channel, intent.via);
    if (confirmation) replies.push(confirmation);
  }
  return {
    replies,
    entry: { kind: 'note', text: text.words, ...inReplyToLatest(text.latest) },
    counted: { flag: 'crisis', ...(consent && { consent }) },
    // Their counselors hear at once; if that fails, the dispatcher's sweep sends it later.
    followUp: async () => {
      if (!onCrisisFlag) return;
      await onCrisisFlag({ personId: person.personId, eventId: ids.messageSid, at: now.toISOString(), level: 'risk' }).catch((error: unknown) =>
        log.error('counselor crisis alert not sent now; the next tick sweeps it', { ...ids, error: error instanceof Error ? error.name : typeof error }),
      );
    },
  };
}
