import { createHash, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import * as z from 'zod';
import { Cohort, Counselor, CounselorRole, counselorConsentSource, isAcceptedMember, type CohortMember, type CounselorPrincipal, type MembershipConsent, type Organisation } from '../../domain/counselor';
import { invitationConsentText, invitationSmsConsentText, invitationWhatsAppConsentText } from '../../domain/invitation-words';
import { REMOVED_CONSENT_TEXT, neverConfirmed, ownRecordOf } from '../../domain/ownership';
import { E164, Email, Profile, nextEnrollmentId, type Consent, type Enrollment, type Message, type Person } from '../../domain/model';
import { AnchorValue, IanaZone, isInQuietHours, type QuietHours } from '../../domain/schedule';
import { AnchorName, ApplicantType, VisaTrack, type Channel } from '../../domain/sequence';
import { PERSONAL_DATE_NAMES } from '../../domain/subscription-words';
import { TOKEN_LIFETIME_SECONDS, issueToken } from '../../domain/tokens';
import { loggerOf, type Store } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import type { SubscriptionDeps } from '../subscription';
import { notFound, recordAudit, requireAdmin } from '../audit';
import { definedOnly } from '../enroll';
import { personalDateProblems } from '../../domain/personal-dates';
import { DomainError, PersonGone, describeIssues } from '../errors';
import { loadLibrary } from '../library';
import type { Library } from '../planning';
import { replanPerson } from '../replan';
import { linkMember, unlinkMember } from '../engagement';
import { mapWithConcurrency } from '../../domain/concurrency';

/**
 * Cohorts: a counselor's groups of applicants. Create, rename, archive; add members (by
 * JSON here, by CSV in csv-import.ts, both through upsertMember); remove them (every message
 * stops at once); erase them (their personal data goes, through Store.erasePerson). Every action
 * lands in the org's audit log. The org is always the caller's own (the principal's), so another
 * org's cohort is simply not found.
 *
 * Members are invited, never signed up: a new person's consent is `pending` with source
 * `counselor:<counselorId>` and the words of the invitation, which names the organisation; only
 * the person's own yes (the email link or an SMS YES, shared/app/subscription.ts and
 * inbound-sms.ts) lets coaching flow.
 */

/** What sign-up needs (invitations are its confirmation messages), plus the counselor records. */
export interface CohortDeps extends SubscriptionDeps {
  counselors: CounselorStore;
}

// ---- Input ---------------------------------------------------------------------------------------

/**
 * Spreadsheet formula injection: a cell starting with one of these runs as a formula when someone
 * opens an export in a spreadsheet. Names and dates never need them; a phone number's leading +
 * is allowed only as a plain number (checked apart, see MemberInput).
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const looksLikeFormula = (value: string) => FORMULA_START.test(value);
const CONTROLS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;

const plainText = (max: number, what: string) =>
  z
    .string()
    .max(max, `${what} can be at most ${max} characters`)
    .refine((s) => !looksLikeFormula(s), `${what} starts with = + - @ or a tab, like a spreadsheet formula`)
    .refine((s) => !CONTROLS.test(s), `${what} holds control characters`)
    .transform((s) => s.trim())
    .pipe(z.string().min(1, `${what} is empty`));

const MemberDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'use a date like 2027-01-20')
  .refine((s) => {
    const d = DateTime.fromISO(s, { zone: 'utc' });
    return d.isValid && d.year >= 2020 && d.year <= 2100;
  }, 'that date does not exist');

/** One member, as a counselor gives it (a JSON object, or a CSV row after its header is mapped). */
export const MemberInput = z
  .object({
    email: z.string().max(254).refine((s) => !looksLikeFormula(s), 'email starts with = + - @ or a tab, like a spreadsheet formula').transform((s) => s.trim()).pipe(Email).optional(),
    /** E.164, spaces, dashes and brackets allowed: people write numbers that way. */
    phone: z
      .string()
      .max(40)
      .refine((s) => !/^[=\-@\t\r]/.test(s), 'phone starts with = - @ or a tab, like a spreadsheet formula')
      .transform((s) => s.replace(/[\s().-]/g, ''))
      .pipe(E164)
      .optional(),
    /**
     * How the invitation reaches the phone: a text (the default) or WhatsApp (an approved template
     * naming the organisation). WhatsApp only where the organisation has the person's agreement
     * to be contacted on WhatsApp (Meta's rule); nothing more comes until the person says YES.
     */
    phoneChannel: z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(['sms', 'whatsapp'], 'phone_channel is sms or whatsapp')).optional(),
    firstName: plainText(60, 'name').optional(),
    timeZone: z.string().max(64).refine((s) => !looksLikeFormula(s), 'time zone starts with = + - @ or a tab, like a spreadsheet formula').pipe(IanaZone),
    visaTrack: VisaTrack.optional(),
    applicantType: ApplicantType.optional(),
    attempt: z.number().int().min(1).max(9).optional(),
    step1_exam: MemberDate.optional(),
    step2_exam: MemberDate.optional(),
    step3_exam: MemberDate.optional(),
    oet_exam: MemberDate.optional(),
    documents_due: MemberDate.optional(),
  })
  .strict()
  .refine((m) => m.email || m.phone, { message: 'give an email address, a phone number, or both' });
export type MemberInput = z.output<typeof MemberInput>;

export type RowOutcome =
  | { status: 'added' | 'updated' | 'unchanged'; personId: string; notes?: string[] }
  | { status: 'rejected'; reason: string };

/**
 * Dates a program sets for all its members (its own interview day ...). Never a person's own dates
 * (exams, documents) nor when they joined: those are theirs, and a cohort's change must not
 * overwrite them.
 */
const ProgramDates = z.record(AnchorName, AnchorValue).refine(
  (dates) => !Object.keys(dates).some((name) => name === 'enrolled' || (PERSONAL_DATE_NAMES as readonly string[]).includes(name)),
  { message: `a cohort sets program dates only: ${PERSONAL_DATE_NAMES.join(', ')} are each member's own (give them per member) and enrolled is set when they join` },
);

const CohortInput = z
  .object({
    name: plainText(120, 'name'),
    season: z.number().int().min(2020).max(2100),
    sequenceIds: z.array(z.string().min(1).max(64)).min(1).max(20),
    anchorOverrides: ProgramDates.default({}),
  })
  .strict();
