import type { CrisisResources } from './crisis-lines';

/**
 * What Match Coach says when a text signals risk, distress or a hard stretch: in our own words,
 * with help where the person lives (shared/domain/crisis-lines.ts chooses it) and, always, the
 * plain fact that nobody watches this number around the clock, so nobody waits on us for help.
 * Pure.
 *
 * Length (GSM-7 only, measured for every country in the table by test/unit/safety-replies.test.ts):
 * - the crisis reply and the direct question: 2 segments, at most 3 (their resources cannot be
 *   cut, and reaching the person matters more than the cost);
 * - distress, struggling and "thank you for answering": 2 segments at most (the helpline and the
 *   "not watched" line do not fit beside a kind sentence in 160 characters);
 * - the `{{helpline}}` slot fits a one-segment coaching text (gentle-care's safety step).
 * No diagnosis, no promises, nothing about who reads replies that is not true.
 */

export const NOT_WATCHED = 'This number is not watched around the clock.';

/** "call or text 988 (...) or text HOME to 741741 (...)": every way to reach someone. */
function talk(help: CrisisResources): string {
  return help.text ? `${help.talk} or ${help.text}` : help.talk;
}

const inDanger = (help: CrisisResources) => `If you are in danger now, call ${help.emergency}.`;

/** A risk text: at once, whatever the hour. */
export const crisisReply = (help: CrisisResources): string =>
  `Thank you for telling us. You matter, and you don't have to face this alone. Please ${talk(help)}. ${inDanger(help)} ${NOT_WATCHED}`;

/**
 * The middle band (hopelessness, "I can't do this anymore"): the question crisis services ask,
 * asked plainly, with help in the same text. Asking does not put the idea in anyone's head; not
 * asking can leave someone alone with it.
 */
export const askDirectlyReply = (help: CrisisResources): string =>
  `Thank you for telling us. Can we ask plainly: are you thinking of harming or killing yourself? You can answer here. Either way, you can ${talk(help)}. ${inDanger(help)} ${NOT_WATCHED}`;

/** A clear "no" to the direct question: believed, thanked, help left in their hands. */
export const askAnsweredNoReply = (help: CrisisResources): string =>
  `Thank you for answering, and for being honest with us. If that changes, you can ${help.talk}, or call ${help.emergency}. ${NOT_WATCHED}`;

/**
 * A person to turn to, named only when it is true: the counselor of an organisation they said yes
 * to, else the support address (nobody is promised to read it at any hour).
 */
export type HumanOffer = { counselorAt: string } | { supportAddress: string };
const ORG_NAME_CHARS = 30;
const humanWords = (human: HumanOffer): string =>
  'counselorAt' in human ? `your counselor at ${human.counselorAt.slice(0, ORG_NAME_CHARS).trim()} is there for you` : `you can write to ${human.supportAddress}`;

/** Distress without risk: warm, a pointer to support, nothing paused. */
export const distressReply = (help: CrisisResources, human?: HumanOffer): string =>
  human && 'counselorAt' in human
    ? `That sounds hard. Thank you for telling us; you're not alone in this. Someone you trust or ${humanWords(human).replace(/ is there for you$/, '')} can help, or you can ${help.talk}. ${NOT_WATCHED}`
    : `That sounds hard. Thank you for telling us; you're not alone in this. Someone you trust can help, or you can ${help.talk}. ${NOT_WATCHED}`;

/** Two low scores in a row: gentler texts from now on, one offer of a person, and where help is. */
export const strugglingReply = (help: CrisisResources, human?: HumanOffer): string =>
  `Thank you for telling us. We'll keep texts fewer and gentler for a while.${human ? ` If you'd like to talk to a person, ${humanWords(human)}.` : ''} Or ${help.talk}. ${NOT_WATCHED}`;

/** A single score of 1: a short caring question (their counselor, if any, sees a follow-up flag). */
export const lowestScoreReply = 'Thank you for telling us. That sounds like a really hard week. What is weighing on you most? Reply any time, in your own words.';

/** The `{{helpline}}` slot of coaching texts: "call Samaritans free on 116 123; in an emergency, call 999". */
export const helplineSlot = (help: CrisisResources): string => `${help.talk}; in an emergency, call ${help.emergency}`;
