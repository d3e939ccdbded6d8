import { applyPlanEdit, emptyPlan, nextDeadlines, PLAN_LIMITS, PlanEdit, planVisibleToCounselor, suggestedInternalDate, SUGGESTED_INTERNAL_DAYS, timeline, type EditContext, type Plan } from '../../shared/domain/plan';
import { renderTemplate, smsSegments } from '../../shared/domain/template';
import { sequenceLibrary } from '../../shared/content';

/** The plan's rules, pure: validation with clear reasons, limits, suggestions, reading back. */

const NOW = new Date('2027-01-04T04:00:00.000Z');
const ctx: EditContext = { now: NOW, zone: 'Asia/Kolkata', season: 2027, targetDates: { 'season:rol_deadline': '2027-03-03', 'date:step2_exam': '2026-09-10' } };
const apply = (plan: Plan, raw: unknown) => {
  const edit = PlanEdit.safeParse(raw);
  if (!edit.success) return { ok: false as const, field: String(edit.error.issues[0]!.path[0]), message: edit.error.issues[0]!.message };
  return applyPlanEdit(plan, edit.data, ctx);
};
const ok = (result: ReturnType<typeof apply>) => {
  if (!result.ok) throw new Error(`${result.field}: ${result.message}`);
  return result.plan;
};
const LOR = { op: 'add-deadline', title: 'Letter from Dr Rao', kind: 'documents', date: '2027-01-20' };

describe('suggested internal deadlines', () => {
  it('come from a small table by kind, shown and changeable', () => {
    expect(SUGGESTED_INTERNAL_DAYS).toEqual({ exam: 14, documents: 7, visa: 14, application: 7, other: 3 });
    expect(suggestedInternalDate('2027-01-20', 'documents')).toBe('2027-01-13');
    expect(suggestedInternalDate('2027-03-01', 'visa')).toBe('2027-02-15');
    expect(ok(apply(emptyPlan('p', NOW), LOR)).deadlines[0]!.internalDate).toBe('2027-01-13');
    expect(ok(apply(emptyPlan('p', NOW), { ...LOR, internalDate: '2027-01-18' })).deadlines[0]!.internalDate).toBe('2027-01-18');
  });
});

describe('validation: every rejection says why, and changes nothing', () => {
  const plan = ok(apply(emptyPlan('p', NOW), LOR));
  it.each([
    [{ ...LOR, title: '' }, 'title', 'A title is missing'],
    [{ ...LOR, title: 'x'.repeat(61) }, 'title', 'A title can be at most 60 characters'],
    [{ ...LOR, date: '2027-02-30' }, 'date', 'that date does not exist'],
    [{ ...LOR, date: '20/01/2027' }, 'date', 'use a date like 2027-01-20'],
    [{ ...LOR, date: '2024-12-31' }, 'date', 'For Match 2027, dates go from 2025-01-01 to 2027-12-31.'],
    [{ ...LOR, date: '2028-01-01' }, 'date', 'For Match 2027, dates go from 2025-01-01 to 2027-12-31.'],
    [{ ...LOR, kind: 'party' }, 'kind', 'Choose what kind of deadline this is.'],
    [{ ...LOR, time: '25:00' }, 'time', 'expected a local time like "09:30" (24-hour)'],
    [{ ...LOR, zone: 'Mars/Olympus' }, 'zone', 'unknown time zone: use an IANA name such as Asia/Kolkata or America/Chicago'],
    [{ ...LOR, zone: 'Asia/Kolkata' }, 'time', 'Give a time of day with a time zone, or leave both empty.'],
    [{ ...LOR, internalDate: '2027-01-21' }, 'internalDate', 'Your own finish line must come on or before the deadline.'],
    [{ ...LOR, op: 'update-deadline', id: 'd9' }, 'id', 'That deadline is no longer in your plan.'],
    [{ op: 'delete-deadline', id: 'd9' }, 'id', 'That deadline is no longer in your plan.'],
    [{ op: 'set-internal', target: 'season:rol_deadline', date: '2027-03-04' }, 'date', 'Your own finish line must come on or before the deadline.'],
    [{ op: 'set-internal', target: 'date:oet_exam', date: '2027-03-04' }, 'date', 'There is no date for OET Medicine exam yet.'],
    [{ op: 'set-internal', target: 'season:nonsense', date: '2027-03-04' }, 'target', expect.any(String)],
    [{ op: 'done-week-goal', n: 1 }, 'n', 'There are no goals for this week yet.'],
    [{ op: 'add-week-goal', text: 'x'.repeat(121) }, 'text', 'A goal can be at most 120 characters'],
    [{ op: 'launch' }, 'op', expect.any(String)],
  ])('%j -> %s', (edit, field, message) => {
    expect(apply(plan, edit)).toEqual({ ok: false, field, message });
  });

  it('holds at most the documented number of deadlines, goals and internal deadlines', () => {
    let p = emptyPlan('p', NOW);
    for (let i = 0; i < PLAN_LIMITS.deadlines; i++) p = ok(apply(p, LOR));
    expect(apply(p, LOR)).toEqual({ ok: false, field: 'title', message: 'A plan holds up to 20 deadlines. Delete one you no longer need first.' });
    for (let i = 0; i < PLAN_LIMITS.weekGoals; i++) p = ok(apply(p, { op: 'add-week-goal', text: `goal ${i}` }));
    expect(apply(p, { op: 'add-week-goal', text: 'one more' })).toEqual({ ok: false, field: 'text', message: 'A week holds up to 5 goals. Finish or remove one first.' });
    for (let i = 0; i < PLAN_LIMITS.longTermGoals; i++) p = ok(apply(p, { op: 'add-long-goal', text: `goal ${i}` }));
    expect(apply(p, { op: 'add-long-goal', text: 'one more' })).toEqual({ ok: false, field: 'text', message: 'A plan holds up to 5 long-term goals.' });
    expect(PLAN_LIMITS).toMatchObject({ deadlines: 20, internalDeadlines: 20, weekGoals: 5, longTermGoals: 5, titleChars: 60, goalChars: 120, dailyGoalChars: 80 });
  });

  it('never reuses a deadline id, so a new deadline never inherits an old one\'s messages', () => {
    let p = ok(apply(emptyPlan('p', NOW), LOR));
    p = ok(apply(p, { op: 'delete-deadline', id: 'd1' }));
    p = ok(apply(p, LOR));
    expect(p.deadlines.map((d) => d.id)).toEqual(['d2']);
  });

  it('cleans titles and goals of control characters and extra spaces', () => {
    const p = ok(apply(emptyPlan('p', NOW), { ...LOR, title: '  Letter\u0000 from\n\nDr   Rao ' }));
    expect(p.deadlines[0]!.title).toBe('Letter from Dr Rao');
  });
});

