import { addressOf } from '../../shared/adapters/services';
import { CLARIFY_REASONS } from '../../shared/domain/keywords';
import * as say from '../../shared/domain/sms-replies';
import { smsSegments } from '../../shared/domain/template';
import { localSettings } from '../../infra/local/settings';
import { TEST_HELP_ADDRESS } from '../support/memory-services';
import { report } from '../support/report';

/**
 * docs/rules.md: one GSM-7 segment where possible, measured. Every reply the SMS conversation can give
 * is listed here with its length; the safety replies are the documented exception (safety-replies.test.ts).
 */

const LONG_HELP_ADDRESS = 'help.desk@matchcoach-example.org'; // 32 characters: room to spare is checked too
const replies: Record<string, string> = {
  help: say.helpReply(TEST_HELP_ADDRESS),
  'help (local stack)': say.helpReply(addressOf(localSettings({}).env.EMAIL_FROM)),
  'help (long address)': say.helpReply(LONG_HELP_ADDRESS),
  optIn: say.optInReply,
  alreadyOptedIn: say.alreadyOptedInReply,
  optOut: say.optOutReply,
  confirmFirst: say.confirmFirstReply,
  pause: say.pauseReply('Wed 30 Sep'),
  resume: say.resumeReply,
  resumeNotPaused: say.resumeNotPausedReply,
  resumeHeld: say.resumeHeldReply,
  done: say.doneReply,
  skip: say.skipReply,
  doneGoal: say.doneGoalReply(20),
  ...Object.fromEntries([1, 2, 3, 4, 5].map((n) => [`score ${n}`, say.scoreReply(n)])),
  journal: say.journalReply,
  goalAdded: say.goalAddedReply(5),
  weekFull: say.weekFullReply(5),
  'goals (none)': say.goalsReply([]),
  // Five goals of the longest length, one with a curly quote and an emoji: cut to fit, made GSM-7.
  'goals (five long)': say.goalsReply(Array.from({ length: 5 }, (_, i) => ({ text: `${'\u2019'}Finish UWorld block ${i} \u{1F4AA} `.padEnd(120, 'x'), done: i === 0 }))),
  'next (none)': say.nextReply([]),
  'next (three long)': say.nextReply(Array.from({ length: 3 }, () => ({ when: 'Wed 30 Sep, 21:00', title: 'Rank order list certification deadline and more words' }))),
  'noSuchGoal 0': say.noSuchGoalReply(0),
  'noSuchGoal 5': say.noSuchGoalReply(5),
  unknownCommand: say.unknownCommandReply,
  ...Object.fromEntries(CLARIFY_REASONS.map((reason) => [`clarify ${reason}`, say.clarifyReply(reason)])),
};

test.each(Object.entries(replies))('%s fits one GSM-7 segment', (_name, text) => {
  expect(smsSegments(text)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
});

// The safety replies (crisis, the direct question, distress, struggling) name help for the person's
// country and take 2 segments, at most 3: safety-replies.test.ts measures them for every country.

test('lengths, for the report', () => {
  const rows = Object.entries(replies).map(([name, text]) => `${String(smsSegments(text).units).padStart(4)}  ${name}`);
  const longest = Math.max(...Object.values(replies).map((t) => smsSegments(t).units));
  report(`SMS replies (GSM-7 septets, 160 = one segment), longest ${longest}:\n${rows.join('\n')}`);
  expect(longest).toBeLessThanOrEqual(160);
});

test('the help address is the address part of EMAIL_FROM', () => {
  expect(addressOf('Match Coach <coach@matchcoach.local>')).toBe('coach@matchcoach.local');
  expect(addressOf('coach@example.org')).toBe('coach@example.org');
});
