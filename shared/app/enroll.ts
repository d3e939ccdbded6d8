import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { calendarData } from '../content';
import { currentSeason, seasonAnchors } from '../domain/calendar';
import { E164, Email, type Enrollment, type Message, type Person } from '../domain/model';
import { AnchorName, LocalTime, type Sequence } from '../domain/sequence';
import { AnchorValue, IanaZone, expandOccurrences, type QuietHours } from '../domain/schedule';
import type { Clock, Store } from '../ports';
import { DomainError, describeIssues } from './errors';
import { planNextMessage, type Lane } from './planning';

export const EnrollInput = z
  .object({
    email: Email.optional(),
    phone: E164.optional(),
    firstName: z.string().trim().min(1).max(60).optional(),
    timeZone: IanaZone,
    sequenceId: z.string().min(1),
    /** The Match year (Match Day's year). Defaults to the season under way. */
    season: z.number().int().min(2025).max(2100).optional(),
    anchors: z.record(AnchorName, AnchorValue).default({}),
    quietHours: z.object({ start: LocalTime, end: LocalTime }).optional(),
    /** Who recorded consent; `operator` until sign-up and counselor flows exist. */
    consentSource: z.string().min(1).default('operator'),
  })
  .refine((i) => i.email || i.phone, { message: 'give an email address, a phone number, or both' });
export type EnrollInput = z.input<typeof EnrollInput>;

export interface EnrollResult {
  personId: string;
  enrollmentId: string;
  /** The first message waiting on each channel. */
  planned: Message[];
  /** Steps left out because the person has no date for their anchor. */
  leftOut: string[];
}

export const OPERATOR_CONSENT_TEXT =
  'Enrolled by a Match Coach operator, who confirmed the person agreed to receive coaching emails and texts.';

/**
 * Enrolls a person in a sequence.
 * 1. Validates the input; finds the person by email or phone, or creates them.
 * 2. Records consent per channel with its source, time and text.
 * 3. Resolves anchors: the season calendar, `enrolled`, and the person's own dates.
 * 4. Plans the first message of each channel the person can receive; nothing before now.
 */
export async function enroll(
  deps: { store: Store; clock: Clock; sequences: ReadonlyMap<string, Sequence> },
  rawInput: unknown,
): Promise<EnrollResult> {
  const parsed = EnrollInput.safeParse(rawInput);
  if (!parsed.success) throw new DomainError('validation', describeIssues(parsed.error.issues));
  const input = parsed.data;
  const sequence = deps.sequences.get(input.sequenceId);
  if (!sequence) {
    throw new DomainError('unknown_sequence', `no sequence "${input.sequenceId}"; known: ${[...deps.sequences.keys()].join(', ')}`);
  }
  const now = deps.clock.now();
  const nowIso = now.toISOString();

  const existingId =
    (input.email && (await deps.store.findPersonIdByEmail(input.email))) ||
    (input.phone && (await deps.store.findPersonIdByPhone(input.phone))) ||
    undefined;
  const existing = existingId ? await deps.store.getPerson(existingId) : undefined;
  const consentFor = (had: Person['consent']['email']) =>
    had?.state === 'confirmed' ? had : { state: 'confirmed' as const, source: input.consentSource, at: nowIso, text: OPERATOR_CONSENT_TEXT };
  const person: Person = {
    personId: existing?.personId ?? randomUUID(),
    createdAt: existing?.createdAt ?? nowIso,
    timeZone: input.timeZone,
    consent: {
      ...(input.email || existing?.email ? { email: consentFor(existing?.consent.email) } : {}),
      ...(input.phone || existing?.phone ? { sms: consentFor(existing?.consent.sms) } : {}),
    },
  };
  const firstName = input.firstName ?? existing?.firstName;
  const email = input.email ?? existing?.email;
  const phone = input.phone ?? existing?.phone;
  if (firstName) person.firstName = firstName;
  if (email) person.email = email;
  if (phone) person.phone = phone;
  const quietHours = (input.quietHours ?? existing?.quietHours) as QuietHours | undefined;
  if (quietHours) person.quietHours = quietHours;
  await deps.store.savePerson(person);

  const season = input.season ?? currentSeason(now);
  const anchors = { ...seasonAnchors(season, calendarData()), ...input.anchors, enrolled: nowIso };
  const { missingAnchors } = expandOccurrences({ sequence, anchors, zone: person.timeZone });
  const enrollment: Enrollment = {
    personId: person.personId,
    enrollmentId: randomUUID(),
    sequenceId: sequence.id,
    anchors,
    enrolledAt: nowIso,
    status: 'active',
  };
  await deps.store.saveEnrollment(enrollment);

  const planned: Message[] = [];
  for (const channel of ['email', 'sms'] as const) {
    const to = channel === 'email' ? person.email : person.phone;
    const consent = channel === 'email' ? person.consent.email : person.consent.sms;
    if (!to || consent?.state !== 'confirmed') continue;
    const lane: Lane = {
      personId: person.personId,
      enrollmentId: enrollment.enrollmentId,
      sequenceId: sequence.id,
      channel,
      to,
      zone: person.timeZone,
      firstName: person.firstName,
      anchors,
      quietHours,
    };
    // Starting the cursor at "now" is what skips steps that fell before enrollment.
    const { next } = await planNextMessage(deps, lane, { sendAt: now, key: '' }, now);
    if (next) planned.push(next);
  }
  return { personId: person.personId, enrollmentId: enrollment.enrollmentId, planned, leftOut: missingAnchors };
}