const CohortChange = z
  .object({
    name: plainText(120, 'name').optional(),
    season: z.number().int().min(2020).max(2100).optional(),
    sequenceIds: z.array(z.string().min(1).max(64)).min(1).max(20).optional(),
    anchorOverrides: ProgramDates.optional(),
    archived: z.boolean().optional(),
  })
  .strict()
  .refine((c) => Object.keys(c).length > 0, { message: 'nothing to change' });

const parse = <T extends z.ZodType>(schema: T, raw: unknown): z.output<T> => {
  const result = schema.safeParse(raw);
  if (!result.success) throw new DomainError('validation', describeIssues(result.error.issues));
  return result.data;
};

// ---- Cohorts ----------------------------------------------------------------------------------------

async function knownSequences(deps: CohortDeps, ids: readonly string[]): Promise<void> {
  const library = deps.library ?? (await loadLibrary(deps.store));
  const unknown = ids.filter((id) => !library.sequences.has(id));
  if (unknown.length) throw new DomainError('validation', `unknown sequence: ${unknown.join(', ')} (see \`matchcoach sequences\`)`);
  if (new Set(ids).size !== ids.length) throw new DomainError('validation', 'a sequence is listed twice');
}

export async function createCohort(deps: CohortDeps, actor: CounselorPrincipal, raw: unknown): Promise<Cohort> {
  const input = parse(CohortInput, raw);
  await knownSequences(deps, input.sequenceIds);
  const now = deps.clock.now().toISOString();
  const cohort: Cohort = { cohortId: randomUUID(), orgId: actor.orgId, ...input, archived: false, createdAt: now, updatedAt: now };
  await deps.counselors.saveCohort(cohort);
  await recordAudit(deps, actor, 'cohort.create', { kind: 'cohort', id: cohort.cohortId }, { season: cohort.season, sequences: cohort.sequenceIds.length });
  return cohort;
}

export async function getCohort(deps: Pick<CohortDeps, 'counselors'>, actor: CounselorPrincipal, cohortId: string): Promise<Cohort> {
  const cohort = await deps.counselors.getCohort(actor.orgId, cohortId);
  if (!cohort) throw notFound('cohort');
  return cohort;
}

export const listCohorts = (deps: Pick<CohortDeps, 'counselors'>, actor: CounselorPrincipal) => deps.counselors.listCohorts(actor.orgId);

/** Rename, archive (or bring back), change the season, sequences or anchor overrides. */
export async function updateCohort(deps: CohortDeps, actor: CounselorPrincipal, cohortId: string, raw: unknown): Promise<Cohort> {
  const change = parse(CohortChange, raw);
  const cohort = await getCohort(deps, actor, cohortId);
  if (change.sequenceIds) await knownSequences(deps, change.sequenceIds);
  const updated: Cohort = { ...cohort, ...definedOnly(change), updatedAt: deps.clock.now().toISOString() };
  await deps.counselors.saveCohort(updated);
  const reshaped = change.sequenceIds !== undefined || change.anchorOverrides !== undefined;
  const members = reshaped ? await applyCohortToMembers(deps, cohort, updated) : 0;
  const action = change.archived === true ? 'cohort.archive' : change.archived === false ? 'cohort.unarchive' : change.name ? 'cohort.rename' : 'cohort.update';
  await recordAudit(deps, actor, action, { kind: 'cohort', id: cohortId }, { fields: Object.keys(change).sort().join(','), ...(reshaped && { members }) });
  return updated;
}

/**
 * After a cohort's sequences or anchor overrides change, its active members follow: each gets
 * an enrollment in every sequence the cohort now has (with their own dates), the overrides are
 * rewritten on the cohort's enrollments (an override dropped from the cohort leaves them), and
 * confirmed members are re-planned. Tracks of sequences the cohort no longer lists are left as
 * they are: the person may want them, and removing a member is how a counselor stops them.
 */
async function applyCohortToMembers(deps: CohortDeps, before: Cohort, after: Cohort): Promise<number> {
  const library = deps.library ?? (await loadLibrary(deps.store));
  // Only members whose tracks are the organisation's to shape: those who said yes to it, and its
  // own records nobody confirmed. Someone still to answer is not touched.
  const members = (await deps.counselors.listCohortMembers(after.orgId, after.cohortId)).filter((m) => m.status === 'active');
  const nowIso = deps.clock.now().toISOString();
  let changed = 0;
  await mapWithConcurrency(members, 8, async (member) => {
    const person = await deps.store.getPerson(member.personId);
    if (!person || !(isAcceptedMember(member) || ownRecordOf(person, after.orgId))) return;
    const held = await deps.store.listEnrollments(person.personId);
    const active = held.filter((e) => e.status === 'active');
    const personal: Record<string, string> = {};
    for (const name of PERSONAL_DATE_NAMES) {
      const value = active.find((e) => e.anchors[name] !== undefined)?.anchors[name];
      if (value !== undefined) personal[name] = value;
    }
    const writes: Enrollment[] = [];
    for (const sequenceId of after.sequenceIds) {
      const enrollment = active.find((e) => e.sequenceId === sequenceId);
      if (!enrollment) {
        writes.push({ personId: person.personId, enrollmentId: nextEnrollmentId(person.personId, sequenceId, held), sequenceId, anchors: { ...after.anchorOverrides, ...personal, enrolled: nowIso }, enrolledAt: nowIso, status: 'active' });
        continue;
      }
      const kept = Object.fromEntries(Object.entries(enrollment.anchors).filter(([name]) => !(name in before.anchorOverrides) || name in after.anchorOverrides));
      const anchors = { ...kept, ...after.anchorOverrides };
      if (stable(anchors) !== stable(enrollment.anchors)) writes.push({ ...enrollment, anchors });
    }
    if (writes.length === 0) return;
    for (const enrollment of writes) await deps.store.saveEnrollment(enrollment);
    changed++;
    if (person.consent.email?.state === 'confirmed' || person.consent.sms?.state === 'confirmed') {
      await replanPerson({ store: deps.store, clock: deps.clock, library }, person.personId);
    }
  });
  return changed;
}


// ---- Members ----------------------------------------------------------------------------------------

/** What upsertMember needs once per batch, not per row. */
export interface MemberBatch {
  deps: CohortDeps;
  actor: CounselorPrincipal;
  cohort: Cohort;
  org: Organisation;
  library: Library;
  now: Date;
  /**
   * Where memberships go instead of one write each: an import collects them and writes them in
   * batches (CounselorStore.saveCohortMembers) once the people are written.
   */
  memberSink?: (member: CohortMember) => void;
  /** The cohort's members read once up front (an import), instead of one read per row. */
  members?: Map<string, CohortMember>;
}

