import { SEASON_EVENTS, uncertainSeasonEvents } from '../../domain/calendar';
import { COMMANDS_LINE, deadlineLine, essentialsFor, phaseAt, shortDeadline, upcomingDeadlines } from '../../domain/catch-up';
import type { Profile } from '../../domain/model';
import { slotsIn, type TemplateContext } from '../../domain/template';
import type { StepWords } from '../../domain/eligibility';
import { stillTrue } from '../../domain/timely-words';
import { allAnchors, type Library } from './planning';

/** The slots that use the catch-up; a step without them needs none of this. */
const CATCH_UP_SLOTS = new Set(['nextDeadlines', 'nextDeadline', 'essentials', 'commands']);

/**
 * The welcome's catch-up for one person, at the moment it goes out, from what the message itself
 * carries (profile, own dates, zone) and the season calendar: no read.
 */
export function catchUpSlots(library: Library, message: { profile: Profile; anchors: Record<string, string>; zone: string }, now: Date): NonNullable<TemplateContext['catchUp']> {
  const anchors = allAnchors(message, library.calendar);
  const next = upcomingDeadlines({
    profile: message.profile,
    anchors,
    uncertain: uncertainSeasonEvents(message.profile.season, library.calendar),
    labels: SEASON_EVENTS,
    now,
    zone: message.zone,
    count: 3,
  });
  const phase = phaseAt(anchors, now, message.zone);
  const essentials = library.essentials ? essentialsFor(library.essentials, phase, message.profile) : { title: '', items: [] };
  return {
    nextDeadlines: next.length > 0 ? next.map((d) => `- ${deadlineLine(d, message.zone)}`).join('\n') : '- No dates ahead in your plan yet: add your exam dates from the link below.',
    nextDeadline: shortDeadline(next[0], message.zone),
    essentials: essentials.items.length > 0 ? `${essentials.title}: what matters now\n\n${essentials.items.map((t) => `- ${t}`).join('\n')}` : '',
    commands: COMMANDS_LINE,
  };
}

/** Whether these words need the catch-up slots. */
export function usesCatchUp(words: StepWords, channel: string): boolean {
  const text = channel === 'email' ? `${words.email?.subject ?? ''} ${words.email?.text ?? ''}` : (words.sms?.text ?? '');
  return slotsIn(text).some((slot) => CATCH_UP_SLOTS.has(slot));
}

/**
 * A message going out on another local day than it was planned for (a dispatcher outage, a night
 * of quiet hours) whose own words name its day ("tonight", "Sunday", "this week" in another week)
 * would say something false: it is skipped with this reason. Words that count from a slot
 * ({{daysLeft}}, {{deadline}}) are re-worded from the real time instead and go.
 */
export function lateWording(words: StepWords, message: { sendAt: string; zone: string; channel: string }, now: Date): 'late_day_passed' | undefined {
  const text = message.channel === 'email' ? `${words.email?.subject ?? ''}\n${words.email?.text ?? ''}` : (words.sms?.text ?? '');
  return stillTrue(text, new Date(message.sendAt), now, message.zone) ? undefined : 'late_day_passed';
}
