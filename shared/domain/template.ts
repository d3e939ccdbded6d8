import { DateTime } from 'luxon';

/**
 * Coaching text is written with a few named slots, `{{firstName}}`, `{{title}}`, `{{deadline}}`,
 * `{{daysLeft}}`, `{{date:<anchor>}}`, `{{usClocks:<anchor>}}` (what a US Eastern time is on the
 * reader's clock, and any US clock change on the way, computed from the real time zone rules),
 * `{{specialty}}`, `{{signals}}` and `{{earlyMatch}}` (general words when the specialty is not
 * known), `{{helpline}}` (help where the reader lives). Rendering is pure; a slot with no value is
 * an error (caught by the content tests), never a blank in a message someone reads.
 */

export interface TemplateContext {
  firstName?: string;
  zone: string;
  /** When the message goes out: "days left" counts from here. */
  sendAt: Date;
  deadlineAt?: Date;
  anchors?: Record<string, string>;
  /** A plan deadline's own title, as the person wrote it. */
  title?: string;
  /** Filled at send time from the person's plan: this week's goals, one line. */
  weekGoals?: string;
  /** Filled at send time from the person's plan: last week's goals and answers, a few lines. */
  weekSummary?: string;
  /** The person's recognised specialty and its signal allowance (shared/domain/specialty.ts). */
  specialty?: { name: string; signals?: string; earlyMatch?: string };
  /**
   * Help where this person lives (shared/domain/safety-replies.ts helplineSlot), filled when the
   * text is rendered from their number and zone: a safety step never names another country's line.
   */
  helpline?: string;
  /**
   * The welcome's catch-up (shared/domain/catch-up.ts), computed when it is sent: the next
   * deadlines that apply (`{{nextDeadlines}}` lines, `{{nextDeadline}}` in a few words), the
   * essentials of their phase (`{{essentials}}`) and the commands in one line (`{{commands}}`).
   */
  catchUp?: { nextDeadlines: string; nextDeadline: string; essentials: string; commands: string };
}

const US_EASTERN = 'America/New_York';
/** How far back a US clock change still explains a surprise ("the gap differs from last month"). */
const RECENT_CLOCK_CHANGE_DAYS = 35;

/**
 * What an instant given in US Eastern time is on the reader's clock, and whether US clocks change
 * between now and then (or just did): text about clocks is computed, never written, because the
 * US change falls on a different date each year (14 March 2027, 12 March 2028).
 */
function usClockSentence(instant: Date, sendAt: Date, zone: string): string {
  const eastern = DateTime.fromJSDate(instant, { zone: US_EASTERN });
  const local = DateTime.fromJSDate(instant, { zone });
  const when = `${eastern.toFormat('HH:mm')} US Eastern on ${eastern.toFormat('ccc d LLL')}`;
  const onYourClock = local.hasSame(eastern, 'day')
    ? `${local.toFormat('HH:mm')} on your clock`
    : `${local.toFormat('HH:mm')} on ${local.toFormat('ccc d LLL')} on your clock`;
  const sent = DateTime.fromJSDate(sendAt, { zone: US_EASTERN });
  let change: DateTime | undefined;
  for (let day = sent.minus({ days: RECENT_CLOCK_CHANGE_DAYS }).startOf('day'); day < eastern.startOf('day'); day = day.plus({ days: 1 })) {
    if (day.plus({ days: 1 }).set({ hour: 12 }).offset !== day.set({ hour: 12 }).offset) {
      change = day.plus({ days: 1 });
    }
  }
  if (!change) return `${when} is ${onYourClock}.`;
  const direction = change.set({ hour: 12 }).offset > change.minus({ days: 1 }).set({ hour: 12 }).offset ? 'forward' : 'back';
  const day = change.toFormat('ccc d LLL');
  if (change > sent) {
    const gap = Math.round(eastern.startOf('day').diff(change.startOf('day'), 'days').days);
    const before = gap === 0 ? 'that same day' : gap === 1 ? 'the day before' : `${gap} days before`;
    return `US clocks move ${direction} an hour on ${day}, ${before}, so ${when} will be ${onYourClock}.`;
  }
  return `US clocks moved ${direction} an hour on ${day}, so the gap to your clock may differ from last month: ${when} is ${onYourClock}.`;
}