/** Opens a batch on a live cohort of the caller's org (an archived cohort takes no one new). */
export async function memberBatch(deps: CohortDeps, actor: CounselorPrincipal, cohortId: string): Promise<MemberBatch> {
  const cohort = await getCohort(deps, actor, cohortId);
  if (cohort.archived) throw new DomainError('conflict', 'this cohort is archived: bring it back before adding people');
  const org = (await deps.counselors.getOrganisation(actor.orgId)) ?? { orgId: actor.orgId, name: actor.orgId, createdAt: cohort.createdAt };
  return { deps, actor, cohort, org, library: deps.library ?? (await loadLibrary(deps.store)), now: deps.clock.now() };
}

export { REMOVED_CONSENT_TEXT } from '../../domain/ownership';
const removedByCounselor = (consent: Consent | undefined) => consent?.state === 'revoked' && consent.text === REMOVED_CONSENT_TEXT;

/**
 * Adds one person to the batch's cohort, or brings the membership up to date. A person belongs to
 * themselves, so what happens depends on who holds the email or phone, and the answer does not:
 * 1. Nobody (or only someone erased): the organisation brings someone new. The person is created
 *    with `pending` consent per channel (source `counselor:<id>`, the invitation's words), their
 *    tracks and dates, and a pending membership that notes the organisation created them.
 * 2. Someone already with us: only a pending membership is written. No field of theirs changes,
 *    no contact is attached, and the organisation sees none of their records until they say yes to
 *    it (a join link to their own confirmed address). The email holder wins over the phone holder.
 *    Two exceptions, both about what is already the organisation's: its own record that the
 *    person never confirmed is corrected from the row; someone who said yes to the organisation
 *    before (another of its cohorts) is a member at once and gets the cohort's tracks.
 * 3. The outcome is `added` for a new membership, `updated` when the row differs from the one last
 *    given for this membership, `unchanged` when it is the same: the same answers whether or not
 *    the person existed, so a row tells the counselor nothing about anyone.
 * 4. Someone new is created only while nobody holds their email or phone: when a sign-up or a
 *    concurrent import got there first, the row is read again and becomes case 2.
 * Invitations go out apart (sendInvitations), so a large import is not held up by sending.
 */
async function upsertMember(batch: MemberBatch, input: MemberInput): Promise<RowOutcome> {
  const reads = storeReads(batch.deps);
  for (let round = 1; ; round++) {
    const plan = await planMember(batch, input, reads);
    if (!isChange(plan)) return plan;
    if (!plan.create) return writeMemberChange(batch, plan);
    const { notCreated } = await batch.deps.store.createPeople([newPersonOf(plan)]);
    if (notCreated.length === 0) return memberWritten(batch, plan);
    // Someone else is creating them right now, or just did: give their write a moment, look again.
    if (round >= CREATE_ROUNDS) throw new Error('a new member kept colliding with someone being created with the same email or phone');
    await new Promise((resolve) => setTimeout(resolve, 20 * round));
  }
}

const newPersonOf = (plan: MemberChange) => ({
  person: plan.person!,
  enrollments: plan.enrollments,
  ...(plan.replacesLookupsOf.length > 0 && { replacesLookupsOf: plan.replacesLookupsOf }),
});

/** Reads before a new person is given up on: each round, someone else's write has landed or failed. */
const CREATE_ROUNDS = 5;

/** Rows whose people are read together: at most 200 lookups, two BatchGetItem requests. */
const READ_CHUNK = 100;
/**
 * Chunks in flight at once, and rows of a chunk whose changes are written at once (people found
 * who changed are written one request at a time). DynamoDB Local answers about twice as many
 * requests with 8 or more in flight than one at a time; much more only queues up on its side.
 */
const CHUNK_CONCURRENCY = 4;
const ROW_CONCURRENCY = 8;

/**
 * upsertMember for many rows (an import): the same outcome for each row, in far fewer requests.
 * 1. Rows are taken a chunk at a time; a chunk's lookups and the people they name are read in
 *    batches (Store.findPersonIds, getPeople), not one request each.
 * 2. Each row is planned exactly as upsertMember plans it, from those reads and the enrollments
 *    of the people found (Store.listEnrollmentsOf), also read for the whole chunk at once.
 * 3. The chunk's new people are created together, with their enrollments (Store.createPeople);
 *    other changes are written one by one, as upsertMember writes them.
 * 4. Rows the chunk cannot settle go through upsertMember, one at a time, once every chunk is
 *    done: a row naming a person another row already named (the first row's writes must come
 *    before it reads), and a new person someone else created meanwhile (read again, then case 2).
 * The rows should hold no duplicates (duplicateKeys); a duplicate would still come out right,
 * through step 4. Outcomes come back in the order of the inputs.
 */
export async function upsertMembers(batch: MemberBatch, inputs: readonly MemberInput[], onRowDone?: () => void): Promise<RowOutcome[]> {
  const { store } = batch.deps;
  const outcomes: RowOutcome[] = new Array(inputs.length);
  const settle = (index: number, outcome: RowOutcome) => {
    outcomes[index] = outcome;
    onRowDone?.();
  };
  const named = new Set<string>();
  const later: number[] = [];
  const chunks: number[][] = [];
  for (let start = 0; start < inputs.length; start += READ_CHUNK) chunks.push(Array.from({ length: Math.min(READ_CHUNK, inputs.length - start) }, (_, i) => start + i));

  let failed = false;
  await mapWithConcurrency(chunks, CHUNK_CONCURRENCY, async (chunk) => {
    // After a fault no new chunk starts: the error goes back at once, and a re-run does the rest.
    if (failed) return;
    try {
      await upsertChunk(chunk);
    } catch (error) {
      failed = true;
      throw error;
    }
  });
  for (const index of later.sort((a, b) => a - b)) settle(index, await upsertMember(batch, inputs[index]!));
  return outcomes;

  async function upsertChunk(chunk: readonly number[]): Promise<void> {
    const reads = await batchReads(batch.deps, chunk.map((index) => inputs[index]!));
    // No await in this loop: chunks in flight see each other's claims on a person at once.
    const ready = chunk.filter((index) => {
      const ids = reads.idsNamedBy(inputs[index]!);
      if (ids.some((id) => named.has(id))) {
        later.push(index);
        return false;
      }
      for (const id of ids) named.add(id);
      return true;
    });
    const fresh: { index: number; change: MemberChange }[] = [];
    await mapWithConcurrency(ready, ROW_CONCURRENCY, async (index) => {
      const plan = await planMember(batch, inputs[index]!, reads);
      if (!isChange(plan)) settle(index, plan);
      else if (!plan.create) settle(index, await writeMemberChange(batch, plan));
      else fresh.push({ index, change: plan });
    });
    if (fresh.length === 0) return;
    const notCreated = new Set((await store.createPeople(fresh.map(({ change }) => newPersonOf(change)))).notCreated);
    for (const { index, change } of fresh) {
      if (notCreated.has(change.person!.personId)) later.push(index);
      else settle(index, await memberWritten(batch, change));
    }
  }
}

