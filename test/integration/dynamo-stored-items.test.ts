import { createDynamoCounselorStore } from '../../shared/adapters/dynamo/counselor-store';
import { createDynamoEngagementStore } from '../../shared/adapters/dynamo/engagement-store';
import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import type { CalendarEntry } from '../../shared/domain/calendar';
import type { AuditEntry, Cohort, CohortMember, Counselor, Organisation } from '../../shared/domain/counselor';
import type { Enrollment, JournalEntry, Message, Person, Profile, SafetyEvent } from '../../shared/domain/model';
import type { ContactNote } from '../../shared/ports/engagement';
import type { Store } from '../../shared/ports';
import { testTable, type TestTable } from '../support/dynamo';

/**
 * Every item the DynamoDB adapters read is parsed by a schema, and zod drops what a schema does
 * not name. So each record goes in with every optional field set and must come back whole: an
 * attribute missing from its schema would fail here (and be lost on the next save in production).
 * `Required<...>` makes the compiler insist the fixtures really do set every field.
 */

jest.setTimeout(60_000);

const AT = '2027-02-01T10:00:00.000Z';
const LATER = '2027-02-02T10:00:00.000Z';
const consent = (text: string) => ({ state: 'confirmed' as const, source: 'web', at: AT, text });

const PROFILE: Required<Profile> = {
  season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 2, outcome: 'applying', done: ['step1', 'step2ck'], wellbeing: 'struggling',
  specialty: 'internal-medicine', applicationSystem: 'eras', pausedUntil: LATER, mutedSequences: ['self-care'], supportHold: true,
  cadence: 'light', heardAt: AT, outcomeAt: AT, followed: true,
};

const PERSON: Required<Person> = {
  personId: 'p-full', firstName: 'Asha', email: 'asha@example.org', phone: '+919812345678', timeZone: 'Asia/Kolkata',
  consent: { email: consent('email me'), sms: consent('text me'), whatsapp: consent('whatsapp me') },
  quietHours: { start: '21:00', end: '08:00' }, profile: PROFILE, recentScores: [2, 4], createdAt: AT, specialty: 'Internal medicine',
  showPlanToCounselor: true, broughtBy: 'org-1', safetyQuestion: { askedAt: AT, eventId: 'ev-q' }, calendarVersion: 3,
  interviews: { count: 4, at: AT },
};

const ENROLLMENT: Required<Enrollment> = {
  personId: PERSON.personId, enrollmentId: 'enr-1', sequenceId: 'own-deadline', anchors: { enrolled: '2027-01-05', due: '2027-03-03T21:00:00-05:00' },
  enrolledAt: AT, status: 'active', title: 'Visa interview',
};

const MESSAGE: Required<Message> = {
  personId: PERSON.personId, messageId: 'enr-1.step.0.sms', enrollmentId: 'enr-1', sequenceId: 'own-deadline', stepId: 'step', channel: 'sms',
  to: PERSON.phone, zone: PERSON.timeZone, firstName: 'Asha', anchors: { enrolled: '2027-01-05' }, profile: PROFILE,
  quietHours: { start: '21:00', end: '08:00' }, title: 'Visa interview',
  coaching: {
    base: { enrolled: '2027-01-05' }, tracks: [{ sequenceId: 'getting-started', anchors: { matchDay: '2027-03-19' } }], channels: ['sms', 'email'],
    since: AT, spent: { '2027-02-01': { texts: 1, emails: 2, weekendTexts: 0, keys: ['getting-started.a'] } }, deadlineWeeks: ['2027-02-08'],
  },
  sendAt: AT, deadlineAt: LATER, urgent: true,
  invitation: { orgName: 'Advising', orgId: 'org-1', cohortId: 'c-1', join: true },
  fallback: { of: 'enr-1.step.0.whatsapp', reason: 'not_on_whatsapp' },
  announcement: { announcementId: 'an-1', orgId: 'org-1', orgName: 'Advising', text: 'Hello', subject: 'News', details: 'More' },
  status: 'claimed', dueAt: AT, lease: { token: 'lease-1', until: LATER },
  attempts: [{ at: AT, outcome: 'retry', code: 'throttled', detail: 'throttled at the provider', segments: 2, encoding: 'UCS-2' }],
  providerId: 'SM123', reason: 'quiet_hours', updatedAt: AT, delivery: { status: 'undelivered', at: LATER, errorCode: 30003 },
};

const JOURNAL: Required<JournalEntry> = {
  personId: PERSON.personId, entryId: 'SM-in-1', at: AT, kind: 'checkin', text: 'tired', inReplyTo: 'SM-out-1',
  response: { kind: 'score', score: 2, goal: 1 }, safety: { level: 'distress', rule: 'rule-7' },
};

const SAFETY: Required<SafetyEvent> = { personId: PERSON.personId, eventId: 'SM-in-2', at: AT, kind: 'risk', rule: 'rule-1', by: 'operator' };

const CALENDAR: Required<CalendarEntry> = {
  at: '2027-03-19T12:00', certainty: 'V', source: 'NRMP calendar', url: 'https://www.nrmp.org/calendar', checked: '2027-01-10',
};

