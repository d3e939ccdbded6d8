import type { CrisisResources } from '../../domain/crisis-lines';
import type { InboundIntent } from '../../domain/keywords';
import type { JournalEntry, Message, Person } from '../../domain/model';
import type { Reviewed } from '../../domain/safety-question';
import type { TextChannel } from '../../domain/sequence';
import type { Clock, Logger, Store } from '../../ports';
import type { EngagementStore } from '../../ports/engagement';
import { PersonGone } from '../../domain/errors';
import type { MembershipAnswerDeps } from '../organisations/membership-answers';
import type { Library } from '../scheduling/planning';
import type { InboundCounts } from './count-inbound';

/**
 * What every step of answering one text from a known person shares: the services, the channel
 * it came on, and what we made of the text. Built once by the entry point (inbound-sms.ts).
 */

export interface InboundCtx {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Where people can write for help; the HELP reply names it. */
  helpAddress: string;
  library: Library;
  memberships?: MembershipAnswerDeps['counselors'];
  /** The channel the text came on: each acts on its own consent. */
  channel: TextChannel;
  /** The number it came from (E.164, whatever the channel). */
  phone: string;
  whatsapp?: { number?: string };
  smsCountryCodes?: readonly string[];
  engagement?: EngagementStore;
  /** Whether this person's engagement is counted (an organisation follows them). */
  followed: boolean;
}

/** One text from a known person, as read: the words, the intent, the safety screen. */
export interface InboundText {
  ids: { personId: string; messageSid: string };
  person: Person;
  intent: InboundIntent;
  /** The screen in the light of the conversation (an open direct question, a lowest score). */
  review: Reviewed;
  /** What the screen found, as kept on the journal entry; none for a text with nothing there. */
  safety?: NonNullable<JournalEntry['safety']>;
  /** The text as kept in their journal. */
  words: string;
  /** The last message we sent them on this channel: what DONE, SKIP or a score answers. */
  latest?: Message;
  /** Help where they live, named by every safety reply. */
  help: CrisisResources;
  now: Date;
}

/** What one way of answering a text produced; the entry point keeps it, counts it, then follows up. */
export interface Answered {
  /** Our TwiML replies, in order. */
  replies: string[];
  /** What goes in their journal; nothing kept without one. */
  entry?: Pick<JournalEntry, 'kind' | 'text' | 'inReplyTo' | 'response'>;
  /** What their engagement counts beyond the reply itself. */
  counted: Omit<InboundCounts, 'entry' | 'latest'>;
  /** What comes once the text is kept and counted (alerts, flags raised last). */
  followUp?: () => Promise<void>;
}

/** Re-read before each change: an earlier step of this same text may have saved the person. */
export async function changePerson(ctx: Pick<InboundCtx, 'store'>, personId: string, change: (person: Person) => Person | undefined): Promise<boolean> {
  const person = await ctx.store.getPerson(personId);
  if (!person) throw new PersonGone();
  const next = change(person);
  if (!next) return false;
  await ctx.store.savePerson(next);
  return true;
}

/** Answers point back to what they answer: our last message on the channel, when there is one. */
export const inReplyToLatest = (latest: Message | undefined) => (latest ? { inReplyTo: latest.messageId } : {});
