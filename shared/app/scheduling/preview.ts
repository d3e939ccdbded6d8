import { DateTime } from 'luxon';
import * as z from 'zod';
import { currentSeason } from '../../domain/calendar';
import { holdReason, wordsFor, type HoldReason } from '../../domain/eligibility';
import { Profile } from '../../domain/model';
import { renderEmail, renderSms } from '../../domain/render';
import { helplineSlot } from '../../domain/safety-replies';
import { AnchorValue, IanaZone, expandOccurrences } from '../../domain/schedule';
import { AnchorName, ApplicantType, Channel, Milestone, Outcome, VisaTrack } from '../../domain/sequence';
import { helpFor } from '../safety/crisis-resources';
import { anchorNameProblem } from '../../domain/personal-dates';
import { catchUpSlots, usesCatchUp } from './catch-up';
import { DomainError, describeIssues } from '../../domain/errors';
import { allAnchors, wordingFor, type Library } from './planning';
import { specialtyProfile } from '../../domain/specialty';

export const PreviewInput = z.object({
  sequenceId: z.string().min(1),
  timeZone: IanaZone,
  season: z.number().int().min(2020).max(2100).optional(),
  applicantType: ApplicantType.optional(),
  visaTrack: VisaTrack.optional(),
  attempt: z.number().int().min(1).max(9).optional(),
  outcome: Outcome.optional(),
  done: z.array(Milestone).optional(),
  wellbeing: z.enum(['ok', 'struggling']).optional(),
  /** The specialty in the person's own words ("OB/GYN"); unknown ones take the ERAS path. */
  specialty: z.string().max(80).optional(),
  anchors: z.record(AnchorName, AnchorValue).default({}),
  /** When the person would be enrolled; steps before it are shown as left out. */
  enrolledAt: z.iso.datetime({ offset: true }).optional(),
  channels: z.array(Channel).min(1).default(['email', 'sms']),
  firstName: z.string().max(60).optional(),
  /** Also list the steps this profile would not get, with the reason. */
  includeHeld: z.boolean().default(false),
});
export type PreviewInput = z.input<typeof PreviewInput>;

export interface PreviewLine {
  local: string;
  utc: string;
  channel: Channel;
  stepId: string;
  kind: string;
  /** SMS body, or the email's text without the footer. */
  text: string;
  subject?: string;
  /** Why this one would not go out. */
  note?: 'before enrollment' | 'after deadline' | HoldReason;
}

/**
 * Every message a sequence would send for the given profile, anchors and zone, in order, without
 * touching storage. Used by `matchcoach preview`, the season preview document and content tests.
 */
export function previewSequence(deps: { library: Library; now: Date }, rawInput: unknown): { lines: PreviewLine[]; leftOut: string[] } {
  const parsed = PreviewInput.safeParse(rawInput);
  if (!parsed.success) throw new DomainError('validation', describeIssues(parsed.error.issues));
  const input = parsed.data;
  const sequence = deps.library.sequences.get(input.sequenceId);
  if (!sequence) {
    throw new DomainError('unknown_sequence', `no sequence "${input.sequenceId}"; known: ${[...deps.library.sequences.keys()].join(', ')}`);
  }
  // A date no sequence uses is a typo (`step2=` for `step2_exam=`): refused, as enroll refuses it.
  const used = anchorsUsedBy([...deps.library.sequences.values()].map((s) => s.steps));
  for (const name of Object.keys(input.anchors)) {
    const problem = used.has(name) ? undefined : anchorNameProblem(name);
    if (problem) throw new DomainError('validation', problem);
  }
  const enrolledAt = input.enrolledAt ? new Date(input.enrolledAt) : deps.now;
  const profile = Profile.parse({
    season: input.season ?? currentSeason(enrolledAt),
    applicantType: input.applicantType,
    visaTrack: input.visaTrack,
    attempt: input.attempt,
    outcome: input.outcome,
    done: input.done,
    wellbeing: input.wellbeing,
    ...specialtyProfile(input.specialty, deps.library.specialties),
  });
  const wording = wordingFor(deps.library, profile);
  // Heard from when they join: a preview has no replies (silence is counted from it).
  const anchors = allAnchors({ anchors: { heard: enrolledAt.toISOString(), ...input.anchors, enrolled: enrolledAt.toISOString() }, profile }, deps.library.calendar);
  const zone = input.timeZone;
  const { occurrences, missingAnchors } = expandOccurrences({ sequence, anchors, zone, channels: input.channels });
  const lines: PreviewLine[] = [];
  for (const o of occurrences) {
    const step = sequence.steps[o.stepIndex]!;
    const held = holdReason({ sequence, step, profile, sendAt: o.sendAt, anchors, zone });
    const note = o.sendAt < enrolledAt ? 'before enrollment' : o.stale ? 'after deadline' : held;
    if (note && !input.includeHeld && (note === 'not_for_profile' || note === 'match_week' || note === 'struggling')) continue;
    const words = wordsFor(step, profile, o.sendAt, zone, deps.library.pools, wording.uncertainDates);
    // A preview has no phone: help is chosen by the zone, as for an email.
    const ctx = {
      firstName: input.firstName, zone, sendAt: o.sendAt, deadlineAt: o.deadlineAt, anchors, helpline: helplineSlot(helpFor({ zone })),
      ...(wording.specialty ? { specialty: wording.specialty } : {}),
      ...(usesCatchUp(words, o.channel) && { catchUp: catchUpSlots(deps.library, { profile, anchors: { ...input.anchors, enrolled: enrolledAt.toISOString() }, zone }, o.sendAt) }),
    };
    const line: PreviewLine = {
      local: DateTime.fromJSDate(o.sendAt, { zone }).toFormat('ccc yyyy-LL-dd HH:mm ZZZZ'),
      utc: o.sendAt.toISOString(),
      channel: o.channel,
      stepId: o.stepId,
      kind: step.kind,
      text: '',
    };
    if (o.channel === 'sms') line.text = renderSms(words, ctx);
    else {
      const email = renderEmail(words, ctx, { postalAddress: '' });
      line.subject = email.subject;
      line.text = email.text.split('\n\n--\n')[0]!; // the body, without the footer
    }
    if (note) line.note = note;
    lines.push(line);
  }
  return { lines, leftOut: missingAnchors };
}

/** Every anchor name steps are placed against (`anchor` fields, at any depth) or name in their words (`{{date:x}}`). */
function anchorsUsedBy(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === 'string') for (const [, name] of value.matchAll(/\{\{\s*date:([a-z0-9_]+)/g)) found.add(name!);
  else if (Array.isArray(value)) for (const item of value) anchorsUsedBy(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'anchor' && typeof inner === 'string') found.add(inner);
      else anchorsUsedBy(inner, found);
    }
  }
  return found;
}
