import { DateTime } from 'luxon';
import type { Message } from '../../domain/model';
import { currentWeekGoals, summarisedWeek, weekOf } from '../../domain/plan';
import { answersInWeek, weekGoalsLine, weeklySummary } from '../../domain/plan-words';
import type { Store } from '../../ports';

/** The Sunday check-in's goal line must leave room for a long name in one SMS segment. */
const WEEK_GOALS_LINE_CHARS = 60;

/**
 * The plan's template slots for a message about to go out: this week's goals and last
 * week's summary, read at send time (two reads, only for steps that have `withPlan` words).
 * A slot is absent when the plan has nothing for it, and then the step's usual words are used.
 */
export async function planSlotsFor(store: Pick<Store, 'getPlan' | 'listJournalEntries'>, message: Pick<Message, 'personId' | 'zone'>, now: Date): Promise<{ weekGoals?: string; weekSummary?: string }> {
  const [plan, journal] = await Promise.all([store.getPlan(message.personId), store.listJournalEntries(message.personId)]);
  const zone = message.zone;
  const weekGoals = plan ? weekGoalsLine(currentWeekGoals(plan, now, zone), WEEK_GOALS_LINE_CHARS) : undefined;
  const lastWeekOf = DateTime.fromISO(weekOf(now, zone), { zone }).minus({ weeks: 1 }).toISODate()!;
  const weekSummary = weeklySummary(plan ? summarisedWeek(plan, now, zone) : undefined, answersInWeek(journal, lastWeekOf, zone));
  return { ...(weekGoals !== undefined && { weekGoals }), ...(weekSummary !== undefined && { weekSummary }) };
}
