import { DateTime } from 'luxon';

/**
 * Words that are true only on the day (or in the week) they were written for. A message planned
 * for Monday that says "tonight", "three days to go" or "Monday" is false on Tuesday; one that
 * says "this week" is false the next week. Slots ({{daysLeft}}, {{deadline}}) are not counted:
 * they are filled from the real time when the message goes.
 */
const NUMBER = String.raw`(?:\d+|one|two|three|four|five|six|seven)`;
const DAY_WORDS = new RegExp(
  String.raw`\b(?:today|tonight|tomorrow|yesterday|this (?:morning|afternoon|evening)|in ${NUMBER} days?|${NUMBER} days? (?:to go|left|away|from now))\b`,
  'i',
);
const WEEK_WORDS = /\b(?:this week(?:end)?|next week)\b/i;

/** Whether words planned for `planned` would still be true if they went at `actual`, on the reader's clock. */
export function stillTrue(text: string, planned: Date, actual: Date, zone: string): boolean {
  const words = text.replace(/\{\{[^}]*\}\}/g, '');
  const p = DateTime.fromJSDate(planned, { zone });
  const a = DateTime.fromJSDate(actual, { zone });
  if (p.hasSame(a, 'day')) return true;
  // "Sunday question" on a Monday: the day it names has passed.
  if (DAY_WORDS.test(words) || new RegExp(`\\b${p.toFormat('cccc')}\\b`, 'i').test(words)) return false;
  return p.hasSame(a, 'week') || !WEEK_WORDS.test(words);
}
