import { previewSequence } from '../../shared/app/preview';
import { shippedLibrary } from '../../shared/app/library';
import { parseSequences, sequenceLibrary, ContentError } from '../../shared/content';
import { smsSegments } from '../../shared/domain/template';

/** Content checks: every shipped text renders, fits its channel, and is written to be read. */
describe('coaching library', () => {
  const library = sequenceLibrary();

  it('loads and validates every sequence', () => {
    expect(library.size).toBeGreaterThan(0);
  });

  for (const sequence of library.values()) {
    describe(sequence.id, () => {
      const zones = ['Asia/Kolkata', 'America/Chicago', 'Africa/Lagos', 'Asia/Karachi'];
      const previews = zones.flatMap((zone) =>
        [undefined, 'Oluwaseun-Abimbola'].map((firstName) =>
          previewSequence(
            { library: shippedLibrary(), now: new Date('2026-11-25T10:00:00Z') },
            { sequenceId: sequence.id, timeZone: zone, season: 2027, firstName, anchors: { step2_exam: '2027-01-20' } },
          ),
        ),
      );

      it('renders every step for every zone, with and without a name', () => {
        for (const { lines, leftOut } of previews) {
          expect(leftOut).toEqual([]);
          expect(new Set(lines.map((l) => l.stepId))).toEqual(new Set(sequence.steps.map((s) => s.id)));
        }
      });

      it('keeps every SMS to one GSM-7 segment', () => {
        for (const { lines } of previews) {
          for (const line of lines.filter((l) => l.channel === 'sms')) {
            expect({ step: line.stepId, ...smsSegments(line.text) }).toMatchObject({ step: line.stepId, encoding: 'GSM-7', segments: 1 });
          }
        }
      });

      it('gives every email a subject and a text part', () => {
        for (const { lines } of previews) {
          for (const line of lines.filter((l) => l.channel === 'email')) {
            expect(line.subject?.length).toBeGreaterThan(3);
            expect(line.text.length).toBeGreaterThan(40);
          }
        }
      });
    });
  }

  it('rejects a malformed sequence file with the field named', () => {
    const broken = { id: 'broken', name: 'x', steps: [{ id: 'a', kind: 'nudge', channels: ['sms'], schedule: { type: 'once', anchor: 'enrolled', at: '25:00' } }] };
    expect(() => parseSequences({ 'broken.json': broken })).toThrow(ContentError);
    expect(() => parseSequences({ 'broken.json': broken })).toThrow(/steps\.0\.schedule\.at/);
    expect(() => parseSequences({ 'broken.json': broken })).toThrow(/sms content/);
  });
});
