import { DateTime } from 'luxon';
import type { JournalEntry } from './model';
import type { WeekGoals } from './plan';
import { gsmSafe } from './sms-replies';

/**
 * What the coaching says back about a person's own week, pure: the Sunday check-in's
 * line naming this week's goals, and the weekly summary of last week's goals and answers. Kind
 * and brief: what went well first, what is still open is said to "move", never to be missing.
 */

/** This week's goals in one short GSM-7 line for the Sunday check-in: "1) 40 qs (done) 2) Email Dr Rao". */
export function weekGoalsLine(goals: readonly { text: string; doneAt?: string }[], maxChars = 70): string | undefined {
  if (goals.length === 0) return undefined;
  let line = '';
  for (const [i, g] of goals.entries()) {
    const part = `${i + 1}) ${gsmSafe(g.text)}${g.doneAt ? ' (done)' : ''}`;
    const next = line ? `${line} ${part}` : part;
    if (next.length <= maxChars) {
      line = next;
      continue;
    }
    const room = maxChars - line.length - (line ? 1 : 0) - 3;
    if (room >= 6) line = `${line ? `${line} ` : ''}${part.slice(0, room).trimEnd()}...`;
    else if (!line) line = `${part.slice(0, maxChars - 3)}...`;
    break;
  }
  return line;
}

/** The answers a person texted during a week (Monday to Sunday, their zone), oldest first. */
export function answersInWeek(entries: readonly JournalEntry[], weekOf: string, zone: string): JournalEntry[] {
  const start = DateTime.fromISO(weekOf, { zone });
  const end = start.plus({ weeks: 1 });
  return entries.filter((e) => e.response && Date.parse(e.at) >= start.toMillis() && Date.parse(e.at) < end.toMillis());
}

/**
 * Last week in a few lines, or undefined when there is nothing of theirs to look back on (no
 * goals set and no check-in answered): then no summary goes out at all.
 */
export function weeklySummary(week: WeekGoals | undefined, answers: readonly JournalEntry[]): string | undefined {
  const goals = week?.goals ?? [];
  const scores = answers.filter((a) => a.response?.kind === 'score').map((a) => a.response!.score!);
  const saidDone = answers.some((a) => a.response?.kind === 'done');
  const saidSkip = answers.some((a) => a.response?.kind === 'skip');
  if (goals.length === 0 && scores.length === 0 && !saidDone && !saidSkip) return undefined;

  const lines: string[] = [];
  const done = goals.filter((g) => g.doneAt);
  const open = goals.filter((g) => !g.doneAt);
  if (done.length > 0) lines.push(`What went well: ${done.map((g) => `"${g.text}"`).join(', ')}${done.length === goals.length ? ', every goal you set. Well done.' : '.'}`);
  if (open.length > 0) lines.push(`What moved to this week: ${open.map((g) => `"${g.text}"`).join(', ')}. Keep it if it still matters, or let it go: both are fine.`);
  if (scores.length > 0) {
    const last = scores.at(-1)!;
    lines.push(last <= 2 ? `You rated the week ${last} out of 5. Thank you for being honest; a hard week still counts.` : `You rated the week ${last} out of 5.`);
  } else if (saidDone) lines.push('You told us the week went to plan.');
  else if (saidSkip) lines.push('You took a lighter week. Rest is part of the plan too.');
  lines.push(goals.length > 0 ? 'Text GOAL and one small thing to set this week\'s goals.' : 'If you like, text GOAL and one small thing to set a goal for this week.');
  return lines.join('\n\n');
}
