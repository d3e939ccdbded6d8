import { stillTrue } from '../../shared/domain/timely-words';

/** Words that name their day, read against when a late message really goes (on the reader's clock). */

const ZONE = 'Asia/Kolkata';
const sunday = new Date('2027-01-10T13:30:00Z'); // Sunday 19:00 in Kolkata
const laterSunday = new Date('2027-01-10T15:00:00Z');
const monday = new Date('2027-01-11T02:30:00Z'); // Monday 08:00
const nextWeekTuesday = new Date('2027-01-19T04:00:00Z');

describe('words that are true only on their day', () => {
  it.each([
    ['pack your ID tonight', false],
    ['Three days to go.', false],
    ['your exam is in 3 days', false],
    ['Sunday question: what was hard?', false],
    ['Plan one evening this week with no study', false],
    ['Your exam is {{daysLeft}}', true],
    ['A kind word for any day', true],
  ])('"%s" sent the next morning is still true: %s', (text, expected) => {
    expect(stillTrue(text, sunday, monday, ZONE)).toBe(expected);
  });

  it('on the same day everything holds; "this week" holds within the week (Monday to Sunday), not after it', () => {
    expect(stillTrue('pack your ID tonight', sunday, laterSunday, ZONE)).toBe(true);
    const saturday = new Date('2027-01-09T12:00:00Z');
    expect(stillTrue('Plan one evening this week', saturday, monday, ZONE)).toBe(false);
    expect(stillTrue('Plan one evening this week', saturday, new Date('2027-01-10T02:30:00Z'), ZONE)).toBe(true);
    expect(stillTrue('Plan one evening this week', sunday, nextWeekTuesday, ZONE)).toBe(false);
    // Monday 08:00 in Kolkata is still Sunday evening in Chicago: the reader's clock decides.
    expect(stillTrue('tonight', new Date('2027-01-11T01:00:00Z'), new Date('2027-01-11T03:00:00Z'), 'America/Chicago')).toBe(true);
  });
});
