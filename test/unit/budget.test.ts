import { DateTime } from 'luxon';
import { CADENCES, chooseWeek, priorityOf, weekStartOf, type BudgetCandidate, type WeekContext } from '../../shared/domain/budget';
import type { Profile } from '../../shared/domain/model';
import { sequenceLibrary } from '../../shared/content';
import { PRIORITY_CLASSES } from '../../shared/domain/sequence';

/** The weekly budget's rules on hand-made weeks: what fits, what is dropped, and why. */

const ZONE = 'Africa/Lagos';
// Monday 7 December 2026 on a Lagos clock.
const MONDAY = DateTime.fromISO('2026-12-07T00:00', { zone: ZONE });
const at = (day: number, hour: number) => MONDAY.plus({ days: day, hours: hour }).toJSDate();
const profile = (over: Partial<Profile> = {}): WeekContext['profile'] => ({ wellbeing: 'ok', outcome: 'applying', ...over });
const week = (over: Partial<WeekContext> = {}): WeekContext => ({ profile: profile(), zone: ZONE, weekStart: MONDAY, deadlineWeek: false, ...over });

let n = 0;
const text = (priority: BudgetCandidate['priority'], day: number, hour = 12, sequenceId = 'some-track'): BudgetCandidate => ({
  key: `${sequenceId}/${priority}-${day}-${hour}-${n++}`,
  sequenceId,
  priority,
  group: 'text',
  sendAt: at(day, hour),
});
const email = (priority: BudgetCandidate['priority'], day: number): BudgetCandidate => ({ ...text(priority, day), group: 'email' });

/** A full applying week as the tracks plan it: goals Monday, self-care Tuesday and Friday, reflection Wednesday, practice Thursday, the Sunday exchange. */
const busyWeek = () => [
  text('own-plan', 0, 8),
  text('self-care', 1),
  text('reflection', 2, 19),
  text('reflection', 3, 18),
  text('self-care', 4, 17),
  text('check-in', 6, 18),
];

function reasons(decisions: ReturnType<typeof chooseWeek>, candidates: BudgetCandidate[]) {
  return candidates.map((c) => {
    const d = decisions.get(c.key)!;
    return `${c.priority}@${DateTime.fromJSDate(c.sendAt, { zone: ZONE }).toFormat('ccc')}:${d.fits ? 'fits' : d.reason}`;
  });
}