/** What planning a row reads about its person: the stores one request at a time, or batched reads. */
interface PersonReads {
  personIdByEmail(email: string): Promise<string | undefined>;
  personIdByPhone(phone: string): Promise<string | undefined>;
  /** A living person (someone erased, or being erased, reads as undefined). */
  person(personId: string): Promise<Person | undefined>;
  enrollments(personId: string): Promise<Enrollment[]>;
  /** Their memberships in any organisation (only this organisation's are looked at). */
  memberships(personId: string): Promise<CohortMember[]>;
}

const storeReads = (deps: CohortDeps): PersonReads => ({
  personIdByEmail: (email) => deps.store.findPersonIdByEmail(email),
  personIdByPhone: (phone) => deps.store.findPersonIdByPhone(phone),
  person: (personId) => deps.store.getPerson(personId),
  enrollments: (personId) => deps.store.listEnrollments(personId),
  memberships: (personId) => deps.counselors.cohortsOfPerson(personId),
});

/** The lookups of a chunk of rows, the people they name and those people's enrollments, in three rounds of batches. */
async function batchReads(deps: CohortDeps, inputs: readonly MemberInput[]): Promise<PersonReads & { idsNamedBy(input: MemberInput): string[] }> {
  const { store } = deps;
  const { byEmail, byPhone } = await store.findPersonIds({
    emails: inputs.flatMap((input) => (input.email ? [input.email] : [])),
    phones: inputs.flatMap((input) => (input.phone ? [input.phone] : [])),
  });
  const people = await store.getPeople([...new Set([...byEmail.values(), ...byPhone.values()])]);
  const enrollments = await store.listEnrollmentsOf([...people.keys()]);
  return {
    personIdByEmail: async (email) => byEmail.get(email),
    personIdByPhone: async (phone) => byPhone.get(phone),
    person: async (personId) => people.get(personId),
    enrollments: async (personId) => enrollments.get(personId) ?? store.listEnrollments(personId),
    memberships: (personId) => deps.counselors.cohortsOfPerson(personId),
    idsNamedBy: (input) => [input.email && byEmail.get(input.email), input.phone && byPhone.get(input.phone)].filter((id): id is string => Boolean(id)),
  };
}

/** What a row changes, worked out from what was read; nothing is written yet. */
interface MemberChange {
  /** The person to create (`create`) or the organisation's own unconfirmed record to correct; absent when no field of the person is written. */
  person?: Person;
  create: boolean;
  /** Lookups naming someone gone (an erasure cut short) that the new person may take over. */
  replacesLookupsOf: string[];
  /** Enrollments to write: new ones, and active ones whose anchors change. */
  enrollments: Enrollment[];
  member: CohortMember;
  outcome: 'added' | 'updated';
  /** They said yes to this organisation before and have confirmed a channel: plan their new tracks now. */
  replan: boolean;
  notes: string[];
}

const isChange = (plan: RowOutcome | MemberChange): plan is MemberChange => 'member' in plan;

/** A stable digest of a row as given: "the same row again" is a fact about the row, not the person. */
function rowDigest(input: MemberInput): string {
  return createHash('sha256').update(stable(input)).digest('hex').slice(0, 32);
}

/** The living person a row names: the holder of its email, else of its phone; and lookups that name someone gone. */
async function holderOf(input: MemberInput, reads: PersonReads): Promise<{ holder?: Person; gone: string[] }> {
  const gone: string[] = [];
  for (const id of [input.email && (await reads.personIdByEmail(input.email)), input.phone && (await reads.personIdByPhone(input.phone))]) {
    if (!id) continue;
    const person = await reads.person(id);
    if (person) return { holder: person, gone };
    gone.push(id);
  }
  return { gone };
}

/** Steps 1 to 3 of upsertMember up to the writes: an unchanged row, or what to write. */
async function planMember(batch: MemberBatch, input: MemberInput, reads: PersonReads): Promise<RowOutcome | MemberChange> {
  const { deps, actor, cohort, now } = batch;
  const nowIso = now.toISOString();
  const digest = rowDigest(input);
  const label = definedOnly({ firstName: input.firstName });
  const { holder, gone } = await holderOf(input, reads);

  if (!holder) {
    const person = rowPerson(batch, input, {
      personId: randomUUID(),
      createdAt: nowIso,
      timeZone: input.timeZone,
      consent: {},
      profile: Profile.parse({ season: cohort.season }),
      broughtBy: cohort.orgId,
    }, true);
    const member: CohortMember = {
      orgId: cohort.orgId,
      cohortId: cohort.cohortId,
      personId: person.personId,
      addedBy: actor.counselorId,
      addedAt: nowIso,
      status: 'active',
      consent: { state: 'pending', at: nowIso },
      createdPerson: true,
      label,
      rowDigest: digest,
    };
    return { person, create: true, replacesLookupsOf: gone, enrollments: cohortEnrollments(batch, person.personId, [], input), member, outcome: 'added', replan: false, notes: [] };
  }

  const ours = (await reads.memberships(holder.personId)).filter((m) => m.orgId === cohort.orgId);
  const existing = batch.members ? batch.members.get(holder.personId) : ours.find((m) => m.cohortId === cohort.cohortId);
  const joining = !existing || existing.status !== 'active';
  if (!joining && existing.rowDigest === digest) return { status: 'unchanged', personId: holder.personId };

  // What is already the organisation's: its own record nobody confirmed, or a yes given to it before.
  const owned = ownRecordOf(holder, cohort.orgId);
  const earlierYes = ours.find((m) => m.consent?.state === 'accepted' && m.status === 'active' && m.cohortId !== cohort.cohortId);
  const consent: MembershipConsent = !joining
    ? (existing.consent ?? { state: 'pending', at: nowIso })
    : earlierYes?.consent ?? { state: 'pending', at: nowIso };
  const member: CohortMember = {
    ...(joining ? withoutRemoval(existing) : existing),
    orgId: cohort.orgId,
    cohortId: cohort.cohortId,
    personId: holder.personId,
    addedBy: existing?.addedBy ?? actor.counselorId,
    addedAt: joining ? nowIso : existing.addedAt,
    status: 'active',
    consent,
    label,
    rowDigest: digest,
    ...(owned && { createdPerson: true }),
  };
  const held = owned || consent.state === 'accepted' ? await reads.enrollments(holder.personId) : [];
  const person = owned ? rowPerson(batch, input, holder, false) : undefined;
  const notes: string[] = [];
  return {
    ...(person && { person }),
    create: false,
    replacesLookupsOf: [],
    enrollments: owned || consent.state === 'accepted' ? cohortEnrollments(batch, holder.personId, held, owned ? input : undefined) : [],
    member,
    outcome: joining ? 'added' : 'updated',
    replan: consent.state === 'accepted' && !neverConfirmed(holder),
    notes,
  };
}

