import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import type { Library } from '../../shared/app/scheduling/planning';
import { previewSequence, type PreviewInput, type PreviewLine } from '../../shared/app/scheduling/preview';
import { calendarData, poolLibrary, sequenceLibrary, specialtyTable } from '../../shared/content';
import { SEASON_ESTIMATES, type CalendarData } from '../../shared/domain/calendar';
import { SpecialtyTable } from '../../shared/domain/specialty';
import type { SequenceStep } from '../../shared/domain/sequence';
import type { Logger } from '../../shared/ports';
import specialtiesJson from '../../shared/content/specialties.json';

/**
 * The facts the coaching states, pinned one by one against what NRMP, ECFMG and AAMC say (the
 * sources are in the data), and the rule that every date or number stated as fact carries its
 * source and the day it was checked.
 */

const library = shippedLibrary();
const ANCHORS = {
  step1_exam: '2027-07-10', step2_exam: '2027-08-20', step3_exam: '2027-10-15', oet_exam: '2027-06-25', documents_due: '2027-08-25',
  own_deadline: '2027-09-20', target_deadline: '2027-09-20', internal_deadline: '2027-09-13',
};

function preview(input: Partial<PreviewInput> & { sequenceId: string }, lib: Library = library): { lines: PreviewLine[]; leftOut: string[] } {
  return previewSequence(
    { library: lib, now: new Date('2026-05-01T00:00:00Z') },
    { timeZone: 'Asia/Kolkata', season: 2027, includeHeld: true, enrolledAt: '2025-01-01T00:00:00Z', anchors: ANCHORS, ...input },
  );
}
const line = (lines: PreviewLine[], stepId: string, channel: 'email' | 'sms') => lines.find((l) => l.stepId === stepId && l.channel === channel)!;

/** Every piece of words in the library, with where it lives. */
function allWords(): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  const add = (where: string, words?: { text: string; subject?: string }) => {
    if (words) out.push({ where, text: `${words.subject ?? ''}\n${words.text}` });
  };
  for (const sequence of sequenceLibrary().values()) {
    for (const step of sequence.steps) {
      const where = `${sequence.id}/${step.id}`;
      for (const variant of [step, step.gentle, step.withPlan, step.ifDateUncertain]) {
        add(where, variant?.sms);
        add(where, variant?.email);
      }
    }
  }
  for (const pool of poolLibrary().values()) for (const item of pool.items) {
    add(`${pool.id}/${item.id}`, item.sms);
    add(`${pool.id}/${item.id}`, item.email);
  }
  return out;
}

/**
 * A number in digits next to a unit states a fact ("4-6 weeks", "2-year", "58 %", "$100"); our
 * own suggestions are written in words ("a week before"). Facts need a source.
 */
const STATED_FACT = /\b\d+(?:-\d+)?[ -](?:weeks?|months?|years?|business days|days)\b|\d+(?:\.\d+)?\s?%|\$\s?\d/;

