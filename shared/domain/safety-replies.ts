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

/** Distress without risk: warm, a pointer to support, nothing paused. */
export const distressReply = (help: CrisisResources): string =>
  `That sounds hard. Thank you for telling us; you're not alone in this. Someone you trust or your counselor can help, or you can ${help.talk}. ${NOT_WATCHED}`;

/** Two low scores in a row: gentler texts from now on, and where help is. */
export const strugglingReply = (help: CrisisResources): string =>
  `Thank you for telling us. We'll keep texts gentler for a while. If things feel heavy, talk to your counselor, or ${help.talk}. ${NOT_WATCHED}`;

/** The `{{helpline}}` slot of coaching texts: "call Samaritans free on 116 123; in an emergency, call 999". */
export const helplineSlot = (help: CrisisResources): string => `${help.talk}; in an emergency, call ${help.emergency}`;