/** A membership coming back after a removal: a fresh start, a new invitation if it needs one. */
function withoutRemoval(member: CohortMember | undefined): Partial<CohortMember> {
  if (!member) return {};
  const { removedAt: _gone, invited: _before, ...kept } = member;
  return kept;
}

/**
 * The person as the row describes them, on top of `base`: the organisation's own record (new, or
 * never confirmed) only. Someone who said no (unsubscribe, STOP) stays opted out.
 */
function rowPerson(batch: MemberBatch, input: MemberInput, base: Person, creating: boolean): Person {
  const { actor, cohort, org, now } = batch;
  const source = counselorConsentSource(actor.counselorId);
  const channelConsent = (had: Consent | undefined, address: string | undefined, text: string): Consent | undefined => {
    if (!address) return had;
    if (had === undefined || removedByCounselor(had)) return { state: 'pending', source, at: now.toISOString(), text };
    return had;
  };
  // Contacts come with the record's creation only: a later row is no way to add or move an
  // address or number (it could be someone else's).
  const email = creating ? input.email : base.email;
  const phone = creating ? input.phone : base.phone;
  return {
    ...base,
    timeZone: input.timeZone,
    profile: Profile.parse({
      ...base.profile,
      season: cohort.season,
      ...definedOnly({ visaTrack: input.visaTrack, applicantType: input.applicantType, attempt: input.attempt }),
    }),
    consent: definedOnly({
      email: channelConsent(base.consent.email, email, invitationConsentText(org.name)),
      // The phone is invited on one channel: WhatsApp when the row asks for it, else texts.
      ...(input.phoneChannel === 'whatsapp'
        ? { sms: base.consent.sms, whatsapp: channelConsent(base.consent.whatsapp, phone, invitationWhatsAppConsentText(org.name)) }
        : { sms: channelConsent(base.consent.sms, phone, invitationSmsConsentText(org.name)), whatsapp: base.consent.whatsapp }),
    }),
    ...definedOnly({ email, phone, firstName: input.firstName ?? base.firstName }),
  };
}

/** The cohort's sequences for this person, with its dates and (from the row) their own; only what changes. */
function cohortEnrollments(batch: MemberBatch, personId: string, enrollments: readonly Enrollment[], input: MemberInput | undefined): Enrollment[] {
  const { cohort, now } = batch;
  const nowIso = now.toISOString();
  const dates = input ? (definedOnly(Object.fromEntries(PERSONAL_DATE_NAMES.map((name) => [name, input[name]]))) as Record<string, string>) : {};
  const writes: Enrollment[] = [];
  for (const sequenceId of cohort.sequenceIds) {
    const active = enrollments.find((e) => e.sequenceId === sequenceId && e.status === 'active');
    if (active) {
      const anchors = { ...active.anchors, ...cohort.anchorOverrides, ...dates };
      if (stable(anchors) !== stable(active.anchors)) writes.push({ ...active, anchors });
    } else {
      writes.push({
        personId,
        enrollmentId: nextEnrollmentId(personId, sequenceId, enrollments),
        sequenceId,
        anchors: { ...cohort.anchorOverrides, ...dates, enrolled: nowIso },
        enrolledAt: nowIso,
        status: 'active',
      });
    }
  }
  return writes;
}

/** Writes a change to someone already stored, one request at a time. */
async function writeMemberChange(batch: MemberBatch, change: MemberChange): Promise<RowOutcome> {
  const { store } = batch.deps;
  if (change.person) await store.savePerson(change.person);
  for (const enrollment of change.enrollments) await store.saveEnrollment(enrollment);
  return memberWritten(batch, change);
}

/** Step 5, once the person and their enrollments are written: the membership, a re-plan, the outcome. */
async function memberWritten(batch: MemberBatch, change: MemberChange): Promise<RowOutcome> {
  const { deps } = batch;
  const { member, notes } = change;
  if (batch.memberSink) batch.memberSink(member);
  else {
    await deps.counselors.saveCohortMember(member);
    await linkIfAccepted(batch, [member]);
  }
  if (change.replan) await replanPerson({ store: deps.store, clock: deps.clock, library: batch.library }, member.personId);
  return { status: change.outcome, personId: member.personId, ...(notes.length && { notes }) };
}

/**
 * Someone who said yes to the organisation before is a member at once (planMember): their
 * engagement joins the new cohort's figures as it is written.
 */
export async function linkIfAccepted(batch: Pick<MemberBatch, 'deps' | 'library'>, members: readonly CohortMember[]): Promise<void> {
  const { deps } = batch;
  if (!deps.engagement) return;
  for (const member of members) {
    if (!isAcceptedMember(member)) continue;
    await linkMember({ engagement: deps.engagement, store: deps.store, clock: deps.clock, library: batch.library, ...definedOnly({ log: deps.log }) }, member);
  }
}

const rejected = (reason: string): RowOutcome => ({ status: 'rejected', reason });
/** Key-order independent JSON, to tell "the same" from "changed". */
function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/** The largest JSON batch: bigger lists belong in a CSV import. */
const MAX_JSON_MEMBERS = 500;
const JsonMembers = z.object({ members: z.array(z.unknown()).min(1).max(MAX_JSON_MEMBERS, `at most ${MAX_JSON_MEMBERS} members per request; use a CSV import for more`) }).strict();

