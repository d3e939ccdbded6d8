import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { currentSeason } from '../../domain/calendar';
import { audienceAllows } from '../../domain/eligibility';
import { E164, Email, Profile, nextEnrollmentId, type Enrollment, type Message, type Person } from '../../domain/model';
import { AnchorName, ApplicantType, CHANNELS, LocalTime, Milestone, Outcome, VisaTrack, type Channel } from '../../domain/sequence';
import { anchorNameProblem, personalDateProblems } from '../../domain/personal-dates';
import { AnchorValue, IanaZone, expandOccurrences, type QuietHours } from '../../domain/schedule';
import type { Clock, OutboxStore, Store } from '../../ports';
import { specialtyProfile, type SpecialtyTable } from '../../domain/specialty';
import { DomainError, describeIssues } from '../../domain/errors';
import { loadLibrary } from './library';
import { allAnchors, planNextMessage, type Lane, type Library } from './planning';
import type { CoachingRoster } from '../../domain/budget';
import { isJoining, planPerson } from './replan';

export const EnrollInput = z
  .object({
    email: Email.optional(),
    phone: E164.optional(),
    firstName: z.string().trim().min(1).max(60).optional(),
    timeZone: IanaZone,
    /** One sequence; without it, every sequence meant to reach this profile automatically. */
    sequenceId: z.string().min(1).optional(),
    /** The Match year (Match Day's year). Defaults to the season under way. */
    season: z.number().int().min(2020).max(2100).optional(),
    applicantType: ApplicantType.optional(),
    visaTrack: VisaTrack.optional(),
    attempt: z.number().int().min(1).max(9).optional(),
    outcome: Outcome.optional(),
    done: z.array(Milestone).max(20).optional(),
    anchors: z.record(AnchorName, AnchorValue).default({}),
    quietHours: z.object({ start: LocalTime, end: LocalTime }).optional(),
    /** What they hope to train in, in their own words ("OB/GYN"). */
    specialty: z.string().trim().min(1).max(80).optional(),
    /** How much routine coaching they asked for: `light` is about one text a week. */
    cadence: z.enum(['standard', 'light']).optional(),
    /** Who recorded consent; `operator` until sign-up and counselor flows exist. */
    consentSource: z.string().min(1).default('operator'),
  })
  .refine((i) => i.email || i.phone, { message: 'give an email address, a phone number, or both' });
export type EnrollInput = z.input<typeof EnrollInput>;

/**
 * Everything about an enrollment that can be judged without reading anyone: callers (the CLI)
 * check this first, so bad input is refused before any connection is made.
 */
export function parseEnrollInput(raw: unknown): z.output<typeof EnrollInput> {
  const parsed = EnrollInput.safeParse(raw);
  if (!parsed.success) throw new DomainError('validation', describeIssues(parsed.error.issues));
  for (const name of Object.keys(parsed.data.anchors)) {
    const problem = anchorNameProblem(name);
    if (problem) throw new DomainError('validation', problem);
  }
  // Without a season here, the person's stored one decides (checked again in enroll).
  const outside = parsed.data.season === undefined ? undefined : personalDateProblems(parsed.data.anchors, parsed.data.season)[0];
  if (outside) throw new DomainError('validation', `${outside.name}: ${outside.message}`);
  return parsed.data;
}

export interface EnrollResult {
  personId: string;
  enrollments: { enrollmentId: string; sequenceId: string }[];
  /** The first message waiting on each lane. */
  planned: Message[];
  /** Steps left out because the person has no date for their anchor, as sequence/step. */
  leftOut: string[];
}

const OPERATOR_CONSENT_TEXT =
  'Enrolled by a Match Coach operator, who confirmed the person agreed to receive coaching emails and texts.';

type Deps = {
  store: Store;
  clock: Clock;
  library?: Library;
  /** A new person's id; random unless a caller needs the same one every run (the season preview). */
  newPersonId?: () => string;
};

/**
 * Enrolls a person.
 * 1. Validates the input; finds the person by email or phone, or creates them.
 * 2. Records consent per channel with its source, time and text, and their profile.
 * 3. Enrolls them in the named sequence, or in every automatic sequence their profile fits.
 * 4. Plans the first message of each lane they can receive; nothing before now.
 */
