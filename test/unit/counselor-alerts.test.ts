import { createMemoryCounselorStore } from '../../shared/adapters/memory/memory-counselor-store';
import { createMemoryEmailSender, type MemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemoryNotificationLedger } from '../../shared/adapters/memory/memory-notification-ledger';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { createMemoryEngagementStore } from '../../shared/adapters/memory/memory-engagement-store';
import { linkMember } from '../../shared/app/engagement/engagement-counts';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import type { EngagementStore } from '../../shared/ports/engagement';
import { alertCounselorsOfCrisis, crisisAlertKey, sendWeeklyDigest, sendWeeklyDigests, sweepCrisisAlerts, type CounselorAlertDeps } from '../../shared/app/counselors/counselor-alerts';
import type { Cohort, Counselor } from '../../shared/domain/counselor';
import type { Person } from '../../shared/domain/model';
import type { Store } from '../../shared/ports';
import type { CounselorStore } from '../../shared/ports/counselor';
import type { NotificationLedger } from '../../shared/ports/notification-ledger';
import { describeNotificationLedgerContract } from '../support/notification-ledger-contract';
import { seedPerson } from '../support/seed';

describeNotificationLedgerContract('memory', async () => ({ ledger: createMemoryNotificationLedger() }));

const T0 = '2027-01-20T12:00:00.000Z';
let now: Date;
let store: Store;
let counselors: CounselorStore;
let email: MemoryEmailSender;
let ledger: NotificationLedger;
let engagement: EngagementStore;
let deps: CounselorAlertDeps;

const counselor = (orgId: string, counselorId: string, settings: Partial<Counselor['settings']> = {}): Counselor => ({
  counselorId,
  orgId,
  email: `${counselorId}@${orgId}.example.org`,
  role: 'counselor',
  settings: { crisisAlerts: true, weeklyDigest: true, ...settings },
  createdAt: T0,
});
const cohort = (orgId: string, cohortId: string, name: string, archived = false): Cohort => ({
  cohortId,
  orgId,
  name,
  season: 2027,
  sequenceIds: [],
  anchorOverrides: {},
  archived,
  createdAt: T0,
  updatedAt: T0,
});
const person = (personId: string, firstName: string): Person => ({
  personId,
  firstName,
  timeZone: 'Africa/Lagos',
  consent: { sms: { state: 'confirmed', source: 'counselor:c1', at: T0, text: 'YES' } },
  profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
  createdAt: T0,
});
const risk = { personId: 'p1', eventId: 'SM0123456789abcdef0123456789abcdef', at: '2027-01-20T11:58:00.000Z', level: 'risk' as const };

beforeEach(async () => {
  now = new Date(T0);
  const people = createMemoryStore();
  store = people;
  engagement = createMemoryEngagementStore({ isLiving: people.isLiving });
  counselors = createMemoryCounselorStore({ isLiving: people.isLiving, engagement });
  email = createMemoryEmailSender();
  ledger = createMemoryNotificationLedger();
  deps = { store, counselors, engagement, email, ledger, clock: { now: () => now }, publicBaseUrl: 'https://coach.example.test/' };
  await seedPerson(store, person('p1', 'Ngozi'));
  await counselors.saveCohort(cohort('org-a', 'k1', 'Lagos alumni 2027'));
  await counselors.saveCohort(cohort('org-b', 'k9', 'Other org'));
  await counselors.saveCohortMember({ orgId: 'org-a', cohortId: 'k1', personId: 'p1', addedBy: 'c1', addedAt: T0, status: 'active', consent: { state: 'accepted', at: T0 } });
  await counselors.saveCounselor(counselor('org-a', 'c1'));
  await counselors.saveCounselor(counselor('org-a', 'c2', { crisisAlerts: false }));
  await counselors.saveCounselor(counselor('org-b', 'c9'));
});

