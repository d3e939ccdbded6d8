import { enroll } from '../../shared/app/scheduling/enroll';
import { editPlan } from '../../shared/app/my-plan/plan';
import type { Library } from '../../shared/app/scheduling/planning';
import { setOutcome, updateProfile } from '../../shared/app/scheduling/replan';
import { calendarData, sequenceLibrary } from '../../shared/content';
import { PLAN_SEQUENCE_ID } from '../../shared/domain/plan';
import type { Store } from '../../shared/ports';

/**
 * Re-planning on every kind of plan change, with exact expectations of what is due
 * when. One scenario, run on the memory twin (unit) and on DynamoDB Local (integration), so the
 * twin cannot pass where the table would not.
 *
 * The library is the shipped `plan-deadlines` sequence alone, so every pending message comes from
 * the plan. Planning keeps one message ahead per lane (enrollment x channel): the expectation is
 * that next message of each lane.
 */

export const PLAN_LIBRARY: Library = {
  sequences: new Map([[PLAN_SEQUENCE_ID, sequenceLibrary().get(PLAN_SEQUENCE_ID)!]]),
  pools: new Map(),
  calendar: calendarData(),
};

export function planWorld(store: Store, startIso: string) {
  let now = new Date(startIso);
  const deps = { store, clock: { now: () => now }, library: PLAN_LIBRARY };
  return {
    deps,
    at(iso: string) {
      now = new Date(iso);
    },
    /** A person with both channels confirmed, in Kolkata, Match 2027. */
    async person() {
      const { personId } = await enroll(deps, { email: 'asha@example.com', phone: '+919812345678', firstName: 'Asha', timeZone: 'Asia/Kolkata', season: 2027 });
      return personId;
    },
    edit: (personId: string, edit: object) => editPlan(deps, personId, edit),
    setOutcome: (personId: string, outcome: string) => setOutcome(deps, personId, outcome),
    setZone: (personId: string, timeZone: string) => updateProfile(deps, personId, () => ({ timeZone })),
    /** What is waiting to go out: "enrollment step channel sendAt deadlineAt", sorted. */
    async due(personId: string): Promise<string[]> {
      const messages = await store.listMessages(personId);
      return messages
        .filter((m) => m.status === 'planned' || m.status === 'claimed')
        .map((m) => `${m.enrollmentId} ${m.stepId} ${m.channel} ${m.sendAt} ${m.deadlineAt ?? '-'}${m.title ? ` "${m.title}"` : ''}`)
        .sort();
    },
    async messages(personId: string) {
      return store.listMessages(personId);
    },
  };
}