export async function enroll(deps: Deps, rawInput: unknown): Promise<EnrollResult> {
  const input = parseEnrollInput(rawInput);
  const library = deps.library ?? (await loadLibrary(deps.store));
  const named = input.sequenceId ? library.sequences.get(input.sequenceId) : undefined;
  if (input.sequenceId && !named) {
    throw new DomainError('unknown_sequence', `no sequence "${input.sequenceId}"; known: ${[...library.sequences.keys()].join(', ')}`);
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
  const profile = Profile.parse({
    ...existing?.profile,
    season: input.season ?? existing?.profile.season ?? currentSeason(now),
    ...definedOnly({ applicantType: input.applicantType, visaTrack: input.visaTrack, attempt: input.attempt, outcome: input.outcome, done: input.done, cadence: input.cadence }),
  });
  const outside = personalDateProblems(input.anchors, profile.season)[0];
  if (outside) throw new DomainError('validation', `${outside.name}: ${outside.message}`);
  const email = input.email ?? existing?.email;
  const phone = input.phone ?? existing?.phone;
  const person: Person = {
    personId: existing?.personId ?? (deps.newPersonId ?? randomUUID)(),
    createdAt: existing?.createdAt ?? nowIso,
    timeZone: input.timeZone,
    profile,
    consent: {
      ...(email ? { email: consentFor(existing?.consent.email) } : {}),
      ...(phone ? { sms: consentFor(existing?.consent.sms) } : {}),
    },
    ...definedOnly({
      firstName: input.firstName ?? existing?.firstName,
      email,
      phone,
      quietHours: input.quietHours ?? existing?.quietHours,
      recentScores: existing?.recentScores,
      specialty: input.specialty ?? existing?.specialty,
    }),
  };
  if (existing) await deps.store.savePerson(person);
  else {
    const { notCreated } = await deps.store.createPeople([{ person, enrollments: [] }]);
    // Someone took the address or number since it was looked up: the operator runs it again.
    if (notCreated.length > 0) throw new DomainError('conflict', 'someone signed up with that email or phone just now: run the command again');
  }

  const held = await deps.store.listEnrollments(person.personId);
  const history = await deps.store.listMessages(person.personId);
  const already = new Set(held.filter((e) => e.status === 'active').map((e) => e.sequenceId));
  const joining = isJoining(history);
  const sequences = named
    ? [named]
    : [...library.sequences.values()].filter(
        (s) => s.autoEnroll && audienceAllows(s.audience, profile) && !already.has(s.id) && !(s.onJoin && (!joining || held.some((e) => e.sequenceId === s.id))),
      );
  const result: EnrollResult = { personId: person.personId, enrollments: [], planned: [], leftOut: [] };
  for (const sequence of sequences) {
    const enrollment: Enrollment = {
      personId: person.personId,
      enrollmentId: nextEnrollmentId(person.personId, sequence.id, held),
      sequenceId: sequence.id,
      anchors: { ...input.anchors, enrolled: nowIso },
      enrolledAt: nowIso,
      status: 'active',
    };
    await deps.store.saveEnrollment(enrollment);
    result.enrollments.push({ enrollmentId: enrollment.enrollmentId, sequenceId: sequence.id });
    const { missingAnchors } = expandOccurrences({ sequence, anchors: allAnchors({ anchors: enrollment.anchors, profile }, library.calendar), zone: person.timeZone });
    result.leftOut.push(...missingAnchors.map((step) => `${sequence.id}/${step}`));
  }
  // Every lane of the person is planned again, the new ones with the old: the weekly budget
  // decides across all their tracks, so the old lanes must see the new tracks too. New tracks
  // start at "now" (their enrolled anchor), which is what skips steps that fell before it.
  const fresh = new Set(result.enrollments.map((e) => e.enrollmentId));
  const planned = await planPerson({ store: deps.store, library }, person, await deps.store.listEnrollments(person.personId), now, history);
  result.planned.push(...planned.filter((m) => fresh.has(m.enrollmentId)));
  return result;
}

/**
 * The lanes of an enrollment: one per channel the person has and has consented to (email, and
 * texts or WhatsApp: consent to one of the two phone channels ends the other's). Their profile
 * gains the specialty facts their own words name (re-derived at every planning, so a changed
 * specialty or a new entry in the specialty data counts at once).
 */
function lanesOf(person: Person, enrollment: Enrollment, specialties?: SpecialtyTable, roster?: CoachingRoster): Lane[] {
  const lanes: Lane[] = [];
  const profile = laneProfile(person, specialties);
  const coaching = roster?.tracks.some((t) => t.sequenceId === enrollment.sequenceId) ? roster : undefined;
  for (const channel of channelsOf(person)) {
    const to = channel === 'email' ? person.email! : person.phone!;
    lanes.push({
      personId: person.personId,
      enrollmentId: enrollment.enrollmentId,
      sequenceId: enrollment.sequenceId,
      channel,
      to,
      zone: person.timeZone,
      anchors: enrollment.anchors,
      profile,
      ...definedOnly({ firstName: person.firstName, quietHours: person.quietHours as QuietHours | undefined, title: enrollment.title, coaching }),
    });
  }
  return lanes;
}

/** The profile a person's lanes are planned with: their own, plus what their specialty's words decide. */
export function laneProfile(person: Person, specialties?: SpecialtyTable): Profile {
  const { specialty: _stale, applicationSystem: _staleSystem, ...ownProfile } = person.profile;
  return { ...ownProfile, ...specialtyProfile(person.specialty, specialties) };
}

/** The channels a person gets messages on: an address or number of theirs, and their yes to it. */
export function channelsOf(person: Person): Channel[] {
  return CHANNELS.filter((channel) => {
    // Texts and WhatsApp go to the same number; which of them (if either) is the person's consent.
    const to = channel === 'email' ? person.email : person.phone;
    return to !== undefined && person.consent[channel]?.state === 'confirmed';
  });
}

/** Plans the next message of every lane of an enrollment, from `from` on. */
export async function planLanes(
  deps: { store: OutboxStore; library: Library },
  person: Person,
  enrollment: Enrollment,
  from: Date,
  now: Date,
  roster?: CoachingRoster,
): Promise<Message[]> {
  const planned: Message[] = [];
  for (const lane of lanesOf(person, enrollment, deps.library.specialties, roster)) {
    const { next } = await planNextMessage(deps, lane, { sendAt: from, key: '' }, now);
    if (next) planned.push(next);
  }
  return planned;
}

/** Drops undefined fields, so optional attributes are absent rather than present-and-undefined. */
export function definedOnly<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as never;
}