describe('crisis alert', () => {
  it('emails the counselors of the member\'s organisation who have alerts on, naming the member, the time and the dashboard only', async () => {
    expect(await alertCounselorsOfCrisis(deps, risk)).toEqual({ sent: 1, alreadySent: 0, busy: 0, failed: 0 });
    expect(email.sent.map((e) => e.to)).toEqual(['c1@org-a.example.org']);
    const [mail] = email.sent;
    expect(mail!.subject).toBe('Please check in with Ngozi');
    expect(mail!.text).toContain('Ngozi (Lagos alumni 2027) sent us a text at 2027-01-20 11:58 UTC');
    expect(mail!.text).toContain('https://coach.example.test/dashboard/cohorts/k1/members/p1');
    expect(mail!.html).toContain('href="https://coach.example.test/dashboard/cohorts/k1/members/p1"');
    expect(mail!.messageId).toBe(crisisAlertKey(risk.eventId, 'c1'));
    // Nothing of what they wrote or which rule matched.
    expect(`${mail!.text}${mail!.html}`).not.toMatch(/risk:|suicid|kill|harm/i);
  });

  it('names the cohort when the member gave no name', async () => {
    const { firstName: _, ...nameless } = person('p1', 'x');
    await seedPerson(store, nameless);
    await alertCounselorsOfCrisis(deps, risk);
    expect(email.sent[0]!.subject).toBe('Please check in with a member of Lagos alumni 2027');
    expect(email.sent[0]!.text).toMatch(/^A member \(Lagos alumni 2027\) sent us a text/);
  });

  it('sends once: a retry, a second sweep, or a concurrent run sends nothing more', async () => {
    const [a, b] = await Promise.all([alertCounselorsOfCrisis(deps, risk), alertCounselorsOfCrisis(deps, risk)]);
    expect(a.sent + b.sent).toBe(1);
    expect(a.busy + b.busy).toBe(1);
    expect(await alertCounselorsOfCrisis(deps, risk)).toEqual({ sent: 0, alreadySent: 1, busy: 0, failed: 0 });
    expect(email.sent).toHaveLength(1);
  });

  it('tries again after the provider failed, and after a crash between claim and send once the lease ran out', async () => {
    email.failNext(1, { status: 'failed', retryable: true, code: 'throttled', reason: 'throttled' });
    expect((await alertCounselorsOfCrisis(deps, risk)).failed).toBe(1);
    expect(email.sent).toHaveLength(0);
    expect((await alertCounselorsOfCrisis(deps, risk)).sent).toBe(1);

    // A run that claimed and died before sending: busy while its lease lasts, then taken over.
    const other = { ...risk, eventId: 'SMffffffffffffffffffffffffffffffff' };
    await ledger.claim(crisisAlertKey(other.eventId, 'c1'), 'crashed-run', now, new Date(now.getTime() + 120_000));
    expect((await alertCounselorsOfCrisis(deps, other)).busy).toBe(1);
    now = new Date(now.getTime() + 121_000);
    expect((await alertCounselorsOfCrisis(deps, other)).sent).toBe(1);
    expect(email.sent).toHaveLength(2);
  });

  it('sends nothing for a distress flag, a removed member, an archived cohort, or someone in no cohort', async () => {
    expect((await alertCounselorsOfCrisis(deps, { ...risk, level: 'distress' })).sent).toBe(0);
    expect((await alertCounselorsOfCrisis(deps, { ...risk, personId: 'nobody' })).sent).toBe(0);
    await counselors.saveCohort(cohort('org-a', 'k1', 'Lagos alumni 2027', true));
    expect((await alertCounselorsOfCrisis(deps, risk)).sent).toBe(0);
    await counselors.saveCohort(cohort('org-a', 'k1', 'Lagos alumni 2027'));
    await counselors.saveCohortMember({ orgId: 'org-a', cohortId: 'k1', personId: 'p1', addedBy: 'c1', addedAt: T0, status: 'removed', removedAt: T0 });
    expect((await alertCounselorsOfCrisis(deps, risk)).sent).toBe(0);
    expect(email.sent).toEqual([]);
  });

  it('reaches each organisation the member belongs to, one email per counselor even across two cohorts', async () => {
    await counselors.saveCohort(cohort('org-a', 'k2', 'Interview prep'));
    await counselors.saveCohortMember({ orgId: 'org-a', cohortId: 'k2', personId: 'p1', addedBy: 'c1', addedAt: T0, status: 'active', consent: { state: 'accepted', at: T0 } });
    await counselors.saveCohortMember({ orgId: 'org-b', cohortId: 'k9', personId: 'p1', addedBy: 'c9', addedAt: T0, status: 'active', consent: { state: 'accepted', at: T0 } });
    expect((await alertCounselorsOfCrisis(deps, risk)).sent).toBe(2);
    expect(email.sent.map((e) => e.to).sort()).toEqual(['c1@org-a.example.org', 'c9@org-b.example.org']);
    const toA = email.sent.find((e) => e.to.startsWith('c1'))!;
    expect(toA.text).toContain('/dashboard/cohorts/k1/members/p1');
    expect(toA.text).toContain('/dashboard/cohorts/k2/members/p1');
    // The other organisation's email names only its own cohort.
    expect(email.sent.find((e) => e.to.startsWith('c9'))!.text).not.toContain('Lagos alumni');
  });

  it('sweeps the recent risk flags from the store, so an alert missed at the time goes out on the next tick', async () => {
    await store.saveSafetyEvent({ personId: 'p1', eventId: risk.eventId, at: risk.at, kind: 'risk', rule: 'risk:test' });
    await store.saveSafetyEvent({ personId: 'p1', eventId: 'SMdistress', at: risk.at, kind: 'distress', rule: 'distress:test' });
    await store.saveSafetyEvent({ personId: 'p1', eventId: 'SMold', at: '2027-01-10T00:00:00.000Z', kind: 'risk', rule: 'risk:test' });
    expect(await sweepCrisisAlerts(deps)).toEqual({ sent: 1, alreadySent: 0, busy: 0, failed: 0 });
    expect(await sweepCrisisAlerts(deps)).toEqual({ sent: 0, alreadySent: 1, busy: 0, failed: 0 });
    expect(email.sent).toHaveLength(1);
  });

  it('sweeps last month\'s flags too, early in a month', async () => {
    await store.saveSafetyEvent({ personId: 'p1', eventId: risk.eventId, at: '2027-01-31T23:30:00.000Z', kind: 'risk', rule: 'risk:test' });
    now = new Date('2027-02-01T00:10:00.000Z');
    expect((await sweepCrisisAlerts(deps)).sent).toBe(1);
  });
});