describe('facts the coaching states', () => {
  it('never says NRMP registration closes: late registration stays open to the ROL deadline and keeps SOAP open', () => {
    const closing = allWords().filter((w) => /registration\s+(closes|will close|is closing|closed)/i.test(w.text) || /NRMP[^.]*\bcloses\b/i.test(w.text));
    expect(closing.map((w) => w.where)).toEqual([]);
    const { lines } = preview({ sequenceId: 'season-deadlines' });
    const fortnight = line(lines, 'nrmp-deadline-14', 'email');
    expect(fortnight.subject).not.toMatch(/close/i);
    expect(fortnight.text).toMatch(/late fee/);
    expect(fortnight.text).toMatch(/rank order list deadline/);
    expect(fortnight.text).toMatch(/SOAP/);
    expect(line(lines, 'nrmp-deadline-1', 'sms').text).toMatch(/late fee/);
  });

  it('computes what it says about US clocks from the real date clocks change, never from written words', () => {
    const clockWords = allWords().filter((w) => /summer time|daylight saving|clocks (have )?(just )?(moved|changed)/i.test(w.text));
    expect(clockWords.map((w) => w.where)).toEqual([]);
    const friday = (season: number, timeZone: string) => line(preview({ sequenceId: 'match-week', season, timeZone }).lines, 'friday-before-the-notice', 'email').text;
    // Sent on Friday 12 March 2027: US clocks change two days later, the day before the notice.
    expect(friday(2027, 'Asia/Kolkata')).toContain('US clocks move forward an hour on Sun 14 Mar, the day before, so 10:00 US Eastern on Mon 15 Mar will be 19:30 on your clock.');
    expect(friday(2028, 'Asia/Kolkata')).toContain('US clocks move forward an hour on Sun 12 Mar, the day before, so 10:00 US Eastern on Mon 13 Mar will be 19:30 on your clock.');
    expect(friday(2027, 'America/Chicago')).toContain('will be 09:00 on your clock');
    // In 2026 the change came a week before the notice: the email says it already happened.
    expect(friday(2026, 'Africa/Lagos')).toContain('US clocks moved forward an hour on Sun 8 Mar, so the gap to your clock may differ from last month: 10:00 US Eastern on Mon 16 Mar is 15:00 on your clock.');
  });

  it('names the J-1 actors and the Statement of Need as ECFMG does', () => {
    const son = allWords().filter((w) => /Statement of Need/.test(w.text));
    expect(son.length).toBeGreaterThan(3);
    for (const w of son) {
      expect([w.where, /home (country's )?Ministry|your Ministry of Health|home country's Ministry/i.test(w.text)]).toEqual([w.where, false]);
      if (/Ministry of Health/.test(w.text)) expect([w.where, /legal permanent residence/.test(w.text)]).toEqual([w.where, true]);
    }
    const starts = allWords().filter((w) => /sponsorship application/.test(w.text) && /J-1/.test(w.text));
    for (const w of starts) expect([w.where, /Start your ECFMG J-1 sponsorship application/.test(w.text)]).toEqual([w.where, false]);
    const { lines } = preview({ sequenceId: 'season-deadlines', visaTrack: 'j1' });
    expect(line(lines, 'j1-overview', 'email').text).toMatch(/Training Program Liaison starts the sponsorship application/);
    expect(line(preview({ sequenceId: 'matched-transition', visaTrack: 'j1' }).lines, 'j1-sponsorship', 'email').text).toMatch(/Training Program Liaison/);
  });

  it('does not say every university-affiliated hospital is exempt from the H-1B cap', () => {
    expect(allWords().filter((w) => /university-affiliated hospitals are cap-exempt/i.test(w.text)).map((w) => w.where)).toEqual([]);
    const capExempt = line(preview({ sequenceId: 'season-deadlines', visaTrack: 'h1b' }).lines, 'h1b-cap-exempt', 'email').text;
    expect(capExempt).toMatch(/non-profits that are related to or affiliated with a university/);
    expect(capExempt).toMatch(/not automatically/);
  });

  it('claims nobody reads or sees what a person writes unless it is so, and names the right weekday', () => {
    expect(allWords().filter((w) => /we read every|coach sees?\b|only you and your coach/i.test(w.text)).map((w) => w.where)).toEqual([]);
    // Every "<weekday> question" or "<weekday> check-in" goes out on that weekday, in every zone.
    const named = /\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) (question|check-in|reflection)\b/;
    const wrong: string[] = [];
    for (const sequence of sequenceLibrary().values()) {
      for (const timeZone of ['Asia/Kolkata', 'Pacific/Honolulu']) {
        for (const wellbeing of ['ok', 'struggling'] as const) {
          for (const l of preview({ sequenceId: sequence.id, timeZone, wellbeing }).lines) {
            const day = named.exec(l.text)?.[1];
            if (day && !l.local.startsWith(day.slice(0, 3))) wrong.push(`${sequence.id}/${l.stepId} on ${l.local}: ${day}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('no deadline vanishes', () => {
  it.each([2027, 2028])('every step of every track has its dates in %i (nothing left out, as preview --held shows)', (season) => {
    for (const sequence of sequenceLibrary().values()) expect([sequence.id, preview({ sequenceId: sequence.id, season }).leftOut]).toEqual([sequence.id, []]);
  });

  it('says a Pathway deadline that is not confirmed is not confirmed, and states a confirmed one', () => {
    const uncertain = (season: number) => preview({ sequenceId: 'season-deadlines', season }).lines.filter((l) => l.stepId.startsWith('pathway-'));
    for (const season of [2027, 2028]) {
      const lines = uncertain(season);
      expect(lines.map((l) => l.stepId).sort()).toEqual(['pathway-deadline-2', 'pathway-deadline-28', 'pathway-deadline-7']);
      for (const l of lines) expect([season, l.stepId, /not confirmed/.test(`${l.subject ?? ''} ${l.text}`)]).toEqual([season, l.stepId, true]);
    }
    const confirmed: CalendarData = {
      seasons: { ...calendarData().seasons, '2028': { ecfmg_pathway_deadline: { at: '2028-01-31T23:59', certainty: 'V', source: 'ECFMG notice' } } },
    };
    const stated = preview({ sequenceId: 'season-deadlines', season: 2028 }, { ...library, calendar: confirmed }).lines;
    expect(line(stated, 'pathway-deadline-7', 'sms').text).toContain('Tue 1 Feb, 10:29'); // 23:59 Eastern is the next morning in Kolkata
    expect(line(stated, 'pathway-deadline-7', 'sms').text).not.toMatch(/not confirmed/);
  });

  it('gives every step on a date that may be unknown the words for it', () => {
    const mayBeUnknown = new Set([...Object.keys(SEASON_ESTIMATES), 'ecfmg_pathway_deadline']);
    const missing: string[] = [];
    for (const sequence of sequenceLibrary().values()) {
      for (const step of sequence.steps) {
        const anchors = [step.schedule.type === 'once' ? step.schedule.anchor : step.schedule.from.anchor, step.deadline?.anchor];
        if (!anchors.some((a) => a && mayBeUnknown.has(a))) continue;
        for (const channel of step.channels) if (!step.ifDateUncertain?.[channel]) missing.push(`${sequence.id}/${step.id} ${channel}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('keeps the Pathway and OET apart: each has its own milestone', () => {
    const has = (done: ('oet' | 'pathway')[]) =>
      new Set(preview({ sequenceId: 'season-deadlines', done, includeHeld: false, enrolledAt: '2026-05-01T00:00:00Z' }).lines.map((l) => l.stepId));
    expect(has(['oet']).has('pathway-deadline-7')).toBe(true); // OET passed, Pathway application still to do
    expect(has(['oet']).has('oet-before-pathway')).toBe(false);
    expect(has(['pathway']).has('pathway-deadline-7')).toBe(false);
    expect(has([]).has('oet-before-pathway')).toBe(true);
    const personal = new Set(preview({ sequenceId: 'personal-plan', done: ['oet'], includeHeld: false, enrolledAt: '2026-05-01T00:00:00Z' }).lines.map((l) => l.stepId));
    expect(personal.has('oet-result-check')).toBe(true);
  });

  it('warns the operator in the dispatcher log about an unknown date once, not every minute', async () => {
    const warnings: { message: string; attributes?: Record<string, unknown> }[] = [];
    const log: Logger = { info() {}, error() {}, warn: (message, attributes) => warnings.push({ message, ...(attributes ? { attributes } : {}) }) };
    const store = createMemoryStore();
    const none = { async send() { return { status: 'sent' as const, providerId: 'x' }; } };
    const dispatch = createDispatcher({
      store, email: none, sms: none, clock: { now: () => new Date('2026-12-07T12:00:00Z') }, library, log,
      settings: { leaseSeconds: 60, concurrency: 1, maxDurationMs: 5_000, postalAddress: 'x' },
    });
    await dispatch();
    await dispatch();
    expect(warnings.map((w) => [w.message, w.attributes?.season, w.attributes?.event])).toEqual([
      ['season date unknown: planned against an estimate', 2028, 'ecfmg_pathway_deadline'],
    ]);
  });
});

describe('sources', () => {
  it('every step that states a duration, share or fee as fact says where it comes from and when that was checked', () => {
    const unsourced: string[] = [];
    const sourced = (step: SequenceStep) => (step.sources ?? []).every((s) => /^\d{4}-\d{2}-\d{2}$/.test(s.checked) && s.source.length > 3) && (step.sources?.length ?? 0) > 0;
    for (const sequence of sequenceLibrary().values()) {
      for (const step of sequence.steps) {
        const words = [step, step.gentle, step.withPlan, step.ifDateUncertain].flatMap((v) => [v?.sms?.text, v?.email?.text, v?.email?.subject]);
        if (words.some((t) => t && STATED_FACT.test(t)) && !sourced(step)) unsourced.push(`${sequence.id}/${step.id}`);
      }
    }
    expect(unsourced).toEqual([]);
    // Pool items carry no sources, so they state no facts of that kind.
    const poolFacts = [...poolLibrary().values()].flatMap((p) => p.items.filter((i) => STATED_FACT.test(`${i.sms.text} ${i.email?.text ?? ''}`)).map((i) => `${p.id}/${i.id}`));
    expect(poolFacts).toEqual([]);
  });

  it('the check itself catches an unsourced fact', () => {
    expect(STATED_FACT.test('ECFMG processing takes 4-6 weeks')).toBe(true);
    expect(STATED_FACT.test('a 2-year home-country residence requirement')).toBe(true);
    expect(STATED_FACT.test('set your own deadline a week before')).toBe(false);
    expect(STATED_FACT.test('breathe in for 4 counts, out for 6')).toBe(false);
  });

  it('every signal count and application service in the specialty data has its source, season and checked day', () => {
    const table = specialtyTable();
    for (const s of table.specialties) {
      if (s.signals) expect([s.id, s.signals.season >= 2025, /^\d{4}-\d{2}-\d{2}$/.test(s.signals.checked), s.signals.source.length > 3]).toEqual([s.id, true, true, true]);
    }
    const broken = structuredClone(specialtiesJson) as { specialties: { signals?: Record<string, unknown> }[] };
    delete broken.specialties[0]!.signals!.source;
    expect(SpecialtyTable.safeParse(broken).success).toBe(false);
    const casWithoutSource = structuredClone(specialtiesJson) as { specialties: Record<string, unknown>[] };
    for (const s of casWithoutSource.specialties) delete s.applicationSource;
    expect(JSON.stringify(SpecialtyTable.safeParse(casWithoutSource).error?.issues)).toContain('needs its source');
  });
});
