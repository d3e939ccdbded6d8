import type { Attempt, Enrollment, JournalEntry, Message, Person, Profile, SafetyEvent } from '../../shared/domain/model';

/**
 * The records the Store contracts (store-contract.ts and one a port: people-contract.ts and the
 * others) write and read back: fixed instants, and builders that make one record with overrides.
 */

export const NOW = new Date('2027-03-01T12:00:00.000Z');
export const LEASE_END = new Date('2027-03-01T12:05:00.000Z');
export const RETRY_AT = new Date('2027-03-01T12:30:00.000Z');
export const MESSAGE_ID = 'e-1.step-1.0.sms';

/** An ISO instant `minutes` from NOW. */
export function at(minutes: number): string {
  return new Date(NOW.getTime() + minutes * 60_000).toISOString();
}

export function attempt(outcome: Attempt['outcome']): Attempt {
  return { at: NOW.toISOString(), outcome, detail: `${outcome} at the provider` };
}

export const PROFILE: Profile = {
  season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: ['step1'], wellbeing: 'ok',
};

/** Enough people that the table needs several batch reads and several transactions (an import). */
export const crowd = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const personId = `p-crowd-${String(n).padStart(4, '0')}`;
    return {
      person: person({ personId, email: `crowd${n}@example.com`, ...(n % 3 === 0 ? { phone: undefined } : { phone: `+9198${String(10_000_000 + n)}` }) }),
      enrollments: [enrollment({ personId, enrollmentId: `e-${n}-a` }), enrollment({ personId, enrollmentId: `e-${n}-b`, sequenceId: 'getting-started' })],
    };
  });

export function person(overrides: Partial<Person> = {}): Person {
  return {
    personId: 'p-asha',
    firstName: 'Asha',
    email: 'asha@example.com',
    phone: '+919812345678',
    timeZone: 'Asia/Kolkata',
    consent: {
      email: { state: 'confirmed', source: 'web', at: '2027-01-02T03:04:05.000Z', text: 'Email me reminders' },
      sms: { state: 'pending', source: 'operator', at: '2027-01-02T03:04:05.000Z', text: 'Text me reminders' },
    },
    quietHours: { start: '21:00', end: '08:00' },
    profile: PROFILE,
    createdAt: '2027-01-02T03:04:05.000Z',
    ...overrides,
  };
}

export function enrollment(overrides: Partial<Enrollment> = {}): Enrollment {
  return {
    personId: 'p-asha',
    enrollmentId: 'e-1',
    sequenceId: 'match-week',
    anchors: { matchDay: '2027-03-19', rankDeadline: '2027-03-03T21:00:00-05:00' },
    enrolledAt: '2027-01-02T03:04:05.000Z',
    status: 'active',
    ...overrides,
  };
}

export function message(overrides: Partial<Message> = {}): Message {
  const base: Message = {
    personId: 'p-asha',
    messageId: MESSAGE_ID,
    enrollmentId: 'e-1',
    sequenceId: 'match-week',
    stepId: 'step-1',
    channel: 'sms',
    to: '+919812345678',
    zone: 'Asia/Kolkata',
    firstName: 'Asha',
    profile: PROFILE,
    anchors: { matchDay: '2027-03-19' },
    quietHours: { start: '21:00', end: '08:00' },
    sendAt: at(-1),
    deadlineAt: at(120),
    status: 'planned',
    dueAt: at(-1),
    attempts: [],
    updatedAt: '2027-02-01T00:00:00.000Z',
  };
  // An explicit `undefined` in overrides means "leave the field out", as a stored record would.
  const merged: Record<string, unknown> = { ...base, ...overrides };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return merged as unknown as Message;
}

export function journal(overrides: Partial<JournalEntry> = {}): JournalEntry {
  return { personId: 'p-asha', entryId: 'SM' + '0'.repeat(32), at: at(0), kind: 'checkin', ...overrides };
}

export function safety(overrides: Partial<SafetyEvent> = {}): SafetyEvent {
  return { personId: 'p-asha', eventId: 'SM' + '0'.repeat(32), at: at(0), kind: 'risk', rule: 'risk:kill-self', ...overrides };
}

export const JOURNAL_FIELDS = ['personId', 'entryId', 'at', 'kind', 'text', 'inReplyTo', 'response', 'safety'];
export const SAFETY_FIELDS = ['personId', 'eventId', 'at', 'kind', 'rule', 'by'];

export const PERSON_FIELDS = ['personId', 'firstName', 'email', 'phone', 'timeZone', 'consent', 'quietHours', 'profile', 'recentScores', 'createdAt',
  // Email subscription
  'specialty', 'showPlanToCounselor'];
export const ENROLLMENT_FIELDS = ['personId', 'enrollmentId', 'sequenceId', 'anchors', 'enrolledAt', 'status'];
export const MESSAGE_FIELDS = [
  'personId', 'messageId', 'enrollmentId', 'sequenceId', 'stepId', 'channel', 'to', 'zone', 'firstName', 'profile', 'anchors',
  'quietHours', 'sendAt',
  'deadlineAt', 'status', 'dueAt', 'lease', 'attempts', 'providerId', 'reason', 'updatedAt', 'delivery', 'urgent',
];

/** Storage attributes (pk, sk, due keys, TTL) must never leak into what callers get. */
export function expectDomainShape(value: object | undefined, allowed: readonly string[]): void {
  expect(value).toBeDefined();
  const extra = Object.keys(value!).filter((key) => !allowed.includes(key));
  expect(extra).toEqual([]);
}