describe('DynamoDB items read back whole, every optional field set', () => {
  let table: TestTable;
  let store: Store;
  beforeAll(async () => {
    table = await testTable();
    store = createDynamoStore({ client: table.doc, tableName: table.tableName });
    await store.createPeople([{ person: PERSON, enrollments: [] }]);
  });
  afterAll(() => table.drop());

  test('person', async () => {
    await store.savePerson(PERSON);
    expect(await store.getPerson(PERSON.personId)).toEqual(PERSON);
    expect((await store.getPeople([PERSON.personId])).get(PERSON.personId)).toEqual(PERSON);
  });

  test('enrollment', async () => {
    await store.saveEnrollment(ENROLLMENT);
    expect(await store.listEnrollments(PERSON.personId)).toEqual([ENROLLMENT]);
    expect((await store.listEnrollmentsOf([PERSON.personId])).get(PERSON.personId)).toEqual([ENROLLMENT]);
  });

  test('message', async () => {
    expect(await store.createMessage(MESSAGE)).toBe(true);
    expect(await store.getMessage(PERSON.personId, MESSAGE.messageId)).toEqual(MESSAGE);
    expect(await store.listMessages(PERSON.personId)).toEqual([MESSAGE]);
  });

  test('journal entry, safety event and its alert', async () => {
    await store.saveJournalEntry(JOURNAL);
    await store.saveSafetyEvent(SAFETY);
    expect(await store.listJournalEntries(PERSON.personId)).toEqual([JOURNAL]);
    expect(await store.listSafetyEvents(PERSON.personId)).toEqual([SAFETY]);
    expect(await store.listSafetyAlerts('2027-02')).toEqual([{ personId: PERSON.personId, eventId: SAFETY.eventId, at: AT, level: 'risk', rule: 'rule-1' }]);
  });

  test('calendar override', async () => {
    await store.saveCalendarOverride(2027, 'match_day', CALENDAR);
    expect(await store.getCalendarOverrides()).toEqual({ 2027: { match_day: CALENDAR } });
  });

  test('whatsapp window', async () => {
    await store.noteInbound(PERSON.personId, new Date(AT));
    await store.noteWindowClosed(PERSON.personId, new Date(LATER));
    expect(await store.getWindow(PERSON.personId)).toEqual({ lastInboundAt: AT, closedAt: LATER });
  });

  test('organisation, counselor, cohort, membership (both copies), audit entry and contact note', async () => {
    const counselors = createDynamoCounselorStore({ client: table.doc, tableName: table.tableName });
    const engagement = createDynamoEngagementStore({ client: table.doc, tableName: table.tableName });
    const org: Required<Organisation> = { orgId: 'org-1', name: 'Advising', createdAt: AT };
    const counselor: Required<Counselor> = {
      counselorId: 'c-1', orgId: org.orgId, email: 'lead@example.org', role: 'admin', settings: { crisisAlerts: false, talkAlerts: true, weeklyDigest: false }, createdAt: AT,
    };
    const cohort: Required<Cohort> = {
      cohortId: 'co-1', orgId: org.orgId, name: 'Class of 2027', season: 2027, sequenceIds: ['getting-started'], anchorOverrides: { matchDay: '2027-03-19' },
      archived: false, createdAt: AT, updatedAt: LATER,
    };
    const share = { at: AT, source: 'web', text: 'you may share it' };
    const member: Required<CohortMember> = {
      orgId: org.orgId, cohortId: cohort.cohortId, personId: PERSON.personId, addedBy: counselor.counselorId, addedAt: AT, status: 'active', removedAt: LATER,
      invited: { email: AT, sms: AT, whatsapp: LATER }, consent: { state: 'pending', at: AT, source: 'web', text: 'may they follow?' }, createdPerson: true,
      label: { firstName: 'Asha' }, rowDigest: 'abc123', contactShare: { email: share, phone: share },
    };
    const audit: Required<AuditEntry> = {
      orgId: org.orgId, auditId: 'au-1', at: AT, actor: counselor.counselorId, action: 'member.add', target: { kind: 'member', id: PERSON.personId },
      detail: { rows: 3, dryRun: false, file: 'list.csv' },
    };
    const note: Required<ContactNote> = { personId: PERSON.personId, orgId: org.orgId, noteId: 'n-1', at: AT, counselorId: counselor.counselorId, via: 'phone', note: 'called' };

    await counselors.saveOrganisation(org);
    await counselors.saveCounselor(counselor);
    await counselors.saveCohort(cohort);
    await counselors.saveCohortMember(member);
    await counselors.appendAudit(audit);
    await engagement.addContactNote(note);

    expect(await counselors.getOrganisation(org.orgId)).toEqual(org);
    expect(await counselors.getCounselor(org.orgId, counselor.counselorId)).toEqual(counselor);
    expect(await counselors.listCounselors(org.orgId)).toEqual([counselor]);
    expect(await counselors.getCohort(org.orgId, cohort.cohortId)).toEqual(cohort);
    expect(await counselors.listCohorts(org.orgId)).toEqual([cohort]);
    expect(await counselors.getCohortMember(org.orgId, cohort.cohortId, PERSON.personId)).toEqual(member);
    expect(await counselors.listCohortMembers(org.orgId, cohort.cohortId)).toEqual([member]);
    expect((await counselors.getCohortMembers(org.orgId, cohort.cohortId, [PERSON.personId])).get(PERSON.personId)).toEqual(member);
    expect(await counselors.cohortsOfPerson(PERSON.personId)).toEqual([member]);
    expect(await counselors.listAudit(org.orgId)).toEqual([audit]);
    expect(await engagement.listContactNotes(PERSON.personId, org.orgId)).toEqual([note]);
  });
});
