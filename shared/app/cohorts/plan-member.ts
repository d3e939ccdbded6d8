/**
 * Working out what one member row changes, from what was read about the person it names, before
 * anything is written. Members are invited, never signed up: a new person's consent is `pending`
 * with source `counselor:<counselorId>` and the words of the invitation, which names the
 * organisation; only the person's own yes lets coaching flow. Someone already with us is never
 * changed by a row.
 */
import { createHash, randomUUID } from 'node:crypto';
import { counselorConsentSource, type CohortMember, type MembershipConsent } from '../../domain/counselor';
import { invitationConsentText, invitationSmsConsentText, invitationWhatsAppConsentText } from '../../domain/invitation-words';
import { REMOVED_CONSENT_TEXT, neverConfirmed, ownRecordOf } from '../../domain/ownership';
import { Profile, nextEnrollmentId, type Consent, type Enrollment, type Person } from '../../domain/model';
import { PERSONAL_DATE_NAMES } from '../../domain/subscription-words';
import { definedOnly } from '../scheduling/enroll';
import { stable, type CohortDeps } from './deps';
import type { MemberBatch } from './member-batch';
import type { MemberInput, RowOutcome } from './member-input';

const removedByCounselor = (consent: Consent | undefined) => consent?.state === 'revoked' && consent.text === REMOVED_CONSENT_TEXT;

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

export const storeReads = (deps: CohortDeps): PersonReads => ({
  personIdByEmail: (email) => deps.store.findPersonIdByEmail(email),
  personIdByPhone: (phone) => deps.store.findPersonIdByPhone(phone),
  person: (personId) => deps.store.getPerson(personId),
  enrollments: (personId) => deps.store.listEnrollments(personId),
  memberships: (personId) => deps.counselors.cohortsOfPerson(personId),
});

/** The lookups of a chunk of rows, the people they name and those people's enrollments, in three rounds of batches. */
export async function batchReads(deps: CohortDeps, inputs: readonly MemberInput[]): Promise<PersonReads & { idsNamedBy(input: MemberInput): string[] }> {
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
export interface MemberChange {
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

export const isChange = (plan: RowOutcome | MemberChange): plan is MemberChange => 'member' in plan;

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
export async function planMember(batch: MemberBatch, input: MemberInput, reads: PersonReads): Promise<RowOutcome | MemberChange> {
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
