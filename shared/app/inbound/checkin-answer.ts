import type { CrisisResources } from '../../domain/crisis-lines';
import type { InboundIntent } from '../../domain/keywords';
import type { Message, Person } from '../../domain/model';
import { findStep } from '../../domain/render';
import * as say from '../../domain/sms-replies';
import { recordCheckinScore } from '../scheduling/replan';
import type { Acted } from './intents';
import { humanOfferFor, LOWEST_SCORE_RULE } from './human-offer';
import { inReplyToLatest, type InboundCtx } from './inbound-context';

/** A bare number answers our check-in for this long after it went out. */
const SCORE_WINDOW_HOURS = 72;

type CheckinIntent = Extract<InboundIntent, { kind: 'done' | 'skip' | 'score' | 'clarify' }>;

/**
 * An answer to our check-in: DONE, SKIP, a score from 1 to 5 (with words beside it or not), or an
 * answer we could not read as one. Each is kept in their journal, pointing at what it answers.
 */
export async function answerCheckin(ctx: InboundCtx, person: Person, intent: CheckinIntent, latest: Message | undefined, help: CrisisResources): Promise<Acted> {
  const inReplyTo = inReplyToLatest(latest);
  switch (intent.kind) {
    case 'done':
      return { reply: say.doneReply, entry: { kind: 'checkin', response: { kind: 'done' }, ...inReplyTo } };
    case 'skip':
      return { reply: say.skipReply, entry: { kind: 'checkin', response: { kind: 'skip' }, ...inReplyTo } };
    case 'score': {
      const { wellbeing, changed } = await recordCheckinScore(ctx, person.personId, intent.score);
      // The lowest score always gets a caring question and a follow-up flag for their counselor.
      const reply =
        changed && wellbeing === 'struggling' ? say.strugglingReply(help, await humanOfferFor(ctx, person)) : intent.score === 1 ? say.lowestScoreReply : say.scoreReply(intent.score);
      return {
        reply,
        entry: { kind: 'checkin', response: { kind: 'score', score: intent.score }, ...(intent.note && { text: intent.note }), ...inReplyTo },
        ...(intent.score === 1 && { flag: LOWEST_SCORE_RULE }),
      };
    }
    case 'clarify':
      // An unclear answer to a check-in is still something they told us: it goes in the journal.
      return {
        reply: say.clarifyReply(intent.reason),
        ...(intent.reason === 'score-not-understood' && intent.text && { entry: { kind: 'note' as const, text: intent.text, ...inReplyTo } }),
      };
  }
}

/** When a message went out: its sent attempt, else its last change. */
const sentAt = (m: Message) => Date.parse(m.attempts.filter((a) => a.outcome === 'sent').at(-1)?.at ?? m.updatedAt);

/** The last message we sent them on this channel: what DONE, SKIP or a score answers. */
export function latestSent(messages: readonly Message[], channel: Message['channel']): Message | undefined {
  let latest: Message | undefined;
  for (const m of messages) {
    if (m.channel !== channel || m.status !== 'sent') continue;
    if (!latest || sentAt(m) >= sentAt(latest)) latest = m;
  }
  return latest;
}

/**
 * A bare number (or an unclear answer) reads as a check-in score only while our last text was a
 * check-in, recent, and not yet scored: "4" after a nudge is news, and "thanks!" after a score
 * is not a badly typed score.
 */
export async function isAwaitingScore(ctx: Pick<InboundCtx, 'store' | 'library'>, personId: string, latest: Message | undefined, now: Date): Promise<boolean> {
  if (!latest || now.getTime() - sentAt(latest) > SCORE_WINDOW_HOURS * 3_600_000) return false;
  const sequence = ctx.library.sequences.get(latest.sequenceId);
  if (!sequence || findStep(sequence, latest.stepId)?.kind !== 'checkin') return false;
  const answers = await ctx.store.listJournalEntries(personId, { inReplyTo: latest.messageId });
  return !answers.some((a) => a.response?.kind === 'score');
}
