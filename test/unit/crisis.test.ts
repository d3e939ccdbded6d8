import fc from 'fast-check';
import * as z from 'zod';
import { assessRisk, normaliseForScreening } from '../../shared/domain/crisis';
import fixture from '../fixtures/crisis-messages.json';
import { report } from '../support/report';

const Labelled = z.array(
  z.object({ text: z.string().min(1), label: z.enum(['risk', 'ask', 'distress', 'none']), note: z.string().optional() }),
);
const messages = Labelled.parse(fixture);
const byLabel = (label: 'risk' | 'ask' | 'distress' | 'none') => messages.filter((m) => m.label === label);
const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(1)} %`;

/**
 * Risk phrasings that are not in the fixture. They were written after the rules, in one sitting,
 * and run once: the first run caught 6 of 15, and the rules were then generalised (not special-cased)
 * until all pass. Three earlier rounds like this one now live in the fixture.
 */
const HELD_OUT_RISK = [
  'I want to stop living',
  'ive been thinking its time for me to go for good',
  "pray for me, I won't make it through the night",
  "I can't see any way forward, I just want everything to end",
  'kinda want to jump off something tall tbh',
  "I'm planning my death",
  "if I don't match, that's the end of me",
  'I hate my life and want it over',
  'I have the razor ready',
  'I am having suicidal thought',
  'I feel to end everything, nothing is left for me',
  'Na to die remain for me',
  'I prefer to die than to return home',
  'gusto ko na lang mawala',
  "I'm going to end up killing myself at this rate",
];

/**
 * Real risk that a phrase list cannot see without the conversation around it (is the father
 * alive? what is "it"?). Kept visible in the summary line rather than special-cased.
 */
const KNOWN_GAPS = ["I'll be with my father soon", "I'm thinking of doing it tonight"];

describe('crisis screening on the labelled set', () => {
  const risk = byLabel('risk');
  const distress = byLabel('distress');
  const benign = byLabel('none');

  it('has enough of each kind, written for this product', () => {
    expect(risk.length).toBeGreaterThanOrEqual(50);
    expect(distress.length).toBeGreaterThanOrEqual(40);
    expect(benign.length).toBeGreaterThanOrEqual(70);
    expect(new Set(messages.map((m) => m.text)).size).toBe(messages.length);
  });

  it('never assesses a risk message below risk (recall 100 %), and keeps false alarms on benign at or under 10 %', () => {
    const missed = risk.filter((m) => assessRisk(m.text).level !== 'risk').map((m) => m.text);
    // The middle band is asked directly (or, where the words say more, treated as risk).
    const notAsked = byLabel('ask').filter((m) => !['ask', 'risk'].includes(assessRisk(m.text).level)).map((m) => m.text);
    expect(notAsked).toEqual([]);
    const falseAlarms = benign.filter((m) => assessRisk(m.text).level === 'risk');
    const benignAsDistress = benign.filter((m) => assessRisk(m.text).level === 'distress').length;
    const distressSeen = distress.filter((m) => assessRisk(m.text).level !== 'none').length;
    const distressAsRisk = distress.filter((m) => assessRisk(m.text).level === 'risk').length;

    report(
      `crisis screening: risk recall ${risk.length - missed.length}/${risk.length} (${pct(risk.length - missed.length, risk.length)}), ` +
        `false alarms on benign ${falseAlarms.length}/${benign.length} (${pct(falseAlarms.length, benign.length)}), ` +
        `distress recall ${distressSeen}/${distress.length} (${distressAsRisk} escalated to risk), ` +
        `benign read as distress ${benignAsDistress}/${benign.length}, ` +
        `known context-dependent gaps caught ${KNOWN_GAPS.filter((t) => assessRisk(t).level === 'risk').length}/${KNOWN_GAPS.length}\n`,
    );
    expect(missed).toEqual([]);
    expect(falseAlarms.length / benign.length).toBeLessThanOrEqual(0.1);
  });

  it('only raises false alarms on the over-triggers it documents', () => {
    const undocumented = benign
      .filter((m) => assessRisk(m.text).level === 'risk' && !m.note?.startsWith('accepted over-trigger'))
      .map((m) => m.text);
    expect(undocumented).toEqual([]);
  });
});

describe('crisis screening on phrasings it was not written against', () => {
  it('keeps them out of the fixture', () => {
    const inFixture = new Set(messages.map((m) => m.text.toLowerCase()));
    expect(HELD_OUT_RISK.filter((t) => inFixture.has(t.toLowerCase()))).toEqual([]);
    expect(HELD_OUT_RISK).toHaveLength(15);
  });

  it.each(HELD_OUT_RISK)('assesses %j as risk', (text) => {
    expect(assessRisk(text).level).toBe('risk');
  });
});

describe('crisis screening rules', () => {
  it.each([
    ['k1ll mys3lf', ' kil myself '],
    ['$u!c!d3', ' suicide '],
    ['k i l l   myself', ' kil myself '],
    ['K.M.S', ' kms '],
    ['I ran 5kms', ' i ran 5kms '],
    ['DIIIIE', ' die '],
    ['ｋｉｌｌ', ' kil '],
    ['I’m sad', ' im sad '],
  ])('normalises %j to %j', (body, expected) => {
    expect(normaliseForScreening(body)).toBe(expected);
  });

  it('names the rule that fired, never the words', () => {
    const result = assessRisk('I want to die');
    expect(result).toEqual({ level: 'risk', matched: 'risk:die' });
    // Hopelessness is the middle band: the coach asks directly.
    expect(assessRisk('I feel hopeless')).toEqual({ level: 'ask', matched: 'ask:hopeless' });
    expect(assessRisk('I feel so lonely here')).toEqual({ level: 'distress', matched: 'distress:heavy-feeling' });
    expect(assessRisk('finished my PS draft')).toEqual({ level: 'none' });
    expect(assessRisk('')).toEqual({ level: 'none' });
  });

  it('still sees risk next to an idiom and across punctuation', () => {
    expect(assessRisk('this exam is killing me').level).toBe('none');
    expect(assessRisk('this exam is killing me, I want to die').level).toBe('risk');
    expect(assessRisk("I'd rather be dead tired than unmatched").level).not.toBe('risk');
    expect(assessRisk('I want to be dead. Serious.').level).toBe('risk');
    expect(assessRisk("I'll take a tylenol overdose").level).toBe('risk');
    expect(assessRisk('tylenol overdose questions again').level).toBe('none');
  });

  it('never throws on any input, and ends on inputs built to make patterns backtrack', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 1600 }), (body) => {
        expect(['risk', 'distress', 'none']).toContain(assessRisk(body).level);
      }),
      { numRuns: 500 },
    );
    const adversarial = ['kill '.repeat(400), 'i dont '.repeat(250), 'a '.repeat(2000), 'x'.repeat(20000), '1!'.repeat(1000)];
    // Catastrophic backtracking would run for minutes: the test's timeout catches it; speed itself
    // is not asserted here (the screen's cost is the benchmark's business).
    for (const body of adversarial) expect(['risk', 'distress', 'none']).toContain(assessRisk(body).level);
  });
});

// The crisis reply itself (its resources per country, GSM-7, its segments) is checked for every
// country in the table by safety-replies.test.ts.
