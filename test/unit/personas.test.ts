import { DateTime } from 'luxon';
import { simulateSeason, type SeasonWalk, type SimulatedSend } from '../../shared/tools/simulation';
import { BUDGET_REASONS, CADENCES, STRUGGLING_TEXTS, inBudget, weekIdOf, weekStartOf } from '../../shared/domain/budget';
import { personaLibrary, sequenceLibrary, specialtyTable } from '../../shared/content';
import { specialtyProfile } from '../../shared/domain/specialty';
import type { Persona } from '../../shared/content/persona';
import { computeSeasonRules, seasonEnd } from '../../shared/domain/calendar';
import { audienceAllows } from '../../shared/domain/eligibility';
import type { Profile } from '../../shared/domain/model';
import { isInQuietHours } from '../../shared/domain/schedule';
import { report } from '../support/report';

/**
 * Persona walk-throughs: each example applicant is taken through a whole season by the real
 * engine (enroll, dispatcher, re-planning on outcome changes) on memory twins.
 */

jest.setTimeout(60_000);
const TWELVE_WEEKS = 12 * 7 * 86_400_000;
const walks = new Map<string, SeasonWalk>();
const persona = (id: string) => personaLibrary().find((p) => p.id === id)!;

beforeAll(async () => {
  for (const p of personaLibrary()) walks.set(p.id, await simulateSeason(p, { until: seasonEnd(p.profile.season) }));
});

/** Which weeks a send falls in, on the persona's own clock (Monday to Sunday). */
const weekOf = (p: Persona, at: Date) => weekIdOf(at, p.timeZone);
const isRoutineText = (s: SimulatedSend) => s.channel === 'sms' && s.priority !== undefined && inBudget(s.priority);

/** When the persona's outcome became unmatched (the web form or a text), if it did. */
function unmatchedAt(walk: SeasonWalk): Date | undefined {
  const at = walk.sends.find((s) => s.profile.outcome === 'unmatched')?.profile.outcomeAt;
  return at ? new Date(at) : undefined;
}