export function describePlanReplanning(name: string, makeStore: () => Promise<{ store: Store; teardown(): Promise<void> }>): void {
  describe(`plan re-planning: ${name}`, () => {
    let store: Store;
    let teardown: () => Promise<void>;
    beforeEach(async () => {
      ({ store, teardown } = await makeStore());
    });
    afterEach(async () => {
      await teardown();
    });

    // Kolkata is UTC+05:30 all year: 09:00 local is 03:30Z, 18:00 local is 12:30Z.
    const LOR = { op: 'add-deadline', title: 'Letter from Dr Rao', kind: 'documents', date: '2027-01-20' };

    test('an added deadline plans its internal and deadline alerts, each lane one ahead', async () => {
      const w = planWorld(store, '2026-12-01T06:00:00Z');
      const id = await w.person();
      expect(await w.due(id)).toEqual([]);
      expect(await w.edit(id, LOR)).toMatchObject({ status: 'saved', plan: { deadlines: [{ id: 'd1', internalDate: '2027-01-13' }] } });
      expect(await w.due(id)).toEqual([
        // Documents: the suggested finish line is 7 days ahead (13 Jan); email 3 days before it.
        'plan-d1 internal-in-three-days email 2027-01-10T03:30:00.000Z 2027-01-12T18:30:00.000Z "Letter from Dr Rao"',
        'plan-d1 internal-today sms 2027-01-13T03:30:00.000Z 2027-01-13T18:30:00.000Z "Letter from Dr Rao"',
      ]);
    });

    test('a moved deadline moves its alerts, before and after the own finish line', async () => {
      const w = planWorld(store, '2026-12-01T06:00:00Z');
      const id = await w.person();
      await w.edit(id, LOR);
      // Moved a week later, with the finish line chosen by the person (not the suggestion).
      await w.edit(id, { ...LOR, op: 'update-deadline', id: 'd1', date: '2027-01-27', internalDate: '2027-01-24' });
      expect(await w.due(id)).toEqual([
        'plan-d1 internal-in-three-days email 2027-01-21T03:30:00.000Z 2027-01-23T18:30:00.000Z "Letter from Dr Rao"',
        'plan-d1 internal-today sms 2027-01-24T03:30:00.000Z 2027-01-24T18:30:00.000Z "Letter from Dr Rao"',
      ]);
      // Time passes past the internal deadline; then the deadline moves by a day.
      w.at('2027-01-25T06:00:00Z');
      await w.edit(id, { ...LOR, op: 'update-deadline', id: 'd1', date: '2027-01-28', internalDate: '2027-01-24' });
      expect(await w.due(id)).toEqual([
        'plan-d1 deadline-in-three-days email 2027-01-25T03:30:00.000Z 2027-01-27T18:30:00.000Z "Letter from Dr Rao"',
        'plan-d1 deadline-tomorrow sms 2027-01-27T12:30:00.000Z 2027-01-27T18:30:00.000Z "Letter from Dr Rao"',
      ]);
    });

    test('a deleted deadline leaves nothing planned for it; the others stay', async () => {
      const w = planWorld(store, '2026-12-01T06:00:00Z');
      const id = await w.person();
      await w.edit(id, LOR);
      await w.edit(id, { op: 'add-deadline', title: 'DS-2019 appointment', kind: 'visa', date: '2027-02-15', time: '10:30', zone: 'Asia/Kolkata' });
      await w.edit(id, { op: 'delete-deadline', id: 'd1' });
      expect(await w.due(id)).toEqual([
        // Visa: 14 days ahead (1 Feb). The deadline itself is 10:30 local, 05:00Z.
        'plan-d2 internal-in-three-days email 2027-01-29T03:30:00.000Z 2027-01-31T18:30:00.000Z "DS-2019 appointment"',
        'plan-d2 internal-today sms 2027-02-01T03:30:00.000Z 2027-02-01T18:30:00.000Z "DS-2019 appointment"',
      ]);
      const withdrawn = (await w.messages(id)).filter((m) => m.enrollmentId === 'plan-d1');
      expect(withdrawn.map((m) => [m.status, m.reason])).toEqual([['skipped', 'replanned'], ['skipped', 'replanned']]);
      // A new deadline gets a new id: nothing of d1's history can stand in for it.
      await w.edit(id, LOR);
      expect((await w.due(id)).filter((line) => line.startsWith('plan-d3'))).toHaveLength(2);
    });

    test('a changed zone re-plans every alert on the new local clock', async () => {
      const w = planWorld(store, '2026-12-01T06:00:00Z');
      const id = await w.person();
      await w.edit(id, LOR);
      await w.setZone(id, 'America/Chicago');
      expect(await w.due(id)).toEqual([
        // Chicago in January is UTC-6: 09:00 local is 15:00Z; the day ends at 06:00Z next day.
        'plan-d1 internal-in-three-days email 2027-01-10T15:00:00.000Z 2027-01-13T06:00:00.000Z "Letter from Dr Rao"',
        'plan-d1 internal-today sms 2027-01-13T15:00:00.000Z 2027-01-14T06:00:00.000Z "Letter from Dr Rao"',
      ]);
    });

    test('a changed outcome ends the plan alerts for someone withdrawn, and brings them back', async () => {
      const w = planWorld(store, '2026-12-01T06:00:00Z');
      const id = await w.person();
      await w.edit(id, LOR);
      const before = await w.due(id);
      await w.setOutcome(id, 'withdrawn');
      expect(await w.due(id)).toEqual([]);
      // Matched people keep their own deadlines (a visa step matters most then).
      await w.setOutcome(id, 'matched');
      expect(await w.due(id)).toEqual(before);
    });

    test('an internal deadline on an official date alerts about that finish line only', async () => {
      const w = planWorld(store, '2026-12-01T06:00:00Z');
      const id = await w.person();
      const rol = await w.edit(id, { op: 'set-internal', target: 'season:rol_deadline', date: '2027-02-20' });
      expect(rol.status).toBe('saved');
      expect(await w.due(id)).toEqual([
        'plan-season-rol_deadline internal-in-three-days email 2027-02-17T03:30:00.000Z 2027-02-19T18:30:00.000Z "Rank order list certification deadline"',
        'plan-season-rol_deadline internal-today sms 2027-02-20T03:30:00.000Z 2027-02-20T18:30:00.000Z "Rank order list certification deadline"',
      ]);
      // The deadline is 23:59 Eastern on 3 March, which is 4 March in Kolkata: that day is allowed.
      expect((await w.edit(id, { op: 'set-internal', target: 'season:rol_deadline', date: '2027-03-04' })).status).toBe('saved');
      expect(await w.due(id)).toHaveLength(2);
      await w.edit(id, { op: 'clear-internal', target: 'season:rol_deadline' });
      expect(await w.due(id)).toEqual([]);
    });
  });
}
