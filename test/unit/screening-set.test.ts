import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { assessRisk } from '../../shared/domain/crisis';
import { report as printReport } from '../support/report';

/**
 * The safety screen measured on short replies written for this product, in the languages our
 * applicants write in. Two sets, written separately:
 * - screening-set.jsonl, the set the rules are written against: it must keep risk recall at or above
 *   98 % and false alarms at or under 3 %, overall, per language and per kind;
 * - screening-held-out.jsonl, written first and never used to write a rule: only measured, so its
 *   figures say how the rules do on phrasing they have not seen (README, "Safety screening").
 * A false alarm is a benign or distress line read as risk (a hold and an alert for someone who is
 * not at risk); the middle band ("ask") counts as caught when the coach asks directly or treats
 * it as risk.
 */

const LANGUAGES = ['en', 'hi-Latn', 'es', 'pcm', 'ar-Latn', 'tl', 'pt', 'fr'] as const;
const Line = z.object({
  text: z.string().min(1).max(400),
  label: z.enum(['risk', 'ask', 'distress', 'none']),
  lang: z.enum(LANGUAGES),
  kind: z.string().regex(/^[a-z-]+$/),
});
type Line = z.infer<typeof Line>;

function load(file: string): Line[] {
  const text = readFileSync(join(__dirname, '../fixtures', file), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line, i) => {
      const parsed = Line.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${file} line ${i + 1}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
      return parsed.data;
    });
}

interface Tally {
  caught: number;
  risk: number;
  falseAlarms: number;
  benign: number;
  asked: number;
  askBand: number;
}
const empty = (): Tally => ({ caught: 0, risk: 0, falseAlarms: 0, benign: 0, asked: 0, askBand: 0 });

/** Recall, false alarms and the middle band, by any grouping of the lines. */
function measure(lines: readonly Line[], groupOf: (line: Line) => string): Map<string, Tally> {
  const groups = new Map<string, Tally>();
  for (const line of lines) {
    const level = assessRisk(line.text).level;
    for (const group of ['all', groupOf(line)]) {
      const t = groups.get(group) ?? empty();
      if (line.label === 'risk') {
        t.risk++;
        if (level === 'risk') t.caught++;
      } else if (line.label === 'ask') {
        t.askBand++;
        if (level === 'ask' || level === 'risk') t.asked++;
      } else {
        t.benign++;
        if (level === 'risk') t.falseAlarms++;
      }
      groups.set(group, t);
    }
  }
  return groups;
}

const pct = (n: number, of: number) => (of === 0 ? '   -  ' : `${((100 * n) / of).toFixed(1).padStart(5)} %`);
const recall = (t: Tally) => (t.risk === 0 ? 1 : t.caught / t.risk);
const falseAlarmRate = (t: Tally) => (t.benign === 0 ? 0 : t.falseAlarms / t.benign);

function report(title: string, groups: Map<string, Tally>): string {
  const rows = [...groups.entries()].map(
    ([group, t]) =>
      `  ${group.padEnd(12)} recall ${String(t.caught).padStart(3)}/${String(t.risk).padEnd(3)} ${pct(t.caught, t.risk)}   ` +
      `false alarms ${String(t.falseAlarms).padStart(2)}/${String(t.benign).padEnd(3)} ${pct(t.falseAlarms, t.benign)}   ` +
      `asked ${String(t.asked).padStart(2)}/${String(t.askBand).padEnd(2)}`,
  );
  return `${title}\n${rows.join('\n')}\n`;
}

const main = load('screening-set.jsonl');
const heldOut = load('screening-held-out.jsonl');

describe('the labelled set', () => {
  it('is large enough, in every language, with risk that is mostly indirect or not in English', () => {
    const risk = main.filter((l) => l.label === 'risk');
    expect(main.length).toBeGreaterThanOrEqual(1000);
    expect(risk.length).toBeGreaterThanOrEqual(400);
    const indirectOrNotEnglish = risk.filter((l) => l.lang !== 'en' || ['indirect', 'time-bound', 'farewell', 'plan-means'].includes(l.kind));
    expect(indirectOrNotEnglish.length * 2).toBeGreaterThanOrEqual(risk.length);
    for (const lang of LANGUAGES) {
      expect({ lang, risk: risk.filter((l) => l.lang === lang).length >= 20 }).toEqual({ lang, risk: true });
      expect({ lang, benign: main.filter((l) => l.lang === lang && l.label === 'none').length >= 10 }).toEqual({ lang, benign: true });
    }
  });

  it('has no line twice, and none from the held-out set', () => {
    const seen = new Set(main.map((l) => l.text.toLowerCase()));
    expect(seen.size).toBe(main.length);
    expect(heldOut.filter((l) => seen.has(l.text.toLowerCase())).map((l) => l.text)).toEqual([]);
  });

  const byLanguage = measure(main, (l) => l.lang);
  const byKind = measure(main, (l) => l.kind);

  it('keeps recall at or above 98 % and false alarms at or under 3 %, overall and in every language', () => {
    printReport(report('screening set, by language:', byLanguage));
    for (const [group, t] of byLanguage) {
      expect({ group, recall: recall(t) >= 0.98 }).toEqual({ group, recall: true });
      expect({ group, falseAlarms: falseAlarmRate(t) <= 0.03 }).toEqual({ group, falseAlarms: true });
      expect({ group, asked: t.askBand === 0 || t.asked / t.askBand >= 0.98 }).toEqual({ group, asked: true });
    }
  });

  it('keeps recall at or above 98 % for every kind of risk, plans and means first', () => {
    printReport(report('screening set, by kind:', byKind));
    for (const [group, t] of byKind) {
      expect({ group, recall: recall(t) >= 0.98 }).toEqual({ group, recall: true });
      expect({ group, falseAlarms: falseAlarmRate(t) <= 0.03 }).toEqual({ group, falseAlarms: true });
    }
    expect(byKind.get('plan-means')!.risk).toBeGreaterThanOrEqual(80);
  });
});

describe('the held-out set (measured only: never used to write a rule)', () => {
  it('is written in every language, and its figures are reported', () => {
    for (const lang of LANGUAGES) expect({ lang, lines: heldOut.filter((l) => l.lang === lang).length >= 10 }).toEqual({ lang, lines: true });
    printReport(report('held-out set, by language:', measure(heldOut, (l) => l.lang)));
    printReport(report('held-out set, by kind:', measure(heldOut, (l) => l.kind)));
    const misses = heldOut.filter((l) => l.label === 'risk' && assessRisk(l.text).level !== 'risk').length;
    printReport(`held-out risk lines missed: ${misses}\n`);
  });
});
