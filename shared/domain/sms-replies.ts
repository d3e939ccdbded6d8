import type { ClarifyReason } from './keywords';

/**
 * Everything Match Coach says in reply to a text, in its own words. Pure.
 *
 * Each reply fits one GSM-7 segment (160 characters, no curly quotes, no emoji), measured by
 * test/unit/sms-replies.test.ts with smsSegments: a reply costs the person nothing extra and
 * arrives whole. The exceptions are the safety replies (shared/domain/safety-replies.ts: crisis,
 * the direct question, distress, struggling), which name a helpline for the person's country and
 * say the number is not watched around the clock: that cannot be cut, and reaching the person
 * matters more than cost.
 *
 * Tone (docs/domain.md): brief, warm, plain English; no diagnosis, no promises.
 */

/** HELP/INFO, also to numbers we do not know: it says who we are and nothing about them. */
export const helpReply = (helpAddress: string) =>
  `Match Coach: short coaching texts on the road to residency. Reply PAUSE for a break, STOP to end. Help: ${helpAddress}`;

export const optInReply = 'Welcome to Match Coach texts: short, kind nudges at sensible hours. Reply PAUSE for a break, HELP for help, STOP to end.';
export const alreadyOptedInReply = "You're all set: Match Coach texts are on. Reply PAUSE for a break, HELP for help, STOP to end.";
/** After free-text revocation (carrier keywords get the carrier's own confirmation instead). */
export const optOutReply = 'OK, Match Coach texts have stopped. Reply START anytime to get them again.';
/** To anyone whose SMS consent is still pending: the one thing they can do. */
export const confirmFirstReply = 'To get Match Coach texts, reply YES. Reply HELP for help.';

/** `until` is already written in their own zone and calendar ("Wed 3 Mar"). */
export const pauseReply = (until: string) =>
  `Paused until ${until}. Deadline alerts still come, so nothing important slips. Reply RESUME to restart sooner.`;
export const resumeReply = 'Welcome back. Coaching texts restart from today. Reply PAUSE anytime for a break.';
export const resumeNotPausedReply = "You're not paused, so texts carry on as usual. Reply PAUSE anytime for a break.";
/** RESUME while a human has to check in first (support hold): honest, without alarm. */
export const resumeHeldReply = 'Your texts restart from today, apart from a few that wait until someone from our team has checked in with you.';

export const doneReply = 'Done, noted. Small steps add up.';
export const skipReply = 'Skipped, no problem. Rest is part of the plan too.';
export const doneGoalReply = (goal: number) => `Goal ${goal} marked done. Well done.`;

export function scoreReply(score: number): string {
  if (score <= 2) return 'Thank you for being honest. Rough weeks happen; one small step is enough for now.';
  if (score === 3) return 'Thanks. A steady week counts.';
  return 'Thanks, good to hear. Keep going.';
}

/**
 * Two low scores in a row, and distress without risk: with help where the person lives, so they
 * live beside the crisis reply (each takes the person's crisis resources).
 */
export { distressReply, lowestScoreReply, strugglingReply } from './safety-replies';

export const journalReply = 'Thanks for sharing. Kept privately in your journal.';
// ---- A person's own plan by text -----------------------------------------------------
// Lists echo the person's own words, so they are cut to fit one segment and made GSM-7 first
// (a curly quote or an emoji in a goal would otherwise double the cost of the whole reply).

const SEGMENT = 160;

/** The person's words in GSM-7: quotes and dashes straightened, anything else outside it dropped. */
export function gsmSafe(text: string): string {
  return Array.from(
    text
      .replace(/[\u2018\u2019\u201B\u2032]/g, "'")
      .replace(/[\u201C\u201D\u201F\u2033]/g, '"')
      .replace(/[\u2013\u2014]/g, '-')
      .replace(/\u2026/g, '...'),
  )
    .filter((c) => GSM7.has(c))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}
const GSM7 = new Set(
  Array.from('@$\n !"#%&\'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_'),
);

/** Joins parts after a head, cutting the last one that does not fit (with "..."). */
function fitted(head: string, parts: readonly string[], tail = ''): string {
  let text = head;
  for (const part of parts) {
    const next = `${text} ${part}`;
    if (next.length + tail.length <= SEGMENT) {
      text = next;
      continue;
    }
    const room = SEGMENT - tail.length - text.length - 4;
    if (room > 8) text = `${text} ${part.slice(0, room).trimEnd()}...`;
    break;
  }
  return `${text}${tail}`;
}

/** GOAL <text>: saved as goal n of this week. */
export const goalAddedReply = (n: number) => `Goal ${n} saved for this week. Reply DONE ${n} when it's done, GOALS to see them all.`;
export const weekFullReply = (max: number) => `This week already has ${max} goals. Reply DONE and a number for one you finished, or change them in your plan online.`;
/** GOALS: this week's goals, numbered, done ones ticked. */
export function goalsReply(goals: readonly { text: string; done: boolean }[]): string {
  if (goals.length === 0) return 'No goals for this week yet. Text GOAL and one small thing, like: GOAL 40 questions a day';
  return fitted('This week:', goals.map((g, i) => `${i + 1}) ${gsmSafe(g.text)}${g.done ? ' (done)' : ''}`));
}
/** NEXT: the next deadlines, in the person's own calendar ("Mon 3 Nov"). */
export function nextReply(entries: readonly { when: string; title: string }[]): string {
  if (entries.length === 0) return 'No deadlines ahead in your plan. Add your own dates from the link in any of our emails.';
  return fitted('Next:', entries.map((e, i) => `${e.when} ${gsmSafe(e.title)}${i < entries.length - 1 ? ';' : ''}`));
}
/** DONE <n> for a goal the week does not have. */
export const noSuchGoalReply = (count: number) =>
  count === 0 ? 'No goals for this week yet. Text GOAL and one small thing to add one.' : `This week has goals 1 to ${count}. Reply GOALS to see them.`;
/** One line for a word that looks like a command we do not know. */
export const unknownCommandReply = 'Try GOAL and a goal, GOALS, NEXT, DONE and a number, PAUSE, or HELP.';

const CLARIFY: Record<ClarifyReason, string> = {
  'score-out-of-range': 'Sorry, we only read 1 to 5. Reply a number from 1 (rough) to 5 (great), or DONE or SKIP.',
  'score-not-whole': 'Sorry, we only read whole numbers. Reply 1 (rough) to 5 (great), or DONE or SKIP.',
  'score-not-understood': "Sorry, we didn't catch that. Reply a number from 1 (rough) to 5 (great), or DONE or SKIP.",
  'pause-days-out-of-range': 'A pause can last 1 to 90 days. Try PAUSE 14, or just PAUSE for a week.',
  'pause-not-understood': 'Reply PAUSE with a number of days, like PAUSE 14, or just PAUSE for a week.',
  'goal-number-out-of-range': 'Goal numbers go from 1 to 20. Try DONE 1.',
  'goal-text-missing': 'Add your goal after the word GOAL, like: GOAL 40 questions today.',
  'goal-text-too-long': 'That goal is long for a text. Try it in under 120 characters.',
};

export const clarifyReply = (reason: ClarifyReason) => CLARIFY[reason];
