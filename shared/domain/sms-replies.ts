import type { ClarifyReason } from './keywords';

/**
 * Everything Match Coach says in reply to a text, in its own words. Pure.
 *
 * Each reply fits one GSM-7 segment (160 characters, no curly quotes, no emoji), measured by
 * test/unit/sms-replies.test.ts with smsSegments: a reply costs the person nothing extra and
 * arrives whole. The one exception is the crisis reply (shared/domain/crisis.ts, 2 segments): its
 * resources cannot be cut, and reaching the person matters more than cost.
 *
 * Tone (DOMAIN.md): brief, warm, plain English; no diagnosis, no promises.
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

/** Two low scores in a row: gentler texts from now on, and where help is. */
export const strugglingReply =
  "Thank you for telling us. We'll keep texts gentler for a while. If things feel heavy, talk to your counselor or call or text 988 (US).";

/** Distress without risk: warm, a pointer to support, nothing paused. */
export const distressReply =
  "That sounds hard. Thank you for telling us; you're not alone in this. A counselor or someone you trust can help, and in the US you can call or text 988.";

export const journalReply = 'Thanks for sharing. Kept privately in your journal.';
export const goalSavedReply = 'Goal saved. Goal lists by text are coming soon. Reply HELP for help.';
export const goalsSoonReply = 'Goal plans by text are coming soon. Reply HELP for help.';

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
export const CLARIFY_REPLIES: Readonly<Record<ClarifyReason, string>> = CLARIFY;