export class TemplateError extends Error {}

const SLOT = /\{\{\s*([a-zA-Z]+)(?::([a-z0-9_]+))?\s*\}\}/g;

/** "Wed 3 Mar, 21:00" on the reader's clock: short enough for one SMS segment. */
export function formatLocal(instant: Date, zone: string, withTime = true): string {
  const local = DateTime.fromJSDate(instant, { zone });
  return local.toFormat(withTime ? 'ccc d LLL, HH:mm' : 'ccc d LLL');
}

/**
 * Without a first name the words are written as if none was ever there ("Hi {{firstName}}," is
 * "Hi,"; "{{firstName}}, how was it?" is "How was it?"), never with a stand-in name nobody gave.
 */
function withoutName(template: string): string {
  return template
    .replace(/(^|[.!?:]\s+|\n)\{\{\s*firstName\s*\}\}[,.!]?\s+(['"(]?)(\p{L})/gu, (_m, before: string, quote: string, letter: string) => `${before}${quote}${letter.toUpperCase()}`)
    .replace(/,\s*\{\{\s*firstName\s*\}\}/g, '')
    .replace(/\s*\{\{\s*firstName\s*\}\}/g, '');
}

export function renderTemplate(template: string, ctx: TemplateContext): string {
  const words = ctx.firstName?.trim() ? template : withoutName(template);
  return words.replace(SLOT, (_match, name: string, arg: string | undefined) => {
    switch (name) {
      case 'firstName':
        return ctx.firstName!.trim();
      case 'nextDeadlines':
      case 'nextDeadline':
      case 'essentials':
      case 'commands':
        if (!ctx.catchUp) throw new TemplateError(`{{${name}}} used outside the welcome`);
        return ctx.catchUp[name];
      case 'helpline':
        if (!ctx.helpline) throw new TemplateError('{{helpline}} used without the person\'s crisis resources');
        return ctx.helpline;
      case 'weekGoals':
      case 'weekSummary': {
        const value = ctx[name];
        if (value === undefined) throw new TemplateError(`{{${name}}} used without the person's plan`);
        return value;
      }
      case 'title':
        // A plan enrollment always carries one; the fallback keeps a preview readable.
        return ctx.title?.trim() || 'your deadline';
      case 'deadline':
        if (!ctx.deadlineAt) throw new TemplateError('{{deadline}} used on a step without a deadline');
        return formatLocal(ctx.deadlineAt, ctx.zone);
      case 'daysLeft': {
        if (!ctx.deadlineAt) throw new TemplateError('{{daysLeft}} used on a step without a deadline');
        const from = DateTime.fromJSDate(ctx.sendAt, { zone: ctx.zone }).startOf('day');
        const to = DateTime.fromJSDate(ctx.deadlineAt, { zone: ctx.zone }).startOf('day');
        const days = Math.round(to.diff(from, 'days').days);
        return days <= 0 ? 'today' : days === 1 ? 'tomorrow' : `in ${days} days`;
      }
      case 'usClocks': {
        const value = arg && ctx.anchors?.[arg];
        if (!value || /^\d{4}-\d{2}-\d{2}$/.test(value)) throw new TemplateError(`{{usClocks:${arg ?? ''}}} needs an anchor with a time`);
        return usClockSentence(new Date(value), ctx.sendAt, ctx.zone);
      }
      // Specialty facts read as general words when we do not know the specialty (or it has no
      // such fact), so one step serves everyone and the specific words are never guessed.
      case 'specialty':
        return ctx.specialty?.name ?? 'your specialty';
      case 'signals':
        return ctx.specialty?.signals ?? "the number in AAMC's current table";
      case 'earlyMatch':
        return ctx.specialty?.earlyMatch ?? 'its own early match';
      case 'date': {
        const value = arg && ctx.anchors?.[arg];
        if (!value) throw new TemplateError(`{{date:${arg ?? ''}}} has no such anchor`);
        const local = /^\d{4}-\d{2}-\d{2}$/.test(value)
          ? DateTime.fromISO(value, { zone: ctx.zone })
          : DateTime.fromISO(value, { setZone: true }).setZone(ctx.zone);
        return local.toFormat('ccc d LLL');
      }
      default:
        throw new TemplateError(`unknown slot {{${name}}}`);
    }
  });
}

/** Slots a template uses, for content checks. */
export function slotsIn(template: string): string[] {
  return [...template.matchAll(SLOT)].map((m) => (m[2] ? `${m[1]}:${m[2]}` : m[1]!));
}

// GSM 03.38 basic set plus its extension table (each extension character costs two septets).
const GSM7_BASIC = new Set(
  Array.from('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'),
);
const GSM7_EXTENSION = new Set(Array.from('^{}\\[~]|€\f'));

/**
 * How an SMS body is encoded and how many segments it costs, as a carrier counts them
 * (docs/rules.md: one segment where possible). One character outside GSM-7 switches the whole body to
 * UCS-2; an escape pair or a surrogate pair is never split across segments.
 */
export function smsSegments(body: string): { encoding: 'GSM-7' | 'UCS-2'; units: number; segments: number } {
  const characters = Array.from(body);
  const gsm = characters.every((c) => GSM7_BASIC.has(c) || GSM7_EXTENSION.has(c));
  // Units per character: septets for GSM-7, UTF-16 code units for UCS-2 (an emoji takes two).
  const sizes = characters.map((c) => (gsm ? (GSM7_EXTENSION.has(c) ? 2 : 1) : c.length));
  const units = sizes.reduce((sum, n) => sum + n, 0);
  const [single, part] = gsm ? [160, 153] : [70, 67];
  const encoding = gsm ? 'GSM-7' : 'UCS-2';
  if (units <= single) return { encoding, units, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const n of sizes) {
    if (used + n > part) {
      segments += 1;
      used = 0;
    }
    used += n;
  }
  return { encoding, units, segments };
}

/** Look-alikes people type (curly quotes, dashes, ellipses) as their GSM-7 forms. */
const GSM7_FOLDS: Record<string, string> = {
  '\u2018': "'", '\u2019': "'", '\u201A': "'", '\u201B': "'", '\u2032': "'", '\u00B4': "'", '`': "'",
  '\u201C': '"', '\u201D': '"', '\u201E': '"', '\u2033': '"',
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2212': '-',
  '\u2026': '...', '\u0131': 'i', '\u0142': 'l', '\u0141': 'L', '\u0111': 'd', '\u0110': 'D', '\u00F0': 'd', '\u00DE': 'Th', '\u00FE': 'th',
};

/**
 * Text a person typed (a name, a deadline's title, a goal) as it may go into a text message:
 * only GSM-7 characters, so one emoji or curly quote cannot turn the whole text into UCS-2 (up
 * to three times the segments, and the cost). Look-alikes are folded (’ to ', – to -), accents
 * outside GSM-7 dropped from their letter (ō to o, while é stays é), and anything else left out;
 * the extension table (^ { } [ ] ~ | € \) too, each of those costing two septets. Emails keep
 * the original.
 */
export function gsm7Text(text: string): string {
  let out = '';
  for (const character of text) {
    if (GSM7_BASIC.has(character) && character !== '\n' && character !== '\r') {
      out += character;
      continue;
    }
    const folded = GSM7_FOLDS[character];
    if (folded !== undefined) {
      out += folded;
      continue;
    }
    const letter = character.normalize('NFD').replace(/\p{M}+/gu, '');
    if (letter && Array.from(letter).every((c) => GSM7_BASIC.has(c) && c !== '\n' && c !== '\r')) out += letter;
    else if (/\s/u.test(character)) out += ' ';
  }
  return out.replace(/\s+/g, ' ').trim();
}

/**
 * The longest name a text is written for: every coaching text is checked to fit one segment with
 * a name this long (test/unit/content.test.ts), so a longer one is shortened to fit.
 */
export const SMS_NAME_MAX_CHARACTERS = 18;

/** A first name as a text greets it: GSM-7 only, and no longer than the texts allow for. */
export function smsFirstName(name: string | undefined): string | undefined {
  const safe = gsm7Text(name ?? '');
  if (!safe) return undefined;
  if (safe.length <= SMS_NAME_MAX_CHARACTERS) return safe;
  const first = safe.split(' ')[0]!;
  return (first.length <= SMS_NAME_MAX_CHARACTERS ? first : first.slice(0, SMS_NAME_MAX_CHARACTERS)).trim();
}
