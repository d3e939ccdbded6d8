import { toneOf, type Sequence, type SequenceStep } from './sequence';

/**
 * Which messages go first when the providers' budget is short (Match Day, a backlog after an
 * outage). Urgent: deadline alerts, everything in Match Week, and any steady step that has a
 * deadline (a check-in or support text that loses its point after a date). Everything else is a
 * routine nudge that can wait a few minutes. Decided once, when the message is planned, and kept
 * in the due index's key, so the dispatcher learns it without reading the message.
 */
export function isUrgent(sequence: Pick<Sequence, 'matchWeek'>, step: Pick<SequenceStep, 'kind' | 'tone' | 'deadline'>): boolean {
  if (step.kind === 'deadline' || sequence.matchWeek) return true;
  return toneOf(step as SequenceStep) === 'steady' && step.deadline !== undefined;
}