describe('weekly digest', () => {
  it('sends each counselor who wants it one email per live cohort per week, with figures and no names', async () => {
    await counselors.saveCounselor(counselor('org-a', 'c3', { weeklyDigest: false }));
    await counselors.saveCohort(cohort('org-a', 'k-old', 'Last year', true));
    await store.saveSafetyEvent({ personId: 'p1', eventId: risk.eventId, at: risk.at, kind: 'risk', rule: 'risk:test' });
    // Their yes took them into the cohort's figures, rebuilt from their records.
    await linkMember({ engagement, store, clock: { now: () => now }, library: shippedLibrary() }, { orgId: 'org-a', cohortId: 'k1', personId: 'p1' });
    expect(await sendWeeklyDigest(deps, 'org-a')).toEqual({ sent: 2, alreadySent: 0, busy: 0, failed: 0 });
    expect(email.sent.map((e) => `${e.to} ${e.subject}`).sort()).toEqual(['c1@org-a.example.org Weekly digest: Lagos alumni 2027', 'c2@org-a.example.org Weekly digest: Lagos alumni 2027']);
    const text = email.sent[0]!.text;
    expect(text).toContain('Members who said yes: 1; waiting for their yes: 0; opted out of a channel: 0');
    expect(text).toContain('Check-ins answered: no check-ins sent yet');
    expect(text).toContain('Flagged: 1 member (1 sent a crisis message)');
    expect(text).toContain('https://coach.example.test/dashboard/cohorts/k1');
    expect(text).not.toContain('Ngozi');
    expect(email.sent[0]!.messageId).toBe('digest#org-a#k1#2027-01-18#c1');

    // Again the same week: nothing. Next week: again.
    expect((await sendWeeklyDigest(deps, 'org-a')).alreadySent).toBe(2);
    now = new Date('2027-01-25T12:00:00.000Z');
    expect((await sendWeeklyDigest(deps, 'org-a')).sent).toBe(2);
    expect(email.sent).toHaveLength(4);
  });

  it('keeps going when one organisation fails', async () => {
    const broken: CounselorAlertDeps = {
      ...deps,
      counselors: { ...counselors, listCounselors: async (orgId: string) => (orgId === 'org-x' ? Promise.reject(new Error('boom')) : counselors.listCounselors(orgId)) } as CounselorStore,
    };
    const outcome = await sendWeeklyDigests(broken, ['org-x', 'org-a', 'org-b']);
    expect(outcome.orgsFailed).toBe(1);
    // org-a's two counselors; org-b has a counselor but its only cohort has nobody: no email about nothing.
    expect(outcome.sent).toBe(2);
    expect(email.sent.map((e) => e.to)).not.toContain('c9@org-b.example.org');
  });

  it('skips a cohort nobody is in yet, and writes to one whose members are all still to answer', async () => {
    await counselors.saveCohort(cohort('org-a', 'k-empty', 'Spring intake'));
    await counselors.saveCohort(cohort('org-a', 'k-waiting', 'Summer intake'));
    await seedPerson(store, person('p2', 'Ama'));
    await counselors.saveCohortMember({ orgId: 'org-a', cohortId: 'k-waiting', personId: 'p2', addedBy: 'c1', addedAt: T0, status: 'active', consent: { state: 'pending', at: T0 } });
    await sendWeeklyDigest(deps, 'org-a');
    const subjects = email.sent.filter((e) => e.to.startsWith('c1')).map((e) => e.subject).sort();
    expect(subjects).toEqual(['Weekly digest: Lagos alumni 2027', 'Weekly digest: Summer intake']);
    expect(email.sent.find((e) => e.subject.endsWith('Summer intake'))!.text).toContain('Members who said yes: 0; waiting for their yes: 1');
  });
});