describe('the weekly budget', () => {
  it('keeps three routine texts of a standard week, most important first, and says why the rest were dropped', () => {
    const c = busyWeek();
    expect(reasons(chooseWeek(c, week()), c)).toEqual([
      'own-plan@Mon:fits',
      'self-care@Tue:budget:weekly-limit',
      'reflection@Wed:fits',
      'reflection@Thu:budget:weekly-limit',
      'self-care@Fri:budget:weekly-limit',
      'check-in@Sun:fits',
    ]);
  });

  it('keeps one on the lighter setting, and the promise each setting makes names its own number', () => {
    const c = busyWeek();
    const kept = [...chooseWeek(c, week({ profile: profile({ cadence: 'light' }) })).values()].filter((d) => d.fits);
    expect(kept).toHaveLength(1);
    for (const cadence of Object.values(CADENCES)) expect(cadence.promise).toContain(`${cadence.texts} text`);
  });

  it('gives way to deadlines: a week with two or more deadline alerts keeps one routine text and one routine email', () => {
    const c = [...busyWeek(), email('self-care', 2), email('guidance', 3)];
    const decisions = chooseWeek(c, week({ deadlineWeek: true }));
    expect(reasons(decisions, c)).toEqual([
      'own-plan@Mon:fits',
      'self-care@Tue:budget:deadline-week',
      'reflection@Wed:budget:deadline-week',
      'reflection@Thu:budget:deadline-week',
      'self-care@Fri:budget:deadline-week',
      'check-in@Sun:budget:deadline-week',
      'self-care@Wed:budget:deadline-week',
      'guidance@Thu:fits',
    ]);
  });

  it('keeps at most two routine texts while someone is struggling', () => {
    const c = busyWeek();
    const fits = [...chooseWeek(c, week({ profile: profile({ wellbeing: 'struggling' }) })).entries()].filter(([, d]) => d.fits);
    expect(fits).toHaveLength(2);
    expect(reasons(chooseWeek(c, week({ profile: profile({ wellbeing: 'struggling' }) })), c)).toContain('reflection@Wed:budget:struggling');
  });

  it('while struggling, only words for a hard stretch: a step without gentle words gives way even when there is room', () => {
    const c = [{ ...text('guidance', 1), gentle: false }, { ...text('self-care', 2), gentle: true }];
    expect(reasons(chooseWeek(c, week({ profile: profile({ wellbeing: 'struggling' }) })), c)).toEqual(['guidance@Tue:budget:struggling', 'self-care@Wed:fits']);
    expect(reasons(chooseWeek(c, week()), c)).toEqual(['guidance@Tue:fits', 'self-care@Wed:fits']);
  });

  it('makes the weekend one exchange: one routine text on Saturday and Sunday together', () => {
    const c = [text('reflection', 5, 17), text('check-in', 6, 18), text('self-care', 5, 10)];
    expect(reasons(chooseWeek(c, week()), c)).toEqual(['reflection@Sat:budget:weekend', 'check-in@Sun:fits', 'self-care@Sat:budget:weekend']);
  });

  it('counts what already went out this week before the plan was made', () => {
    const c = busyWeek();
    const spentKey = c[0]!.key;
    const decisions = chooseWeek(c, week({ spent: { texts: 2, emails: 0, weekendTexts: 0, keys: [spentKey] } }));
    expect(decisions.has(spentKey)).toBe(false);
    expect([...decisions.values()].filter((d) => d.fits)).toHaveLength(1);
  });

  it('after three silent weeks: one routine text a fortnight, counted from the week after the question; emails keep their own budget', () => {
    const heardAt = MONDAY.minus({ weeks: 4 }).toJSDate(); // the question went last Monday
    const onWeek = chooseWeek(busyWeek(), week({ heardAt }));
    const offWeek = chooseWeek(busyWeek(), week({ heardAt, weekStart: MONDAY.plus({ weeks: 1 }) }));
    expect([...onWeek.values()].filter((d) => d.fits)).toHaveLength(1);
    expect([...offWeek.values()].every((d) => !d.fits && d.reason === 'budget:no-reply')).toBe(true);
    const mail = [email('self-care', 1)];
    expect(chooseWeek(mail, week({ heardAt, weekStart: MONDAY.plus({ weeks: 1 }) })).get(mail[0]!.key)).toEqual({ fits: true });
    // Heard from two weeks ago: nothing is slowed down.
    const recent = chooseWeek(busyWeek(), week({ heardAt: MONDAY.minus({ weeks: 2 }).toJSDate() }));
    expect([...recent.values()].filter((d) => d.fits)).toHaveLength(3);
  });

  it('for 14 days after an unmatched result only the recovery path speaks; then the budget as usual', () => {
    const outcomeAt = at(-3, 12).toISOString();
    const c = [text('self-care', 1), text('own-plan', 2), text('check-in', 2, 19, 'unmatched-recovery'), text('guidance', 4, 12, 'unmatched-recovery')];
    const unmatched = profile({ outcome: 'unmatched', outcomeAt });
    expect(reasons(chooseWeek(c, week({ profile: unmatched })), c)).toEqual([
      'self-care@Tue:budget:after-unmatched',
      'own-plan@Wed:budget:after-unmatched',
      'check-in@Wed:fits',
      'guidance@Fri:fits',
    ]);
    const later = week({ profile: unmatched, weekStart: MONDAY.plus({ weeks: 2 }) });
    const laterCandidates = [text('self-care', 15)];
    expect(chooseWeek(laterCandidates, later).get(laterCandidates[0]!.key)).toEqual({ fits: true });
  });

  it('after Match Day with no outcome known, nothing that might assume one (goals, guidance, reflection); check-ins and self-care may go', () => {
    const c = [text('own-plan', 0, 8), text('reflection', 2, 19), text('check-in', 6, 18), text('self-care', 1)];
    const decisions = chooseWeek(c, week({ matchDayEnd: at(-3, 23) }));
    expect(reasons(decisions, c)).toEqual(['own-plan@Mon:budget:outcome-unknown', 'reflection@Wed:budget:outcome-unknown', 'check-in@Sun:fits', 'self-care@Tue:fits']);
  });

  it('decides the same way whatever order the lanes list their candidates in', () => {
    const c = busyWeek();
    const forward = chooseWeek(c, week());
    const backward = chooseWeek([...c].reverse(), week());
    expect([...backward].sort()).toEqual([...forward].sort());
  });

  it('weeks run Monday to Sunday on the person\'s own clock', () => {
    // Sunday 23:30 in Lagos is already Monday in Kolkata.
    const sunday = DateTime.fromISO('2026-12-13T23:30', { zone: ZONE }).toJSDate();
    expect(weekStartOf(sunday, ZONE).toISODate()).toBe('2026-12-07');
    expect(weekStartOf(sunday, 'Asia/Kolkata').toISODate()).toBe('2026-12-14');
  });
});

describe('priorities in the shipped library', () => {
  it('every step has a place in the order; deadline alerts and Match Week are outside the budget', () => {
    for (const sequence of sequenceLibrary().values()) {
      for (const step of sequence.steps) {
        const priority = priorityOf(sequence, step);
        expect(PRIORITY_CLASSES).toContain(priority);
        if (step.kind === 'deadline') expect([step.id, priority]).toEqual([step.id, 'deadline']);
        if (sequence.matchWeek) expect([step.id, priority]).toEqual([step.id, 'match-week']);
      }
    }
  });
});