export interface MembersReport {
  rows: (RowOutcome & { row: number })[];
  summary: Record<RowOutcome['status'], number>;
}

export const summarise = (rows: readonly { status: RowOutcome['status'] }[]): MembersReport['summary'] => {
  const summary = { added: 0, updated: 0, unchanged: 0, rejected: 0 };
  for (const row of rows) summary[row.status]++;
  return summary;
};

/** Duplicates inside one upload: the second and later rows naming the same email or phone. */
export function duplicateKeys(input: MemberInput): string[] {
  return [input.email && `email:${input.email}`, input.phone && `phone:${input.phone}`].filter((k): k is string => Boolean(k));
}

/** Adds members from a JSON list, each validated apart; then invites the new ones. */
export async function addMembers(deps: CohortDeps, actor: CounselorPrincipal, cohortId: string, raw: unknown): Promise<MembersReport & { invitations: InvitationReport }> {
  const { members } = parse(JsonMembers, raw);
  const batch = await memberBatch(deps, actor, cohortId);
  const seen = new Map<string, number>();
  const rows: MembersReport['rows'] = [];
  for (const [index, item] of members.entries()) {
    const row = index + 1;
    const parsed = MemberInput.safeParse(item);
    if (!parsed.success) {
      rows.push({ row, status: 'rejected', reason: describeIssues(parsed.error.issues) });
      continue;
    }
    const outside = personalDateProblems(parsed.data, batch.cohort.season)[0];
    if (outside) {
      rows.push({ row, status: 'rejected', reason: `${outside.name}: ${outside.message}` });
      continue;
    }
    const twin = duplicateKeys(parsed.data).map((k) => seen.get(k)).find((r) => r !== undefined);
    if (twin !== undefined) {
      rows.push({ row, status: 'rejected', reason: `the same person as member ${twin} of this request` });
      continue;
    }
    for (const k of duplicateKeys(parsed.data)) seen.set(k, row);
    rows.push({ row, ...(await upsertMember(batch, parsed.data)) });
  }
  const summary = summarise(rows);
  await recordAudit(deps, actor, 'member.add', { kind: 'cohort', id: cohortId }, { ...summary, via: 'json' });
  const invitations = await sendInvitations(deps, actor, cohortId, rows.flatMap((r) => (r.status === 'added' || r.status === 'updated' ? [r.personId] : [])));
  return { rows, summary, invitations };
}

// ---- Invitations ------------------------------------------------------------------------------------

/**
 * What queueing invitations reports. Deliberately no count per channel: which channel an
 * invitation can take depends on whether the person was already with us, and a counselor must
 * not learn that from an answer.
 */
export interface InvitationReport {
  /** Members still waiting for their yes that this run covered (their invitations are queued or already out). */
  invited: number;
  /** Invitations that could not be queued (a storage fault); the next run tries them again. */
  failed: number;
}

/**
 * A person gets at most one invitation per channel in this time, whatever the number of cohorts
 * that add them (see sendInvitations); it is also how long an invitation may wait to go out: as
 * long as the link it carries stays valid.
 */
const INVITE_HOLD_MS = TOKEN_LIFETIME_SECONDS['confirm-email'] * 1000;
/** People read in one request when queueing a cohort's invitations. */
const INVITATION_READ_CHUNK = 100;

/**
 * Queues, for each named member of the cohort (or every member still waiting, without
 * `personIds`), what their pending membership needs:
 * - someone the organisation brought to us, who has confirmed nothing: the invitation email with
 *   the confirmation link and the text asking for YES, on the channels their pending consent names;
 * - someone already with us: one email to their own confirmed address, with a link to say yes (or
 *   no) to this organisation. Nothing goes to a channel they have not confirmed, and nothing to an
 *   address or number the row gave.
 * The dispatcher sends them like any message: within the providers' shared rate, texts after the
 * person's quiet hours, retried after a provider fault. Once per person, channel (and
 * organisation, for a join request) in INVITE_HOLD_MS: the message id names them and the period,
 * and the store creates a message once, so a run cut short and run again, or a second cohort
 * adding the same person, queues nothing new. The dispatcher checks again when it sends.
 */
export async function sendInvitations(deps: CohortDeps, actor: CounselorPrincipal, cohortId: string, personIds?: readonly string[]): Promise<InvitationReport> {
  const cohort = await getCohort(deps, actor, cohortId);
  const org = await deps.counselors.getOrganisation(actor.orgId);
  const orgName = org?.name ?? actor.orgId;
  const log = loggerOf(deps);
  const report: InvitationReport = { invited: 0, failed: 0 };
  // One paged query for the cohort, and people read a chunk at a time, not one request each.
  const wanted = personIds && new Set(personIds);
  const members = (await deps.counselors.listCohortMembers(cohort.orgId, cohortId)).filter(
    (m) => (!wanted || wanted.has(m.personId)) && m.status === 'active' && (m.consent?.state ?? 'pending') === 'pending',
  );
  const ours = (consent: Consent | undefined) => consent?.state === 'pending' && consent.source.startsWith('counselor:');
  const updated: CohortMember[] = [];
  const target = { orgName, orgId: cohort.orgId, cohortId };
  for (let start = 0; start < members.length; start += INVITATION_READ_CHUNK) {
    const chunk = members.slice(start, start + INVITATION_READ_CHUNK);
    const people = await deps.store.getPeople(chunk.map((m) => m.personId));
    await mapWithConcurrency(chunk, 16, async (member) => {
      const person = people.get(member.personId);
      if (!person) return;
      report.invited++;
      const now = deps.clock.now();
      const invited = { ...member.invited };
      const queue = async (channel: Channel, to: string, join: boolean): Promise<void> => {
        try {
          // Nothing new when this period's invitation exists already (another cohort's, or a run
          // cut short); the previous period's counts too while it is younger than a period: an
          // edge between two periods is no reason to invite someone twice in a few minutes.
          const idOf = (period: number) => (join ? joinRequestId(person.personId, cohort.orgId, period) : invitationId(person.personId, channel, period));
          const previous = await deps.store.getMessage(person.personId, idOf(periodOf(now) - 1));
          const recent = previous !== undefined && now.getTime() - Date.parse(previous.sendAt) < INVITE_HOLD_MS;
          if (!recent) await deps.store.createMessage(invitationMessage(person, idOf(periodOf(now)), channel, to, { ...target, ...(join && { join: true }) }, now));
          invited[channel] = now.toISOString();
        } catch (error) {
          if (error instanceof PersonGone) return;
          // Not marked invited: the next run tries again, with the same message id.
          report.failed++;
          log.warn('invitation not queued', { personId: person.personId, channel, error: error instanceof Error ? error.message : String(error) });
        }
      };
      if (ownRecordOf(person, cohort.orgId)) {
        if (person.email && ours(person.consent.email) && !invited.email) await queue('email', person.email, false);
        if (person.phone && ours(person.consent.sms) && !invited.sms) await queue('sms', person.phone, false);
        if (person.phone && ours(person.consent.whatsapp) && !invited.whatsapp) await queue('whatsapp', person.phone, false);
      } else if (person.email && person.consent.email?.state === 'confirmed' && !invited.email) {
        await queue('email', person.email, true);
      }
      if (stable(invited) !== stable(member.invited ?? {})) updated.push({ ...member, invited });
    });
  }
  // The message ids already stop a second invitation; these records say so to the next run cheaply.
  await deps.counselors.saveCohortMembers(updated);
  return report;
}

