import { previewSequence, type PreviewLine } from '../../shared/app/scheduling/preview';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import { crisisLineTable, parsePools, parseSequences, personaLibrary, poolLibrary, sequenceLibrary, ContentError } from '../../shared/content';
import { crisisResourcesFor } from '../../shared/domain/crisis-lines';
import { helplineSlot } from '../../shared/domain/safety-replies';
import { renderTemplate, smsSegments } from '../../shared/domain/template';

/**
 * Content checks over the whole coaching library: every sequence validates; every step renders
 * for every profile combination in several zones with no missing slot; every SMS fits one GSM-7
 * segment (unless the step says why it needs two); every email has a subject and a text part.
 */

const library = shippedLibrary();
const ZONES = ['Asia/Kolkata', 'America/Chicago', 'Africa/Lagos', 'Asia/Karachi', 'Pacific/Auckland', 'Pacific/Honolulu'];
const ANCHORS = {
  step1_exam: '2026-07-10', step2_exam: '2026-08-20', step3_exam: '2026-10-15', oet_exam: '2026-06-25', documents_due: '2026-08-25',
  // A plan deadline's anchors (plan-deadlines); titles are checked in plan.test.ts.
  own_deadline: '2026-09-20', target_deadline: '2026-09-20', internal_deadline: '2026-09-13',
};
const LONG_NAME = 'Oluwaseun-Abimbola';

/**
 * With includeHeld every step renders whatever the audience, so profiles need not be enumerated:
 * only the zone (dates), the wellbeing (gentle words) and the name (length) change the text.
 */
function previews(sequenceId: string): PreviewLine[] {
  const lines: PreviewLine[] = [];
  for (const timeZone of ZONES) {
    for (const wellbeing of ['ok', 'struggling'] as const) {
      for (const firstName of [undefined, LONG_NAME]) {
        const { lines: l, leftOut } = previewSequence(
          { library, now: new Date('2026-05-01T00:00:00Z') },
          { sequenceId, timeZone, season: 2027, wellbeing, firstName, anchors: ANCHORS, includeHeld: true },
        );
        expect([sequenceId, leftOut]).toEqual([sequenceId, []]);
        lines.push(...l);
      }
    }
  }
  return lines;
}

