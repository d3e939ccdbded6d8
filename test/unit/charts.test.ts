import fc from 'fast-check';
import { barChart, lineChart, shortDate } from '../../shared/domain/charts';

const weeks = ['2027-01-04', '2027-01-11', '2027-01-18', '2027-01-25'];
const count = (svg: string, tag: string) => (svg.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length;
/** Every number in an x/y/width/height/cx/cy/points attribute. */
const coordinates = (svg: string) =>
  [...svg.matchAll(/\b(?:x|y|x1|x2|y1|y2|cx|cy|width|height)="([^"%]*)"|points="([^"]*)"/g)].flatMap((m) => (m[1] ?? m[2]!).split(/[ ,]/).filter(Boolean).map(Number));

describe('line chart', () => {
  it('is an accessible image: title, desc with the numbers in words, a visible label per point', () => {
    const svg = lineChart({ id: 'score', title: 'Average check-in score', description: 'Weekly average, 1 to 5.', min: 1, max: 5, points: weeks.map((label, i) => ({ label, value: [3, 2.5, null, 4][i]! })) });
    expect(svg).toMatch(/^<svg [^>]*role="img"[^>]*aria-labelledby="score-title score-desc"/);
    expect(svg).toContain('<title id="score-title">Average check-in score</title>');
    expect(svg).toContain('<desc id="score-desc">Weekly average, 1 to 5. Jan 4: 3; Jan 11: 2.5; Jan 25: 4.</desc>');
    expect(count(svg, 'circle')).toBe(3);
    expect(svg).toContain('>2.5</text>');
    // The silent week breaks the line: one segment of two points; the lone point after it has no line.
    expect(count(svg, 'polyline')).toBe(1);
    expect(svg).not.toContain('style=');
  });

  it('says so when there is no data', () => {
    const svg = lineChart({ id: 'x', title: 'T', description: 'D.', min: 1, max: 5, points: weeks.map((label) => ({ label, value: null })) });
    expect(svg).toContain('<desc id="x-desc">D. No data yet.</desc>');
    expect(count(svg, 'circle')).toBe(0);
  });

  it('escapes what it is given', () => {
    const svg = lineChart({ id: 'a"b', title: '<script>', description: '"x" & y', min: 1, max: 5, points: [{ label: '<b>', value: 2 }] });
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('id="a-b"');
    expect(svg).toContain('&quot;x&quot; &amp; y');
  });
});

describe('bar chart', () => {
  it('draws a bar per week with a value, labelled in percent, and no bar for a week with nothing sent', () => {
    const svg = barChart({ id: 'rate', title: 'Check-in response rate', description: 'Share answered.', points: weeks.map((label, i) => ({ label, value: [0.5, 0, null, 1][i]! })) });
    expect(count(svg, 'rect')).toBe(3);
    expect(svg).toContain('>50</text>');
    expect(svg).toContain('>0</text>');
    expect(svg).toContain('>100</text>');
    expect(svg).toContain('Jan 4: 50%; Jan 11: 0%; Jan 25: 100%.');
  });
});

describe('chart geometry (property)', () => {
  const points = fc.array(fc.record({ label: fc.constantFrom(...weeks, 'x'), value: fc.option(fc.double({ min: -10, max: 10, noNaN: true }), { nil: null }) }), { maxLength: 30 });
  it('stays inside its view box with finite numbers, one mark per value', () => {
    fc.assert(
      fc.property(points, (pts) => {
        for (const svg of [lineChart({ id: 'l', title: 't', description: 'd', min: 1, max: 5, points: pts }), barChart({ id: 'b', title: 't', description: 'd', points: pts })]) {
          for (const n of coordinates(svg)) {
            expect(Number.isFinite(n)).toBe(true);
            expect(n).toBeGreaterThanOrEqual(0);
            expect(n).toBeLessThanOrEqual(640);
          }
        }
        const marks = pts.filter((p) => p.value !== null).length;
        expect(count(lineChart({ id: 'l', title: 't', description: 'd', min: 1, max: 5, points: pts }), 'circle')).toBe(marks);
        expect(count(barChart({ id: 'b', title: 't', description: 'd', points: pts }), 'rect')).toBe(marks);
      }),
      { numRuns: 200 },
    );
  });

  it('labels at most about six weeks on the x axis, always the latest', () => {
    const twelve = Array.from({ length: 12 }, (_, i) => ({ label: `2027-01-${String(i + 1).padStart(2, '0')}`, value: 3 }));
    const svg = lineChart({ id: 'l', title: 't', description: 'd', min: 1, max: 5, points: twelve });
    const xLabels = [...svg.matchAll(/>(Jan \d+)<\/text>/g)].map((m) => m[1]);
    expect(xLabels).toEqual(['Jan 2', 'Jan 4', 'Jan 6', 'Jan 8', 'Jan 10', 'Jan 12']);
  });

  it('shortens ISO dates and leaves anything else alone', () => {
    expect(shortDate('2027-03-19')).toBe('Mar 19');
    expect(shortDate('week 3')).toBe('week 3');
  });
});
