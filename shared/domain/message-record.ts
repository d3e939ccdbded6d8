import { BUDGET_REASONS, isBudgetReason } from './budget';
import type { Message } from './model';

/**
 * One line per message for an operator (`matchcoach messages`): when it was planned and when it
 * really went (they differ after an outage, a quiet night or a wait for the providers), channel,
 * status, track and step, and why anything did not go, the weekly budget's reasons in words.
 * Ids, times and reasons only: never an address, a number or the words sent.
 */
export function messageLine(m: Message): string {
  const went = m.attempts.filter((a) => a.outcome === 'sent').at(-1)?.at;
  const when = `planned ${m.sendAt}  ${went ? `sent ${went}` : ''.padEnd(29)}`;
  const why = !m.reason ? '' : isBudgetReason(m.reason) ? `  (dropped by the weekly budget: ${BUDGET_REASONS[m.reason]})` : `  (${m.reason})`;
  return `${when}  ${m.channel.padEnd(5)} ${m.status.padEnd(8)} ${m.sequenceId}/${m.stepId}${why}`;
}

/** The lines, and a last one counting what the budget dropped, by reason. */
export function messageLines(messages: readonly Message[]): string[] {
  const lines = messages.map(messageLine);
  const dropped = new Map<string, number>();
  for (const m of messages) if (m.status === 'skipped' && isBudgetReason(m.reason)) dropped.set(m.reason, (dropped.get(m.reason) ?? 0) + 1);
  if (dropped.size > 0) lines.push(`weekly budget dropped ${[...dropped.values()].reduce((a, b) => a + b, 0)}: ${[...dropped].map(([r, n]) => `${r} ${n}`).join(', ')}`);
  return lines;
}