describe('coaching library', () => {
  it('loads every sequence, pool and persona, and each pool a step names exists', () => {
    expect(sequenceLibrary().size).toBeGreaterThanOrEqual(9);
    expect(poolLibrary().size).toBeGreaterThanOrEqual(5);
    expect(personaLibrary().length).toBeGreaterThanOrEqual(4);
  });

  it('has at least 26 reflection questions and 30 self-care nudges across every theme', () => {
    expect(poolLibrary().get('reflection-questions')!.items.length).toBeGreaterThanOrEqual(26);
    const care = poolLibrary().get('self-care')!.items;
    expect(care.length).toBeGreaterThanOrEqual(30);
    const themes = new Set(care.map((i) => i.theme));
    for (const theme of ['sleep', 'movement', 'food', 'rest-evening', 'connection', 'breathing', 'grounding']) expect(themes).toContain(theme);
  });

  it('keeps every pool SMS to one GSM-7 segment with the longest name and any country\'s helpline', () => {
    const table = crisisLineTable();
    // Help as each country in the table would get it, and the directory for everyone else.
    const helplines = [...table.countries.map((c) => crisisResourcesFor(table, { zone: c.zones[0] })), crisisResourcesFor(table, {})].map(helplineSlot);
    for (const pool of poolLibrary().values()) {
      for (const item of pool.items) {
        for (const helpline of helplines) {
          const text = renderTemplate(item.sms.text, { firstName: LONG_NAME, zone: 'UTC', sendAt: new Date(), helpline });
          expect({ item: item.id, ...smsSegments(text) }).toMatchObject({ item: item.id, encoding: 'GSM-7', segments: 1 });
        }
      }
    }
  });

  for (const sequence of sequenceLibrary().values()) {
    describe(sequence.id, () => {
      const lines = previews(sequence.id);

      it('renders every step for some profile, in every zone', () => {
        for (const zone of ZONES) expect(lines.length).toBeGreaterThan(0);
        expect(new Set(lines.map((l) => l.stepId))).toEqual(new Set(sequence.steps.map((s) => s.id)));
      });

      it('keeps every SMS to one GSM-7 segment unless the step says why not', () => {
        for (const line of lines.filter((l) => l.channel === 'sms')) {
          const step = sequence.steps.find((s) => s.id === line.stepId)!;
          const size = smsSegments(line.text);
          expect({ step: line.stepId, encoding: size.encoding }).toEqual({ step: line.stepId, encoding: 'GSM-7' });
          if (!step.twoSegmentsBecause) expect({ step: line.stepId, segments: size.segments }).toEqual({ step: line.stepId, segments: 1 });
        }
      });

      it('gives every email a subject and a text part', () => {
        for (const line of lines.filter((l) => l.channel === 'email')) {
          expect(line.subject?.length).toBeGreaterThan(3);
          expect(line.text.length).toBeGreaterThan(40);
        }
      });
    });
  }

  describe('words that assume nothing', () => {
    /** Every text a person can read from the library: steps (all variants) and pools. */
    const texts: { where: string; text: string }[] = [];
    for (const sequence of sequenceLibrary().values()) {
      for (const step of sequence.steps) {
        for (const variant of [step, step.gentle, step.withPlan, step.ifDateUncertain]) {
          if (variant?.sms) texts.push({ where: `${sequence.id}/${step.id} sms`, text: variant.sms.text });
          if (variant?.email) texts.push({ where: `${sequence.id}/${step.id} email`, text: `${variant.email.subject}\n${variant.email.text}` });
        }
      }
    }
    for (const pool of poolLibrary().values()) for (const item of pool.items) texts.push({ where: `${pool.id}/${item.id}`, text: item.sms.text });

    it('words the 1-5 scale one way everywhere: 1 (very hard) to 5 (good)', () => {
      const SCALE = '1 (very hard) to 5 (good)';
      const other = /(?<![-\w])1\s*(?:\([^)]*\)\s*)?(?:to|-|–)\s*5\b|(?<![-\w])1 is (?:very |really )?(?:hard|rough|low|bad|tough)/;
      const odd = texts.filter((t) => other.test(t.text.split(SCALE).join('')));
      expect(odd.map((t) => t.where)).toEqual([]);
      expect(texts.filter((t) => t.text.includes(SCALE)).length).toBeGreaterThan(20);
    });

    it('reads well without a first name: no stand-in, no stray comma', () => {
      for (const { where, text } of texts) {
        const rendered = renderTemplate(text.replace(/\{\{(?!firstName)[^}]*\}\}/g, 'X'), { zone: 'UTC', sendAt: new Date() });
        expect([where, /^there\b|\bhi there\b|, there[,.!]/i.test(rendered)]).toEqual([where, false]);
        expect([where, rendered.match(/.{0,20}(?:\s[,.!?:;]|^[,.]|,\s*[.!?]).{0,20}/)?.[0]]).toEqual([where, undefined]);
      }
    });

    it('never names a counselor as if everyone had one', () => {
      expect(texts.filter((t) => /your counselor/i.test(t.text)).map((t) => t.where)).toEqual([]);
    });
  });

  it('rejects a malformed sequence or pool file with the field named', () => {
    const broken = { id: 'broken', name: 'x', steps: [{ id: 'a', kind: 'nudge', channels: ['sms'], schedule: { type: 'once', anchor: 'enrolled', at: '25:00' } }] };
    expect(() => parseSequences({ 'broken.json': broken })).toThrow(ContentError);
    expect(() => parseSequences({ 'broken.json': broken })).toThrow(/steps\.0\.schedule\.at/);
    expect(() => parseSequences({ 'broken.json': broken })).toThrow(/sms content/);
    expect(() => parsePools({ 'p.json': { id: 'p', items: [{ id: 'a', theme: 't', sms: { text: '' } }] } })).toThrow(/items\.0\.sms\.text/);
  });
});