/** An invitation as a message due now, for the dispatcher (see Message.invitation). */
const periodOf = (at: Date) => Math.floor(at.getTime() / INVITE_HOLD_MS);
const invitationId = (personId: string, channel: Channel, period: number) => `invite.${personId}.${channel}.${period}`;
const joinRequestId = (personId: string, orgId: string, period: number) => `join.${personId}.${orgId}.${period}`;

function invitationMessage(person: Person, messageId: string, channel: Channel, to: string, invitation: NonNullable<Message['invitation']>, now: Date): Message {
  const at = now.toISOString();
  return {
    personId: person.personId,
    messageId,
    enrollmentId: 'invitation',
    sequenceId: 'invitation',
    stepId: invitation.join ? 'join-request' : 'invite',
    channel,
    to,
    zone: person.timeZone,
    anchors: {},
    profile: person.profile,
    ...definedOnly({ firstName: person.firstName, quietHours: person.quietHours }),
    sendAt: at,
    deadlineAt: new Date(now.getTime() + INVITE_HOLD_MS).toISOString(),
    invitation,
    status: 'planned',
    dueAt: at,
    attempts: [],
    updatedAt: at,
  };
}

// ---- Removal and erasure ------------------------------------------------------------------------------

async function memberOf(deps: CohortDeps, actor: CounselorPrincipal, cohortId: string, personId: string): Promise<CohortMember> {
  await getCohort(deps, actor, cohortId);
  const member = await deps.counselors.getCohortMember(actor.orgId, cohortId, personId);
  if (!member) throw notFound('member');
  return member;
}

/**
 * Takes a member out of the cohort. The answer is the same for everyone (`removed`), whatever the
 * person's records held, so removal tells the counselor nothing either.
 * - Someone who came to us only through invitations (the organisation's own record, or a yes to
 *   its invitation) and is in no other active cohort: every message still to go is withdrawn, the
 *   consent the invitation brought is revoked, the tracks end.
 * - Someone who said yes to the organisation and also wants coaching of their own, or is in
 *   another cohort: this cohort's tracks end (those another of their memberships still asks for
 *   stay), what is still to go is re-planned.
 * - Someone already with us who never said yes: only the membership goes; nothing of theirs changes.
 */
export async function removeMember(deps: CohortDeps, actor: CounselorPrincipal, cohortId: string, personId: string): Promise<{ status: 'removed' }> {
  const member = await memberOf(deps, actor, cohortId, personId);
  const cohort = await getCohort(deps, actor, cohortId);
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  if (member.status !== 'removed') await deps.counselors.saveCohortMember({ ...member, status: 'removed', removedAt: nowIso }).catch(ignoreGone);
  // Their engagement leaves this cohort's figures (the same again changes nothing).
  if (member.consent?.state === 'accepted' && deps.engagement) await unlinkMember({ engagement: deps.engagement, store: deps.store, ...definedOnly({ log: deps.log }) }, member);
  const person = await deps.store.getPerson(personId);
  const memberships = person ? await deps.counselors.cohortsOfPerson(personId) : [];
  const others = memberships.filter((m) => m.status === 'active' && !(m.orgId === actor.orgId && m.cohortId === cohortId));
  const owned = person !== undefined && ownRecordOf(person, actor.orgId);
  const accepted = member.consent?.state === 'accepted';
  // Every yes they gave was to an invitation (from this organisation or another): with no
  // membership left, nothing they asked for themselves remains.
  const onlyThroughOrganisations = person !== undefined && [person.consent.email, person.consent.sms].every((c) => c === undefined || c.source.startsWith('counselor:'));

  if (person && (owned || accepted) && others.length === 0 && onlyThroughOrganisations) {
    await deps.store.cancelPendingMessages(personId, 'removed-from-cohort', now);
    const revoke = (c: Consent | undefined): Consent | undefined =>
      c && c.state !== 'revoked' ? { state: 'revoked', source: counselorConsentSource(actor.counselorId), at: nowIso, text: REMOVED_CONSENT_TEXT } : c;
    try {
      await deps.store.savePerson({ ...person, consent: definedOnly({ email: revoke(person.consent.email), sms: revoke(person.consent.sms) }) });
      for (const e of await deps.store.listEnrollments(personId)) if (e.status === 'active') await deps.store.saveEnrollment({ ...e, status: 'ended' });
    } catch (error) {
      ignoreGone(error);
    }
  } else if (person && (accepted || owned)) {
    const stillWanted = new Set<string>();
    for (const other of others) {
      if (!isAcceptedMember(other) && !owned) continue;
      for (const id of (await deps.counselors.getCohort(other.orgId, other.cohortId))?.sequenceIds ?? []) stillWanted.add(id);
    }
    try {
      for (const e of await deps.store.listEnrollments(personId)) {
        if (e.status === 'active' && cohort.sequenceIds.includes(e.sequenceId) && !stillWanted.has(e.sequenceId)) await deps.store.saveEnrollment({ ...e, status: 'ended' });
      }
      await replanPerson({ store: deps.store, clock: deps.clock, ...definedOnly({ library: deps.library }) }, personId);
    } catch (error) {
      ignoreGone(error);
    }
  }
  await recordAudit(deps, actor, 'member.remove', { kind: 'member', id: personId }, { cohortId });
  return { status: 'removed' };
}

/** Erased meanwhile: nothing of theirs is left to change. */
const ignoreGone = (error: unknown) => {
  if (!(error instanceof PersonGone)) throw error;
};

