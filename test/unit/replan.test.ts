import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import { enroll } from '../../shared/app/scheduling/enroll';
import type { Library } from '../../shared/app/scheduling/planning';
import { correctCalendarDate, recordCheckinScore, replanPerson, setOutcome } from '../../shared/app/scheduling/replan';
import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemorySmsSender } from '../../shared/adapters/memory/memory-sms-sender';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { calendarData } from '../../shared/content';
import { mergeCalendar } from '../../shared/domain/calendar';
import { ContentPool, Sequence } from '../../shared/domain/sequence';

/** Re-planning and routing on memory twins, with a small library written for the test. */

const sms = (id: string, schedule: object, extra: object = {}) => ({ id, kind: 'nudge', channels: ['sms'], schedule, sms: { text: `${id} text` }, ...extra });

// Routing and eligibility only: every step here is outside the weekly budget ('service'), which
// has its own tests (budget.test.ts, weekly-budget.test.ts, the personas).
const seasonTrack = Sequence.parse({
  id: 'season', name: 'season', autoEnroll: true, priority: 'service', audience: { outcomes: ['applying'] },
  steps: [
    sms('rol-3-days', { type: 'once', anchor: 'rol_deadline', offsetDays: -3, at: '09:00' }, { kind: 'deadline', deadline: { anchor: 'rol_deadline' } }),
    sms('j1-only', { type: 'once', anchor: 'enrolled', offsetDays: 1, at: '10:00' }, { audience: { visaTracks: ['j1'] } }),
    sms('h1b-only', { type: 'once', anchor: 'enrolled', offsetDays: 1, at: '11:00' }, { audience: { visaTracks: ['h1b'] } }),
    sms('unless-step3', { type: 'once', anchor: 'enrolled', offsetDays: 1, at: '12:00' }, { audience: { unlessDone: ['step3'] } }),
    sms('cheer-in-match-week', { type: 'once', anchor: 'match_week_monday', offsetDays: 1, at: '12:00' }),
    sms('steady-in-match-week', { type: 'once', anchor: 'match_week_monday', offsetDays: 1, at: '13:00' }, { tone: 'steady' }),
    sms('weekly-care', { type: 'weekly', weekday: 'wed', at: '12:30', from: { anchor: 'enrolled' }, until: { anchor: 'match_day' } }, {
      sms: undefined, pool: { name: 'care' }, gentle: { pool: { name: 'gentle' } },
    }),
    sms('upbeat-no-gentle', { type: 'weekly', weekday: 'fri', at: '12:30', from: { anchor: 'enrolled' }, until: { anchor: 'match_day' } }),
  ],
});
const unmatchedTrack = Sequence.parse({
  id: 'unmatched', name: 'unmatched', autoEnroll: true, priority: 'service', audience: { outcomes: ['unmatched'] },
  steps: [sms('acknowledge', { type: 'once', anchor: 'match_day', offsetDays: 1, at: '18:00' }, { tone: 'steady' })],
});
const pool = (id: string, n: number) =>
  ContentPool.parse({ id, items: Array.from({ length: n }, (_, i) => ({ id: `${id}-${i}`, theme: 'care', sms: { text: `${id} item ${i}` } })) });

const library: Library = {
  sequences: new Map([[seasonTrack.id, seasonTrack], [unmatchedTrack.id, unmatchedTrack]]),
  pools: new Map([['care', pool('care', 26)], ['gentle', pool('gentle', 12)]]),
  calendar: calendarData(),
};

function world(startIso: string) {
  let now = new Date(startIso);
  const store = createMemoryStore();
  const deps = {
    store, clock: { now: () => now }, library,
    email: createMemoryEmailSender(), sms: createMemorySmsSender(),
    settings: { leaseSeconds: 120, concurrency: 2, maxDurationMs: 30_000, postalAddress: 'Match Coach, 1 Test St' },
  };
  return {
    deps, store, at: (iso: string) => { now = new Date(iso); },
    dispatch: createDispatcher(deps),
    enroll: (over: object = {}) => enroll(deps, { phone: '+919812345678', timeZone: 'Asia/Kolkata', season: 2027, visaTrack: 'j1', ...over }),
    planned: async (personId: string) => (await store.listMessages(personId)).filter((m) => m.status === 'planned'),
  };
}