describe.each(personaLibrary().map((p) => [p.id, p] as const))('persona %s', (id, p) => {
  const walk = () => walks.get(id)!;

  it('is welcomed within minutes of joining, by email and (outside quiet hours) by text', () => {
    const joined = Date.parse(p.enrolledAt);
    const email = walk().sends.find((s) => s.stepId === 'welcome-email')!;
    const text = walk().sends.find((s) => s.stepId === 'welcome-text')!;
    expect(email.at.getTime() - joined).toBeLessThanOrEqual(5 * 60_000);
    const textDelay = text.at.getTime() - joined;
    // Within minutes, unless quiet hours held it to their morning.
    if (textDelay > 5 * 60_000) expect(isInQuietHours(new Date(joined + 2 * 60_000), p.timeZone)).toBe(true);
    expect(walk().sends.filter((s) => s.sequenceId === 'welcome')).toHaveLength(2);
  });

  it('never goes over the weekly budget, and says how many routine texts a week it sent', () => {
    const limit = CADENCES[p.cadence ?? 'standard'].texts;
    const perWeek = new Map<string, number>();
    const struggling = new Map<string, number>();
    for (const s of walk().sends.filter(isRoutineText)) {
      const week = weekOf(p, s.at);
      perWeek.set(week, (perWeek.get(week) ?? 0) + 1);
      if (s.profile.wellbeing === 'struggling') struggling.set(week, (struggling.get(week) ?? 0) + 1);
    }
    const counts = [...perWeek.values()].sort((a, b) => a - b);
    const texts = walk().sends.filter((s) => s.channel === 'sms').length;
    report(
      `persona ${id}: ${walk().sends.length} messages, ${texts} texts; routine texts a week (weeks with any): median ${counts[Math.floor(counts.length / 2)] ?? 0}, max ${counts.at(-1) ?? 0}; weeks over budget: ${[...perWeek.values()].filter((n) => n > limit).length}\n`,
    );
    expect([...perWeek].filter(([, n]) => n > limit)).toEqual([]);
    expect([...struggling].filter(([, n]) => n > STRUGGLING_TEXTS)).toEqual([]);
  });

  it('makes the weekend one exchange: at most one routine text on Saturday and Sunday', () => {
    const weekend = new Map<string, number>();
    for (const s of walk().sends.filter(isRoutineText)) {
      if (DateTime.fromJSDate(s.at, { zone: p.timeZone }).weekday < 6) continue;
      weekend.set(weekOf(p, s.at), (weekend.get(weekOf(p, s.at)) ?? 0) + 1);
    }
    expect([...weekend].filter(([, n]) => n > 1)).toEqual([]);
  });

  it('sends no goal, study or self-care prompt in the 14 days after an unmatched result', () => {
    const at = unmatchedAt(walk());
    if (!at) return;
    const soon = walk().sends.filter((s) => s.at >= at && s.at.getTime() < at.getTime() + 14 * 86_400_000 && isRoutineText(s) && s.sequenceId !== 'unmatched-recovery');
    expect(soon.map((s) => `${s.sequenceId}/${s.stepId}`)).toEqual([]);
  });

  it('assumes nothing that is not so: no stand-in name, no counselor they do not have, no goals they never set, no result we were not told', () => {
    for (const s of walk().sends) {
      const body = s.text.split('\n\n--\n')[0]!;
      // The old stand-in for a missing name: "Hi there," or "there, your exam...".
      expect([s.stepId, /^there\b|\b(?:hi|hello|morning|evening),? there\b|, there[,.!]/i.test(body)]).toEqual([s.stepId, false]);
      expect([s.stepId, /your counselor/i.test(body)]).toEqual([s.stepId, false]);
      // The personas set no goals: nothing may speak of their goals as if they had.
      expect([s.stepId, /(?:this week's|your|how did your) goals/i.test(body)]).toEqual([s.stepId, false]);
    }
    const matchDay = computeSeasonRules(p.profile.season).match_day!.endOf('day').toJSDate();
    const assuming = walk().sends.filter((s) => s.at > matchDay && s.profile.outcome === 'applying' && isRoutineText(s) && ['own-plan', 'guidance', 'reflection'].includes(s.priority!));
    expect(assuming.map((s) => `${s.sequenceId}/${s.stepId}`)).toEqual([]);
  });

  it('never texts in quiet hours', () => {
    const late = walk().sends.filter((s) => s.channel === 'sms' && isInQuietHours(s.at, p.timeZone));
    expect(late.map((s) => `${s.sequenceId}/${s.stepId} ${s.at.toISOString()}`)).toEqual([]);
  });

  it('never sends an alert after its deadline', () => {
    const stale = walk().sends.filter((s) => s.deadlineAt && s.at >= s.deadlineAt);
    expect(stale.map((s) => `${s.sequenceId}/${s.stepId}`)).toEqual([]);
  });

  it('sends nothing that does not apply to the persona at that moment', () => {
    const sequences = sequenceLibrary();
    const wrong = walk().sends.filter((s) => {
      const sequence = sequences.get(s.sequenceId)!;
      const step = sequence.steps.find((x) => x.id === s.stepId)!;
      const profile = { ...s.profile, ...specialtyProfile(p.specialty, specialtyTable()), wellbeing: 'ok' as const } as Profile;
      return !audienceAllows(sequence.audience, profile) || !audienceAllows(step.audience, profile);
    });
    expect(wrong.map((s) => `${s.sequenceId}/${s.stepId} ${s.at.toISOString()}`)).toEqual([]);
  });

  it('never sends a message twice, nor the same words twice within twelve weeks', () => {
    const ids = walk().sends.map((s) => s.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    const lastSeen = new Map<string, Date>();
    const repeats: string[] = [];
    // The Monday summary repeats the person's own answers (a 4 two weeks running reads the same): not rotation.
    for (const s of walk().sends.filter((x) => x.stepId !== 'weekly-summary')) {
      const words = `${s.channel}:${s.subject ?? ''}:${s.text.split('\n\n--\n')[0]}`;
      const before = lastSeen.get(words);
      if (before && s.at.getTime() - before.getTime() < TWELVE_WEEKS) repeats.push(`${s.sequenceId}/${s.stepId}`);
      lastSeen.set(words, s.at);
    }
    expect(repeats).toEqual([]);
  });

  it('records why the budget dropped what it dropped', () => {
    const dropped = walk().messages.filter((m) => m.status === 'skipped' && m.reason?.startsWith('budget:'));
    for (const m of dropped) expect(Object.keys(BUDGET_REASONS)).toContain(m.reason);
  });
});

describe('the tracks each persona takes', () => {
  const steps = (id: string) => walks.get(id)!.sends.map((s) => `${s.sequenceId}/${s.stepId}`);

  it('the Lagos applicant gets SOAP support, a steady Match Day and then the unmatched path, never the matched one', () => {
    const lagos = steps('usimg-lagos-soap');
    expect(lagos.filter((s) => s.startsWith('match-week/soap')).length).toBeGreaterThanOrEqual(4);
    expect(lagos.some((s) => s.startsWith('unmatched-recovery/'))).toBe(true);
    expect(lagos.some((s) => s.startsWith('matched-transition/'))).toBe(false);
    const walk = walks.get('usimg-lagos-soap')!;
    const firstRecovery = walk.sends.find((s) => s.sequenceId === 'unmatched-recovery')!;
    expect(firstRecovery.at.getTime()).toBeGreaterThan(Date.parse(persona('usimg-lagos-soap').events[1]!.at));
  });

  it('matched personas move to the matched track and get no SOAP or recovery messages', () => {
    for (const id of ['j1-kolkata', 'h1b-chicago', 'j1-lagos', 'h1b-cairo', 'struggling-delhi']) {
      const s = steps(id);
      expect([id, s.some((x) => x.startsWith('matched-transition/'))]).toEqual([id, true]);
      expect([id, s.filter((x) => x.startsWith('match-week/soap') || x.startsWith('unmatched-recovery/'))]).toEqual([id, []]);
    }
  });

  it('someone preparing today for next year\'s Match hears from the pre-season track from December, on ResidencyCAS for OB/GYN', () => {
    const cairo = walks.get('next-season-cairo')!;
    const preSeason = cairo.sends.filter((s) => s.sequenceId === 'pre-season');
    expect(preSeason.length).toBeGreaterThanOrEqual(5);
    expect(preSeason[0]!.at.toISOString().slice(0, 7)).toBe('2026-12');
    const ids = steps('next-season-cairo');
    expect(ids).toEqual(expect.arrayContaining(['season-deadlines/residencycas-opens-soon', 'pre-season/pre-season-j1-statement', 'pre-season/pre-season-usce']));
    expect(ids.filter((s) => /season-deadlines\/(myeras|eras-token|documents-|submission-)/.test(s))).toEqual([]);
  });

  it('MATCHED, SOAP and UNMATCHED by text route people as the web form does', () => {
    expect(steps('j1-lagos').some((x) => x.startsWith('matched-transition/'))).toBe(true);
    const grenada = steps('usimg-grenada');
    expect(grenada.filter((x) => x.startsWith('match-week/soap')).length).toBeGreaterThanOrEqual(2);
    expect(grenada.some((x) => x.startsWith('matched-transition/'))).toBe(true);
    const karachi = steps('repeat-karachi');
    expect(karachi.some((x) => x.startsWith('unmatched-recovery/'))).toBe(true);
    expect(karachi.some((x) => x.startsWith('matched-transition/'))).toBe(false);
  });

  it('a milestone by text stops its alerts at once: no NRMP reminder after DONE NRMP, no Step 3 reminder after DONE STEP3', () => {
    const lagos = walks.get('j1-lagos')!;
    const doneAt = Date.parse(persona('j1-lagos').events[0]!.at);
    expect(lagos.sends.filter((s) => s.at.getTime() > doneAt && /nrmp/.test(s.stepId)).map((s) => s.stepId)).toEqual([]);
    // Someone joining the same day who never says so gets them.
    expect(steps('silent-manila')).toEqual(expect.arrayContaining(['season-deadlines/nrmp-deadline-14', 'season-deadlines/nrmp-deadline-3']));
    const cairo = walks.get('h1b-cairo')!;
    expect(cairo.sends.some((s) => s.stepId.startsWith('step3-'))).toBe(true);
    const step3DoneAt = Date.parse(persona('h1b-cairo').events[1]!.at);
    expect(cairo.sends.filter((s) => s.at.getTime() > step3DoneAt && /step3/.test(s.stepId)).map((s) => s.stepId)).toEqual([]);
    expect(cairo.sends.filter((s) => s.at.getTime() > Date.parse(persona('h1b-cairo').events[0]!.at)).every((s) => s.profile.specialty === 'internal-medicine')).toBe(true);
  });

  it('someone who never replies is asked once whether they still want texts, then gets one routine text a fortnight at most', () => {
    const silent = walks.get('silent-manila')!;
    const asks = silent.sends.filter((s) => s.stepId === 'still-want-these');
    expect(asks).toHaveLength(1);
    const p = persona('silent-manila');
    // The slowdown starts with the week after the question.
    const firstSlowWeek = weekStartOf(asks[0]!.at, p.timeZone).plus({ weeks: 1 }).toJSDate();
    const after = silent.sends.filter((s) => s.at >= firstSlowWeek && isRoutineText(s));
    // One in each fortnight, the fortnights counted from that week.
    const fortnights = new Map<number, string[]>();
    for (const s of after) {
      const n = Math.floor((s.at.getTime() - firstSlowWeek.getTime()) / (14 * 86_400_000));
      fortnights.set(n, [...(fortnights.get(n) ?? []), `${s.sequenceId}/${s.stepId} ${weekOf(p, s.at)}`]);
    }
    expect([...fortnights.values()].filter((sent) => sent.length > 1)).toEqual([]);
    expect(after.length).toBeGreaterThan(0);
  });

  it('someone who never reports the outcome is asked once, gets support that assumes nothing, and no goal or study prompt after Match Day', () => {
    const dhaka = steps('unreported-dhaka');
    for (const step of ['match-week/monday-ask', 'match-week/after-match-question', 'match-week/after-match-support']) expect(dhaka).toContain(step);
    expect(dhaka).not.toContain('matched-transition/congratulations');
  });

  it('while struggling: gentler words and at most two routine texts a week, and one offer of a person when it begins', () => {
    const delhi = walks.get('struggling-delhi')!;
    const hard = delhi.sends.filter((s) => s.profile.wellbeing === 'struggling');
    expect(hard.length).toBeGreaterThan(0);
    // Gentle words only: every routine text of the stretch is a check-in or has words for it.
    const sequences = sequenceLibrary();
    const harsh = hard.filter(isRoutineText).filter((s) => {
      const step = sequences.get(s.sequenceId)!.steps.find((x) => x.id === s.stepId)!;
      return s.priority !== 'check-in' && !step.gentle && s.sequenceId !== 'unmatched-recovery';
    });
    expect(harsh.map((s) => `${s.sequenceId}/${s.stepId}`)).toEqual([]);
    const offer = delhi.events.filter((e) => e.replies?.some((r) => r.includes('talk to a person')));
    expect(offer.length).toBeGreaterThanOrEqual(1);
    expect(delhi.events.filter((e) => e.replies?.some((r) => r.includes('What is weighing on you most'))).length).toBeGreaterThanOrEqual(1);
  });

  it('visa steps reach only their own track', () => {
    const sequences = sequenceLibrary();
    const trackOf = (ref: string) => {
      const [seq, step] = ref.split('/');
      return sequences.get(seq!)!.steps.find((x) => x.id === step)!.audience?.visaTracks;
    };
    const kolkata = steps('j1-kolkata').map(trackOf).filter(Boolean);
    const chicago = steps('h1b-chicago').map(trackOf).filter(Boolean);
    expect(kolkata.length).toBeGreaterThan(0);
    expect(chicago.length).toBeGreaterThan(0);
    expect(kolkata.every((t) => t!.includes('j1'))).toBe(true);
    expect(chicago.every((t) => t!.includes('h1b'))).toBe(true);
  });

  it('Match Week texts never suggest contacting programs outside SOAP (docs/rules.md)', () => {
    const matchWeek = sequenceLibrary().get('match-week')!;
    for (const step of matchWeek.steps) {
      for (const text of [step.sms?.text, step.email?.text, step.email?.subject]) {
        expect([step.id, /\b(call|phone|email|e-mail|message|write to|reach out to|contact)\s+(the\s+|a\s+|any\s+|your\s+)?programs?\b/i.test(text ?? '')]).toEqual([step.id, false]);
      }
    }
  });
});

describe('the season preview document', () => {
  it('docs/season-preview.md is what the engine sends today (run `npm run docs:season` after content changes)', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { renderSeasonDocument } = await import('../../shared/tools/season-document');
    const file = fs.readFileSync(path.join(__dirname, '../../docs/season-preview.md'), 'utf8');
    const rendered = await renderSeasonDocument(walks);
    if (rendered !== file) fs.writeFileSync(path.join(require('node:os').tmpdir(), 'season-preview.actual.md'), rendered);
    expect(rendered === file).toBe(true);
  });
});
