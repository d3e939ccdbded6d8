import { normaliseSms } from './keywords';

/**
 * TALK: a member asks for a person to reach them. Kept apart from the other keywords (keywords.ts)
 * on purpose: it is a request to the organisations that follow the person, not a command to the
 * coach, and it is read before the coach's own keywords so that no reading of them can swallow it.
 * Pure.
 *
 * What counts: the word TALK alone, in any case, with punctuation or emoji around it, and a few
 * plain fillers ("talk please", "TALK pls", "Talk to someone", "I want to talk"). A sentence with
 * "talk" in it ("let's talk about my ERAS") is just a text: it goes to the journal like any other.
 */

const TALK = /^(?:i (?:want|need|would like|d like) to )?talk(?: (?:please|pls|plz|now|to (?:someone|somebody|a person|a human|my (?:advisor|adviser|counselor|counsellor|mentor))))?$/;

/** Whether the whole text asks for a person to reach them. */
export function isTalkRequest(body: string): boolean {
  const words = normaliseSms(body)
    .toLowerCase()
    .replace(/'/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return TALK.test(words);
}

/** What the person agrees to by texting TALK: kept with each membership it shares their number with. */
export const talkShareText = (orgName: string) =>
  `Texted TALK to Match Coach: asked ${orgName}'s counselors to reach me at this number.`;

/**
 * The replies, GSM-7 (measured in the tests). Honest about who reads texts: a counselor of their
 * program, when one follows them (one segment); otherwise nobody, and where to find help now (the
 * helpline cannot be cut: two segments).
 */
export function talkReply(orgNames: readonly string[]): string {
  const org = orgNames.length === 1 ? gsmName(orgNames[0]!, 40) : 'your program';
  return `Thanks. We told ${org} you want to talk. Their counselors can now see this number to reach you.`;
}

/** Nobody follows them: no counselor will read it, so we say so plainly. `help` is where to reach someone now. */
export const talkNobodyReply = (help: string) => `No counselor is linked to your Match Coach texts, so nobody here will see this. To talk to someone now: ${help}`;

/** Letters, digits and plain punctuation only (GSM-7), cut to `room` characters. */
const gsmName = (name: string, room: number) => name.replace(/[^A-Za-z0-9 .,&'()\-/]/g, '').replace(/\s+/g, ' ').trim().slice(0, room).trim() || 'your program';
