import type { JournalEntry, Message, Person } from '../../domain/model';
import type { Logger, Store } from '../../ports';
import type { EngagementStore } from '../../ports/engagement';
import { checkinTest } from '../engagement/checkin-test';
import { countEvent, countPersonDetails } from '../engagement/engagement-counts';
import type { Library } from '../scheduling/planning';

/**
 * What one text changes in a followed person's engagement counts (an organisation follows them),
 * counted in one step once the text is kept in their journal:
 * - their consent, when the text changed it (STOP, START, YES);
 * - that they replied, whether it was the first answer to a check-in, and the score;
 * - the flag it raised (crisis, the direct question or distress, TALK).
 * Counting never stands in the way of the reply: a count that cannot be written is left for the
 * recount (shared/app/engagement/engagement-counts.ts).
 */

export interface InboundCounts {
  /** The person as their text left their consent, when it changed it. */
  consent?: Person;
  /** What was kept in their journal; nothing kept is no reply counted. */
  entry?: Pick<JournalEntry, 'response' | 'inReplyTo'>;
  /** The last message we sent them on the channel: what a check-in answer answers. */
  latest?: Message;
  flag?: 'crisis' | 'distress' | 'talk';
}

export async function countInboundText(
  deps: { store: Pick<Store, 'listJournalEntries'>; library: Pick<Library, 'sequences'>; log: Logger; engagement?: EngagementStore; followed: boolean },
  personId: string,
  counts: InboundCounts,
  now: Date,
): Promise<void> {
  if (!deps.followed || !deps.engagement) return;
  const counting = { engagement: deps.engagement, log: deps.log };
  if (counts.consent) await countPersonDetails(counting, counts.consent, now);
  if (counts.entry) {
    const answered = await firstCheckinAnswer(deps, personId, counts.entry, counts.latest);
    const score = counts.entry.response?.kind === 'score' ? counts.entry.response.score : undefined;
    await countEvent(counting, personId, { kind: 'reply', at: now.toISOString(), ...(answered && { answered }), ...(score !== undefined && { score }) });
  }
  if (counts.flag) await countEvent(counting, personId, { kind: 'flag', at: now.toISOString(), reason: counts.flag });
}

/**
 * When the entry is the first answer to our check-in: when that check-in went out. Read after the
 * entry is stored, from the entries answering the same text, so a second answer is not counted again.
 */
async function firstCheckinAnswer(
  deps: { store: Pick<Store, 'listJournalEntries'>; library: Pick<Library, 'sequences'> },
  personId: string,
  entry: Pick<JournalEntry, 'response' | 'inReplyTo'>,
  latest: Message | undefined,
): Promise<{ checkinSentAt: string } | undefined> {
  if (!entry.response || !latest || entry.inReplyTo !== latest.messageId || !checkinTest(deps.library)(latest)) return undefined;
  const answers = (await deps.store.listJournalEntries(personId, { inReplyTo: latest.messageId })).filter((e) => e.response);
  if (answers.length !== 1) return undefined;
  return { checkinSentAt: latest.attempts.filter((a) => a.outcome === 'sent').at(-1)?.at ?? latest.sendAt };
}
