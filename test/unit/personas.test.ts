import { simulateSeason, type SeasonWalk } from '../../shared/adapters/simulation';
import { personaLibrary, sequenceLibrary, specialtyTable } from '../../shared/content';
import { specialtyProfile } from '../../shared/domain/specialty';
import type { Persona } from '../../shared/content/persona';
import { seasonEnd } from '../../shared/domain/calendar';
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

/** The profile the persona really had at an instant: outcome changes as their events say. */
function profileAt(p: Persona, at: Date): Pick<Profile, 'outcome'> & Persona['profile'] {
  let outcome: Profile['outcome'] = 'applying';
  for (const e of p.events) if (e.outcome && Date.parse(e.at) <= at.getTime()) outcome = e.outcome;
  return { ...p.profile, outcome };
}

beforeAll(async () => {
  for (const p of personaLibrary()) walks.set(p.id, await simulateSeason(p, { until: seasonEnd(p.profile.season) }));
});

describe.each(personaLibrary().map((p) => [p.id, p] as const))('persona %s', (id, p) => {
  const walk = () => walks.get(id)!;

  it('gets a steady season of coaching, and says what it got', () => {
    const bySequence = new Map<string, number>();
    for (const s of walk().sends) bySequence.set(s.sequenceId, (bySequence.get(s.sequenceId) ?? 0) + 1);
    report(`persona ${id}: ${walk().sends.length} messages — ${[...bySequence].map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
    expect(walk().sends.length).toBeGreaterThan(150);
    for (const sequence of ['season-deadlines', 'personal-plan', 'weekly-reflection', 'self-care', 'match-week']) {
      expect([sequence, bySequence.get(sequence) ?? 0]).toEqual([sequence, expect.any(Number)]);
      expect(bySequence.get(sequence) ?? 0).toBeGreaterThan(0);
    }
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
      const profile = { ...profileAt(p, s.at), ...specialtyProfile(p.specialty, specialtyTable()), wellbeing: 'ok' as const } as Profile;
      return !audienceAllows(sequence.audience, profile) || !audienceAllows(step.audience, profile);
    });
    expect(wrong.map((s) => `${s.sequenceId}/${s.stepId} ${s.at.toISOString()}`)).toEqual([]);
  });

  it('never sends a message twice, nor the same words twice within twelve weeks', () => {
    const ids = walk().sends.map((s) => s.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    const lastSeen = new Map<string, Date>();
    const repeats: string[] = [];
    for (const s of walk().sends) {
      const words = `${s.channel}:${s.subject ?? ''}:${s.text.split('\n\n--\n')[0]}`;
      const before = lastSeen.get(words);
      if (before && s.at.getTime() - before.getTime() < TWELVE_WEEKS) repeats.push(`${s.sequenceId}/${s.stepId}`);
      lastSeen.set(words, s.at);
    }
    expect(repeats).toEqual([]);
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
    for (const id of ['j1-kolkata', 'h1b-chicago', 'repeat-karachi']) {
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
    const { renderSeasonDocument } = await import('../../shared/adapters/season-document');
    const file = fs.readFileSync(path.join(__dirname, '../../docs/season-preview.md'), 'utf8');
    const rendered = await renderSeasonDocument();
    if (rendered !== file) fs.writeFileSync(path.join(require('node:os').tmpdir(), 'season-preview.actual.md'), rendered);
    expect(rendered === file).toBe(true);
  });
});
