import { DateTime } from 'luxon';
import { z } from 'zod';
import { calendarData } from '../content';
import { currentSeason, seasonAnchors } from '../domain/calendar';
import { renderEmail, renderSms } from '../domain/render';
import { AnchorValue, IanaZone, expandOccurrences } from '../domain/schedule';
import { AnchorName, Channel, type Sequence } from '../domain/sequence';
import { DomainError, describeIssues } from './errors';

export const PreviewInput = z.object({
  sequenceId: z.string().min(1),
  timeZone: IanaZone,
  season: z.number().int().min(2025).max(2100).optional(),
  anchors: z.record(AnchorName, AnchorValue).default({}),
  /** When the person would be enrolled; steps before it are shown as left out. */
  enrolledAt: z.iso.datetime({ offset: true }).optional(),
  channels: z.array(Channel).min(1).default(['email', 'sms']),
  firstName: z.string().max(60).optional(),
});
export type PreviewInput = z.input<typeof PreviewInput>;

export interface PreviewLine {
  local: string;
  utc: string;
  channel: Channel;
  stepId: string;
  kind: string;
  /** SMS body, or the email's subject line followed by its text. */
  text: string;
  subject?: string;
  /** Why this one would not go out: before enrollment, or too late for its deadline. */
  note?: 'before enrollment' | 'after deadline';
}

/**
 * Every message a sequence would send for the given anchors and zone, in order, without
 * touching storage. Used by `matchcoach preview` and the content tests.
 */
export function previewSequence(
  deps: { sequences: ReadonlyMap<string, Sequence>; now: Date },
  rawInput: unknown,
): { lines: PreviewLine[]; leftOut: string[] } {
  const parsed = PreviewInput.safeParse(rawInput);
  if (!parsed.success) throw new DomainError('validation', describeIssues(parsed.error.issues));
  const input = parsed.data;
  const sequence = deps.sequences.get(input.sequenceId);
  if (!sequence) {
    throw new DomainError('unknown_sequence', `no sequence "${input.sequenceId}"; known: ${[...deps.sequences.keys()].join(', ')}`);
  }
  const enrolledAt = input.enrolledAt ? new Date(input.enrolledAt) : deps.now;
  const season = input.season ?? currentSeason(enrolledAt);
  const anchors = { ...seasonAnchors(season, calendarData()), ...input.anchors, enrolled: enrolledAt.toISOString() };
  const { occurrences, missingAnchors } = expandOccurrences({ sequence, anchors, zone: input.timeZone, channels: input.channels });
  const lines = occurrences.map((o): PreviewLine => {
    const step = sequence.steps[o.stepIndex]!;
    const ctx = { firstName: input.firstName, zone: input.timeZone, sendAt: o.sendAt, deadlineAt: o.deadlineAt, anchors };
    const line: PreviewLine = {
      local: DateTime.fromJSDate(o.sendAt, { zone: input.timeZone }).toFormat("ccc yyyy-LL-dd HH:mm ZZZZ"),
      utc: o.sendAt.toISOString(),
      channel: o.channel,
      stepId: o.stepId,
      kind: step.kind,
      text: '',
    };
    if (o.channel === 'sms') line.text = renderSms(step, ctx);
    else {
      const email = renderEmail(step, ctx, { postalAddress: '' });
      line.subject = email.subject;
      line.text = email.text.split('\n\n--\n')[0]!; // the body, without the footer
    }
    if (o.sendAt < enrolledAt) line.note = 'before enrollment';
    else if (o.stale) line.note = 'after deadline';
    return line;
  });
  return { lines, leftOut: missingAnchors };
}
