import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { enroll } from '../../shared/app/scheduling/enroll';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import { previewSequence } from '../../shared/app/scheduling/preview';
import { specialtyTable } from '../../shared/content';
import { specialtyOf } from '../../shared/domain/specialty';

/**
 * The specialty a person names decides their application service and specialty notes: OB/GYN and
 * emergency medicine go through ResidencyCAS with its own dates, the others (and any specialty we
 * do not recognise) through ERAS; signal counts come from the data with their season.
 */

const library = shippedLibrary();
const table = specialtyTable();

const stepsFor = (specialty: string | undefined, sequenceId = 'season-deadlines') =>
  previewSequence(
    { library, now: new Date('2026-05-01T00:00:00Z') },
    { sequenceId, timeZone: 'Africa/Cairo', season: 2028, enrolledAt: '2026-12-07T08:00:00Z', ...(specialty ? { specialty } : {}) },
  ).lines;

describe('specialties', () => {
  it.each([
    ['OB/GYN', 'obstetrics-gynecology'],
    ['Obstetrics & Gynaecology', 'obstetrics-gynecology'],
    ['  emergency medicine ', 'emergency-medicine'],
    ['IM', 'internal-medicine'],
    ['Internal Medicine', 'internal-medicine'],
    ['Psych', 'psychiatry'],
  ])('recognises "%s" as %s', (words, id) => {
    expect(specialtyOf(words, table)?.id).toBe(id);
  });

  it.each([['internal medicine or family medicine'], ['something surgical'], ['']])('leaves "%s" unknown (the ERAS path)', (words) => {
    expect(specialtyOf(words, table)).toBeUndefined();
  });

  it('sends OB/GYN applicants ResidencyCAS steps with its dates, and no ERAS steps', () => {
    const ids = stepsFor('OB/GYN').map((l) => l.stepId);
    expect(ids).toEqual(expect.arrayContaining(['residencycas-opens-soon', 'residencycas-open', 'residencycas-documents', 'residencycas-deadline-7']));
    expect(ids.filter((id) => /eras|documents-|submission-|programs-review-soon/.test(id) && !id.startsWith('residencycas'))).toEqual([]);
    const opening = stepsFor('OB/GYN').find((l) => l.stepId === 'residencycas-opens-soon')!;
    // 2028 season: computed by rule (first Wednesday of June 2027; deadline three weeks after submission opens).
    expect(opening.text).toContain('obstetrics and gynecology go through ResidencyCAS');
    expect(opening.text).toContain('It opens on Wed 2 Jun.');
    // 23:59 Eastern on Wed 22 Sep is already Thursday morning in Cairo.
    expect(opening.text).toContain('the application deadline is Thu 23 Sep');
  });

  it('keeps anyone whose specialty is unknown on the ERAS path, with general words for signals', () => {
    const lines = stepsFor(undefined, 'pre-season');
    const ids = stepsFor(undefined).map((l) => l.stepId);
    expect(ids).toEqual(expect.arrayContaining(['myeras-opens-soon', 'eras-token']));
    expect(ids.some((id) => id.startsWith('residencycas'))).toBe(false);
    expect(lines.find((l) => l.stepId === 'pre-season-signals')!.text).toContain("for your specialty, the number in AAMC's current table");
  });

  it('gives the signal count of a known specialty, with the season of the table it comes from', () => {
    const signals = stepsFor('internal medicine', 'pre-season').find((l) => l.stepId === 'pre-season-signals')!;
    expect(signals.text).toContain("for internal medicine, 3 gold and 12 silver (AAMC's table for the 2025 season)");
    expect(stepsFor('OB/GYN', 'pre-season').some((l) => l.stepId === 'pre-season-signals')).toBe(false);
  });

  it('tells early-match specialties about their own match', () => {
    const note = stepsFor('urology').find((l) => l.stepId === 'early-match')!;
    expect(note.subject).toBe('urology: an early match with its own dates');
    expect(note.text).toContain('through the AUA Urology Residency Match');
    expect(stepsFor('internal medicine').some((l) => l.stepId === 'early-match')).toBe(false);
  });

  it('plans from the specialty a person gave when they enrolled', async () => {
    let now = new Date('2026-12-07T08:00:00Z');
    const store = createMemoryStore();
    const deps = { store, clock: { now: () => now }, library };
    const { personId, planned } = await enroll(deps, {
      email: 'nour@example.com', timeZone: 'Africa/Cairo', season: 2028, specialty: 'OB/GYN', sequenceId: 'season-deadlines',
    });
    expect(planned[0]!.profile).toMatchObject({ specialty: 'obstetrics-gynecology', applicationSystem: 'residencycas' });
    expect((await store.getPerson(personId))!.specialty).toBe('OB/GYN');
    now = new Date('2026-12-08T08:00:00Z');
    const messages = await store.listMessages(personId);
    expect(messages.every((m) => !['myeras-opens-soon', 'eras-token'].includes(m.stepId))).toBe(true);
  });
});