/**
 * "Erase" a member. An organisation may erase only what it created and nobody confirmed: its own
 * record of someone who never said yes to anything, in no other organisation. Then everything of
 * that record goes (Store.erasePerson). Anyone else (someone already with us, or someone who
 * confirmed since) keeps every record: only this membership goes, and the counselor gets the same
 * answer, so erasing tells nothing about whether the person was with us. Someone who said yes to
 * the organisation is visibly theirs: their data is theirs to delete, and the counselor is told so.
 */
export async function eraseMember(deps: CohortDeps, actor: CounselorPrincipal, cohortId: string, personId: string): Promise<{ status: 'erased' }> {
  const member = await memberOf(deps, actor, cohortId, personId);
  if (member.consent?.state === 'accepted') {
    throw new DomainError('conflict', 'this member said yes to your organisation: only they can delete their data (remove them from the cohort instead)');
  }
  const person = await deps.store.getPerson(personId);
  const memberships = person ? await deps.counselors.cohortsOfPerson(personId) : [];
  const ownRecord = person !== undefined && ownRecordOf(person, actor.orgId) && memberships.every((m) => m.orgId === actor.orgId);
  const now = deps.clock.now();
  // Decided again in the write that starts the erasure: a yes given since the read above stops it.
  if (ownRecord && (await deps.store.beginErasure(personId, now, { onlyTheOwnRecordOf: actor.orgId }))) {
    await deps.store.cancelPendingMessages(personId, 'erased', now);
    await deps.counselors.forgetPerson(personId);
    await deps.store.erasePerson(personId, now);
  } else {
    await deps.counselors.deleteCohortMember(actor.orgId, cohortId, personId);
  }
  await recordAudit(deps, actor, 'member.erase', { kind: 'member', id: personId }, { cohortId });
  return { status: 'erased' };
}

// ---- Counselors of an org ----------------------------------------------------------------------------

const NewCounselor = z
  .object({
    email: z.string().max(254).pipe(Email),
    role: CounselorRole.default('counselor'),
    settings: z.object({ crisisAlerts: z.boolean().default(true), weeklyDigest: z.boolean().default(true) }).default({ crisisAlerts: true, weeklyDigest: true }),
  })
  .strict();

/**
 * Adds a counselor to the caller's org (admins only), or returns the one with that email.
 * The id is new and random: it is what tokens name, and it reveals nothing.
 */
export async function addCounselor(deps: Pick<CohortDeps, 'counselors' | 'clock'>, actor: CounselorPrincipal, raw: unknown): Promise<{ counselor: Counselor; created: boolean }> {
  requireAdmin(actor, 'add counselors');
  const input = parse(NewCounselor, raw);
  const existing = (await deps.counselors.listCounselors(actor.orgId)).find((c) => c.email === input.email);
  if (existing) return { counselor: existing, created: false };
  const counselor = Counselor.parse({ counselorId: randomUUID(), orgId: actor.orgId, ...input, createdAt: deps.clock.now().toISOString() });
  await deps.counselors.saveCounselor(counselor);
  await recordAudit(deps, actor, 'counselor.add', { kind: 'counselor', id: counselor.counselorId }, { role: counselor.role });
  return { counselor, created: true };
}

const CounselorChange = z.object({ role: CounselorRole }).strict();

/** An admin changes a counselor's role; nobody demotes themselves (an org must keep its admin). */
export async function changeCounselorRole(deps: Pick<CohortDeps, 'counselors' | 'clock'>, actor: CounselorPrincipal, counselorId: string, raw: unknown): Promise<Counselor> {
  requireAdmin(actor, 'change roles');
  const { role } = parse(CounselorChange, raw);
  const counselor = await deps.counselors.getCounselor(actor.orgId, counselorId);
  if (!counselor) throw notFound('counselor');
  if (counselorId === actor.counselorId && role !== 'admin') throw new DomainError('conflict', 'you cannot demote yourself: ask another admin');
  const updated = { ...counselor, role };
  await deps.counselors.saveCounselor(updated);
  await recordAudit(deps, actor, 'counselor.role', { kind: 'counselor', id: counselorId }, { role });
  return updated;
}

/** An admin removes a counselor from the org; their tokens stop working at once. */
export async function removeCounselor(deps: Pick<CohortDeps, 'counselors' | 'clock'>, actor: CounselorPrincipal, counselorId: string): Promise<void> {
  requireAdmin(actor, 'remove counselors');
  if (!(await deps.counselors.getCounselor(actor.orgId, counselorId))) throw notFound('counselor');
  if (counselorId === actor.counselorId) throw new DomainError('conflict', 'you cannot remove yourself: ask another admin');
  await deps.counselors.deleteCounselor(actor.orgId, counselorId);
  await recordAudit(deps, actor, 'counselor.remove', { kind: 'counselor', id: counselorId });
}

export async function listCounselors(deps: Pick<CohortDeps, 'counselors'>, actor: CounselorPrincipal): Promise<Counselor[]> {
  requireAdmin(actor, 'list counselors');
  return deps.counselors.listCounselors(actor.orgId);
}

/**
 * The operator's way in (`matchcoach counselor add`): creates the org if it is new, then the
 * counselor (or finds them by email). Audited as the operator.
 */
export async function enrollCounselorAsOperator(
  deps: Pick<CohortDeps, 'counselors' | 'clock'>,
  raw: { orgId: string; orgName?: string; email: string; role?: string },
): Promise<{ counselor: Counselor; org: Organisation; created: boolean }> {
  const input = parse(
    z.object({ orgId: z.string().pipe(Cohort.shape.orgId), orgName: z.string().trim().min(1).max(120).optional(), email: z.string(), role: CounselorRole.default('counselor') }),
    raw,
  );
  const now = deps.clock.now().toISOString();
  let org = await deps.counselors.getOrganisation(input.orgId);
  if (!org) {
    org = { orgId: input.orgId, name: input.orgName ?? input.orgId, createdAt: now };
    await deps.counselors.saveOrganisation(org);
  } else if (input.orgName && input.orgName !== org.name) {
    org = { ...org, name: input.orgName };
    await deps.counselors.saveOrganisation(org);
  }
  const operator: CounselorPrincipal = { counselorId: 'operator', orgId: org.orgId, role: 'admin', scopes: [] };
  const { counselor, created } = await addCounselor(deps, operator, { email: input.email, role: input.role });
  return { counselor, org, created };
}
