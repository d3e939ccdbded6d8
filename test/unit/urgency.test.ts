import { sequenceLibrary } from '../../shared/content';
import { isUrgent } from '../../shared/domain/urgency';

/** Which steps of the shipped library go first when the providers' budget is short. */
describe('urgency', () => {
  const sequences = sequenceLibrary();
  const urgentSteps = (id: string) => sequences.get(id)!.steps.filter((step) => isUrgent(sequences.get(id)!, step)).map((s) => s.id);

  it('every Match Week step is urgent', () => {
    const matchWeek = sequences.get('match-week')!;
    expect(matchWeek.steps.length).toBeGreaterThan(0);
    expect(urgentSteps('match-week')).toEqual(matchWeek.steps.map((s) => s.id));
  });

  it('every deadline alert is urgent, in every sequence', () => {
    for (const sequence of sequences.values()) {
      for (const step of sequence.steps.filter((s) => s.kind === 'deadline')) expect(isUrgent(sequence, step)).toBe(true);
    }
  });

  it('routine nudges and reflections are not; a steady step with a deadline is', () => {
    const plain = { matchWeek: false };
    expect(isUrgent(plain, { kind: 'nudge' })).toBe(false);
    expect(isUrgent(plain, { kind: 'reflection' })).toBe(false);
    expect(isUrgent(plain, { kind: 'nudge', tone: 'steady' })).toBe(false);
    expect(isUrgent(plain, { kind: 'checkin' })).toBe(false);
    const deadline = { anchor: 'match_day', offsetDays: 0 };
    expect(isUrgent(plain, { kind: 'checkin', deadline })).toBe(true);
    expect(isUrgent(plain, { kind: 'nudge', tone: 'steady', deadline })).toBe(true);
    expect(isUrgent(plain, { kind: 'nudge', tone: 'upbeat', deadline })).toBe(false);
    expect(urgentSteps('self-care')).toEqual([]);
  });
});
