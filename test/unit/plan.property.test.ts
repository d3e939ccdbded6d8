import fc from 'fast-check';
import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemorySmsSender } from '../../shared/adapters/memory/memory-sms-sender';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import { enroll } from '../../shared/app/scheduling/enroll';
import { editPlan } from '../../shared/app/my-plan/plan';
import { setOutcome, updateProfile } from '../../shared/app/scheduling/replan';
import { ownDeadlineAnchors } from '../../shared/domain/plan';
import { PLAN_LIBRARY } from '../support/plan-replanning';

/**
 * Property: whatever sequence of plan edits a person makes, mixed with time passing
 * (the dispatcher sending what falls due), a zone change and outcome changes, on the memory twin
 * with real planning:
 * - nothing is planned for a deadline that is no longer in the plan (or for an ended enrollment);
 * - no step is planned twice, and no lane has more than one message waiting;
 * - what is waiting is planned from the deadline as it is now, not as it was;
 * - nothing is sent twice.
 */

jest.setTimeout(300_000);

const DATES = fc.integer({ min: 0, max: 120 }).map((d) => new Date(Date.UTC(2026, 11, 1) + d * 86_400_000).toISOString().slice(0, 10));
const KINDS = fc.constantFrom('exam', 'documents', 'visa', 'application', 'other');
const ID = fc.integer({ min: 1, max: 6 }).map((n) => `d${n}`);
const TARGET = fc.constantFrom('season:rol_deadline', 'season:nrmp_registration_deadline', 'season:ranking_opens');

const OP = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('add-deadline'), title: fc.constantFrom('Letter', 'DS-2019', 'OET booking'), kind: KINDS, date: DATES, time: fc.option(fc.constantFrom('09:00', '23:30'), { nil: undefined }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('update-deadline'), id: ID, title: fc.constant('Moved'), kind: KINDS, date: DATES, internalDate: fc.option(DATES, { nil: undefined }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete-deadline'), id: ID }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('set-internal'), target: TARGET, date: DATES }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clear-internal'), target: TARGET }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('add-week-goal'), text: fc.constant('40 questions') }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('pass-time'), days: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('zone'), zone: fc.constantFrom('Asia/Kolkata', 'America/Chicago', 'Africa/Lagos') }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('outcome'), outcome: fc.constantFrom('applying', 'withdrawn', 'matched') }) },
);

test('random plan edits never leave a message for a deleted deadline, nor two for one step', async () => {
  // The runs must really exercise what is checked: messages waiting, and messages sent.
  const seen = { waiting: 0, sent: 0, withdrawn: 0 };
  await fc.assert(
    fc.asyncProperty(fc.array(OP, { minLength: 1, maxLength: 14 }), async (ops) => {
      let now = new Date('2026-12-01T06:00:00.000Z');
      const store = createMemoryStore();
      const deps = {
        store, clock: { now: () => now }, library: PLAN_LIBRARY,
        email: createMemoryEmailSender(), sms: createMemorySmsSender(),
        settings: { leaseSeconds: 120, concurrency: 2, maxDurationMs: 30_000, postalAddress: 'Match Coach, 1 Test St' },
      };
      const dispatch = createDispatcher(deps);
      const { personId } = await enroll(deps, { email: 'a@example.com', phone: '+919812345678', timeZone: 'Asia/Kolkata', season: 2027 });
      for (const op of ops) {
        if (op.op === 'pass-time') {
          // Walk day by day so each alert goes out when due.
          for (let d = 0; d < op.days; d++) {
            now = new Date(now.getTime() + 86_400_000);
            await dispatch();
          }
        } else if (op.op === 'zone') await updateProfile(deps, personId, () => ({ timeZone: op.zone }));
        else if (op.op === 'outcome') await setOutcome(deps, personId, op.outcome);
        else await editPlan(deps, personId, op);

        const [plan, person, enrollments, messages] = await Promise.all([
          store.getPlan(personId), store.getPerson(personId), store.listEnrollments(personId), store.listMessages(personId),
        ]);
        const waiting = messages.filter((m) => m.status === 'planned' || m.status === 'claimed');
        const active = new Map(enrollments.filter((e) => e.status === 'active').map((e) => [e.enrollmentId, e]));
        for (const m of waiting) {
          // Planned only for a deadline still in the plan, through an active enrollment.
          expect(active.has(m.enrollmentId)).toBe(true);
          const own = /^plan-(d\d+)$/.exec(m.enrollmentId)?.[1];
          if (own) {
            const deadline = plan!.deadlines.find((d) => d.id === own);
            expect(deadline).toBeDefined();
            // From the deadline as it is now, in the zone the person has now.
            const anchors = ownDeadlineAnchors(deadline!, person!.timeZone);
            expect(m.anchors.own_deadline).toBe(anchors.own_deadline);
            expect(m.anchors.internal_deadline).toBe(anchors.internal_deadline);
            expect(m.zone).toBe(person!.timeZone);
          } else {
            const target = m.enrollmentId.replace(/^plan-season-/, 'season:');
            expect(plan!.internal[target as keyof NonNullable<typeof plan>["internal"]]).toBe(m.anchors.internal_deadline);
          }
        }
        const count = (keys: string[]) => Math.max(0, ...Object.values(keys.reduce<Record<string, number>>((c, k) => ({ ...c, [k]: (c[k] ?? 0) + 1 }), {})));
        expect(count(waiting.map((m) => `${m.enrollmentId} ${m.stepId}`))).toBeLessThanOrEqual(1);
        expect(count(waiting.map((m) => `${m.enrollmentId} ${m.channel}`))).toBeLessThanOrEqual(1);
        const sent = messages.filter((m) => m.status === 'sent');
        seen.waiting += waiting.length;
        seen.sent += sent.length;
        seen.withdrawn += messages.filter((m) => m.reason === 'replanned').length;
        expect(count(sent.map((m) => `${m.enrollmentId} ${m.stepId} ${m.channel}`))).toBeLessThanOrEqual(1);
      }
      expect(deps.sms.sent.length + deps.email.sent.length).toBe((await store.listMessages(personId)).filter((m) => m.status === 'sent').length);
    }),
    { numRuns: 60 },
  );
  expect(seen.waiting).toBeGreaterThan(0);
  expect(seen.sent).toBeGreaterThan(0);
  expect(seen.withdrawn).toBeGreaterThan(0);
});