describe('reading the plan back', () => {
  it('a timeline of official, personal and own dates in order; the next three from now', () => {
    let p = ok(apply(emptyPlan('p', NOW), LOR));
    p = ok(apply(p, { op: 'add-deadline', title: 'Consulate', kind: 'visa', date: '2027-01-05', time: '08:00' }));
    const entries = timeline(p, 'Asia/Kolkata', [{ event: 'rol_deadline', label: 'ROL deadline', at: '2027-03-03T21:00:00.000-05:00' }], { step2_exam: '2026-09-10' });
    expect(entries.map((e) => [e.source, e.date, e.title])).toEqual([
      ['personal', '2026-09-10', 'USMLE Step 2 CK exam'],
      ['own', '2027-01-05', 'Consulate'],
      ['own', '2027-01-20', 'Letter from Dr Rao'],
      ['official', '2027-03-04', 'ROL deadline'],
    ]);
    expect(nextDeadlines(entries, NOW, 'Asia/Kolkata', 3).map((e) => e.title)).toEqual(['Consulate', 'Letter from Dr Rao', 'ROL deadline']);
  });

  it('a counselor sees the plan only when the person turned it on; off by default', () => {
    expect(planVisibleToCounselor({})).toBe(false);
    expect(planVisibleToCounselor({ showPlanToCounselor: false })).toBe(false);
    expect(planVisibleToCounselor({ showPlanToCounselor: true })).toBe(true);
  });
});

describe('plan-deadlines words', () => {
  it('every SMS fits one GSM-7 segment with the longest title and name', () => {
    const sequence = sequenceLibrary().get('plan-deadlines')!;
    const anchors = { own_deadline: '2027-01-20', target_deadline: '2027-01-20', internal_deadline: '2027-01-13' };
    for (const step of sequence.steps.filter((s) => s.sms)) {
      const text = renderTemplate(step.sms!.text, { firstName: 'Oluwaseun-Abimbola', title: 'x'.repeat(PLAN_LIMITS.titleChars), zone: 'UTC', sendAt: new Date('2027-01-12T00:00:00Z'), deadlineAt: new Date('2027-01-13T00:00:00Z'), anchors });
      expect({ step: step.id, ...smsSegments(text) }).toMatchObject({ step: step.id, encoding: 'GSM-7', segments: 1 });
    }
  });
});