/** Every step the person would get from now, by walking planning without sending. */
async function plannedSteps(w: ReturnType<typeof world>, personId: string, until: string) {
  const steps: string[] = [];
  for (let i = 0; i < 500; i++) {
    const [due] = await w.store.listDueMessages(new Date(until), 1);
    if (!due) break;
    w.at(new Date(Date.parse(due.dueAt) + 1000).toISOString());
    await w.dispatch();
  }
  for (const m of await w.store.listMessages(personId)) if (m.status === 'sent') steps.push(m.stepId);
  return steps;
}

describe('who gets what', () => {
  it('sends steps only to the profiles they are for', async () => {
    const w = world('2027-01-10T04:00:00Z');
    const { personId } = await w.enroll({ done: ['step3'] });
    const steps = await plannedSteps(w, personId, '2027-01-12T00:00:00Z');
    expect(steps).toContain('j1-only');
    expect(steps).not.toContain('h1b-only');
    expect(steps).not.toContain('unless-step3');
  });

  it('holds upbeat steps back during Match Week, never steady ones', async () => {
    const w = world('2027-03-10T04:00:00Z');
    const { personId } = await w.enroll();
    const steps = await plannedSteps(w, personId, '2027-03-19T00:00:00Z');
    expect(steps).toContain('steady-in-match-week');
    expect(steps).not.toContain('cheer-in-match-week');
    expect(steps.filter((s) => s === 'upbeat-no-gentle')).toHaveLength(1); // the Friday before, not Match Day
  });

  it('rotates pool content so that no item repeats within the pool’s length in weeks', async () => {
    const w = world('2026-08-01T04:00:00Z');
    const { personId } = await w.enroll();
    await plannedSteps(w, personId, '2027-03-01T00:00:00Z');
    const bodies = w.deps.sms.sent.filter((s) => s.body.startsWith('care item')).map((s) => s.body);
    expect(bodies.length).toBeGreaterThan(26);
    for (let i = 0; i < bodies.length; i++) expect(bodies.slice(i + 1, i + 26)).not.toContain(bodies[i]);
  });
});