describe('TALK alert', () => {
  const talk = { personId: 'p1', eventId: 'SMtalk0123456789abcdef0123456789ab', at: '2027-01-20T11:58:00.000Z', level: 'talk' as const };
  it('emails counselors with TALK alerts on (on unless turned off), not as a crisis, linking to the member page', async () => {
    await counselors.saveCounselor(counselor('org-a', 'c3', { talkAlerts: false }));
    expect((await alertCounselorsOfCrisis(deps, talk)).sent).toBe(2);
    expect(email.sent.map((e) => e.to).sort()).toEqual(['c1@org-a.example.org', 'c2@org-a.example.org']);
    const mail = email.sent[0]!;
    expect(mail.subject).toBe('Ngozi would like to talk');
    expect(mail.text).toContain('It is not a crisis alert.');
    expect(mail.text).toContain('https://coach.example.test/dashboard/cohorts/k1/members/p1');
    expect((await alertCounselorsOfCrisis(deps, talk)).alreadySent).toBe(2);
  });

  it('is swept like a crisis alert when it could not go at the time', async () => {
    await store.saveSafetyEvent({ personId: 'p1', eventId: talk.eventId, at: talk.at, kind: 'asked-to-talk' });
    expect((await sweepCrisisAlerts(deps)).sent).toBe(2);
    expect(email.sent.every((e) => e.subject === 'Ngozi would like to talk')).toBe(true);
  });
});
