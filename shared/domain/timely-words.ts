/**
 * Words that are true only on the day they were written for. A message planned for Monday that
 * says "tonight" or "tomorrow" is false on Tuesday; slots ({{daysLeft}}, {{deadline}}) are not
 * counted here, because they are filled from the real time when the message goes.
 */
const DAY_WORDS = /\b(?:today|tonight|tomorrow|yesterday|this (?:morning|afternoon|evening|week|weekend)|next week|in (?:\d+|two|three|four|five|six|seven) days)\b/i;

export function namesItsDay(text: string): boolean {
  return DAY_WORDS.test(text.replace(/\{\{[^}]*\}\}/g, ''));
}