describe('re-planning', () => {
  it('two low check-ins in a row: gentler words, upbeat nudges without them held back; a good score restores', async () => {
    const w = world('2027-01-04T04:00:00Z');
    const { personId } = await w.enroll();
    expect(await recordCheckinScore(w.deps, personId, 2)).toEqual({ wellbeing: 'ok', changed: false });
    expect(await recordCheckinScore(w.deps, personId, 1)).toEqual({ wellbeing: 'struggling', changed: true });
    let steps = await plannedSteps(w, personId, '2027-01-20T00:00:00Z');
    expect(steps).toContain('weekly-care');
    expect(steps).not.toContain('upbeat-no-gentle');
    expect(w.deps.sms.sent.filter((s) => s.body.startsWith('gentle item')).length).toBeGreaterThan(1);
    expect(w.deps.sms.sent.some((s) => s.body.startsWith('care item'))).toBe(false);
    expect(await recordCheckinScore(w.deps, personId, 4)).toEqual({ wellbeing: 'ok', changed: true });
    steps = await plannedSteps(w, personId, '2027-02-05T00:00:00Z');
    expect(steps).toContain('upbeat-no-gentle');
  });

  it('an outcome moves a person between tracks; nothing already sent goes again', async () => {
    const w = world('2027-03-01T04:00:00Z');
    const { personId } = await w.enroll();
    await plannedSteps(w, personId, '2027-03-10T00:00:00Z');
    const sentBefore = w.deps.sms.sent.length;
    w.at('2027-03-15T15:00:00Z');
    const routed = await setOutcome(w.deps, personId, 'unmatched');
    expect(routed.ended).toEqual(['season']);
    expect(routed.started).toEqual(['unmatched']);
    const steps = await plannedSteps(w, personId, '2027-04-01T00:00:00Z');
    expect(steps).toContain('acknowledge');
    expect(w.deps.sms.sent.slice(sentBefore).every((s) => s.body === 'acknowledge text')).toBe(true);
    await expect(setOutcome(w.deps, personId, 'lost')).rejects.toMatchObject({ code: 'validation' });
  });

  it('re-planning twice in a row leaves one message per lane and sends nothing twice', async () => {
    const w = world('2027-01-04T04:00:00Z');
    const { personId } = await w.enroll();
    await replanPerson(w.deps, personId);
    await replanPerson(w.deps, personId);
    expect(await w.planned(personId)).toHaveLength(1);
    const steps = await plannedSteps(w, personId, '2027-01-20T00:00:00Z');
    expect(new Set(w.deps.sms.sent.map((s) => s.messageId)).size).toBe(w.deps.sms.sent.length);
    expect(steps.length).toBe(w.deps.sms.sent.length);
  });

  it('a corrected calendar date moves the alerts of everyone in that season', async () => {
    const w = world('2027-02-01T04:00:00Z');
    const a = await w.enroll();
    const b = await w.enroll({ phone: '+923001234567', timeZone: 'Asia/Karachi' });
    const other = await w.enroll({ phone: '+13125550147', timeZone: 'America/Chicago', season: 2028 });
    const rolAlert = async (personId: string) => (await w.store.listMessages(personId)).find((m) => m.stepId === 'rol-3-days' && m.status === 'planned');
    // Walk past everything before the alert so that the alert is the lane's next message.
    await plannedSteps(w, a.personId, '2027-02-27T00:00:00Z');
    expect((await rolAlert(a.personId))?.sendAt).toBe('2027-03-01T03:30:00.000Z'); // 21:00 ET on 3 Mar is 4 Mar in Kolkata: 09:00 three days before
    const { replanned } = await correctCalendarDate(w.deps, { season: 2027, event: 'rol_deadline', entry: { at: '2027-03-05T21:00', certainty: 'V', source: 'test' } });
    expect(replanned).toBe(2);
    // The dispatcher reads corrections once per tick, so future planning uses the new date too.
    w.deps.library = { ...library, calendar: mergeCalendar(calendarData(), await w.store.getCalendarOverrides()) };
    expect((await rolAlert(a.personId))?.sendAt).toBe('2027-03-03T03:30:00.000Z');
    expect((await rolAlert(b.personId))?.sendAt).toBe('2027-03-03T04:00:00.000Z');
    expect(await rolAlert(other.personId)).toBeUndefined();
    await expect(correctCalendarDate(w.deps, { season: 2027, event: 'rol_deadline', entry: { at: 'March 5', certainty: 'V', source: 'x' } })).rejects.toMatchObject({ code: 'validation' });
  });
});

describe('the same person enrolled twice at once', () => {
  it('joins each new track once and plans each message once', async () => {
    const w = world('2027-03-20T04:00:00Z');
    const { personId } = await w.enroll();
    // Both calls read the person's tracks before either writes: a random id per call made two.
    const [a, b] = await Promise.all([w.enroll({ outcome: 'unmatched' }), w.enroll({ outcome: 'unmatched' })]);
    expect(a.enrollments).toEqual(b.enrollments);
    const active = (await w.store.listEnrollments(personId)).filter((e) => e.status === 'active').map((e) => e.sequenceId);
    expect(active.sort()).toEqual(['season', 'unmatched']);
    const planned = await w.planned(personId);
    expect(planned.map((m) => m.stepId)).toContain('acknowledge');
    expect(new Set(planned.map((m) => `${m.sequenceId}.${m.stepId}.${m.channel}`)).size).toBe(planned.length);
  });

  it('a later re-enrollment, after the track ended, gets an id of its own', async () => {
    const w = world('2027-03-20T04:00:00Z');
    const { personId, enrollments: [first] } = await w.enroll({ sequenceId: 'unmatched' });
    const stored = (await w.store.listEnrollments(personId)).find((e) => e.enrollmentId === first!.enrollmentId)!;
    await w.store.saveEnrollment({ ...stored, status: 'ended' });
    const { enrollments: [again] } = await w.enroll({ sequenceId: 'unmatched' });
    expect(again!.enrollmentId).not.toBe(first!.enrollmentId);
    expect(again!.enrollmentId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
