import { DateTime } from 'luxon';
import * as z from 'zod';
import { AnchorRef, Channel, LocalTime, Sequence, SequenceStep, WEEKDAYS, CONTENT_CHANNELS, isTextChannel, type ContentChannel } from './sequence';

/**
 * Schedule maths, pure: which message of a sequence goes out when, for one person in one zone.
 * Everything is computed on the person's own wall clock through Luxon's IANA zones, so a
 * Sunday 19:00 prompt stays at 19:00 local on both sides of a DST change.
 */

/** A date a step is placed against: a local date ("2027-01-10") or an exact instant with offset. */
const IsoInstant = z.iso.datetime({ offset: true });
export const AnchorValue = z.string().superRefine((value, ctx) => {
  // One schema with one message per problem: a union would answer only "Invalid input".
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    if (!DateTime.fromISO(value, { zone: 'utc' }).isValid) ctx.addIssue({ code: 'custom', message: `${value} is not a date that exists` });
    return;
  }
  if (!IsoInstant.safeParse(value).success || !DateTime.fromISO(value, { setZone: true }).isValid) {
    ctx.addIssue({ code: 'custom', message: 'expected a date like 2027-01-10 (or an instant like 2027-01-10T09:00:00+05:30)' });
  }
});
export type AnchorValue = z.infer<typeof AnchorValue>;
type Anchors = Record<string, string>;

export const IanaZone = z.string().refine((zone) => DateTime.local().setZone(zone).isValid, {
  message: 'unknown time zone: use an IANA name such as Asia/Kolkata or America/Chicago',
});

export interface QuietHours {
  /** Local time from which no SMS goes out. */
  start: LocalTime;
  /** Local time at which SMS may go out again (the next morning). */
  end: LocalTime;
}
/** docs/rules.md: no SMS before 08:00 or from 21:00 in the recipient's own zone. */
export const DEFAULT_QUIET_HOURS: QuietHours = { start: '21:00', end: '08:00' };

export interface Occurrence {
  stepId: string;
  stepIndex: number;
  /** "once" for one-off steps, the local date for each repetition of a weekly step. */
  occurrenceKey: string;
  channel: Channel;
  /** Unique within an enrollment: the step, the occurrence and the channel. */
  key: string;
  /** Where the step puts it on the person's clock, before quiet hours. */
  nominalAt: Date;
  /** When it may really go out (SMS moved out of quiet hours). */
  sendAt: Date;
  /** After this instant the message is stale and must not be sent. */
  deadlineAt?: Date;
  stale: boolean;
}

const minutesOf = (t: LocalTime): number => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

/** The anchor as a point on the person's clock; a bare date means the start of that local day. */
export function resolveAnchor(value: string, zone: string): DateTime | undefined {
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? DateTime.fromISO(value, { zone })
    : DateTime.fromISO(value, { setZone: true }).setZone(zone);
  return parsed.isValid ? parsed : undefined;
}

/** The local date of an anchor moved by whole days, at a local time of day. */
function atLocalTime(day: DateTime, at: LocalTime): DateTime {
  // fromObject resolves a time skipped by a DST jump forward to the next valid instant, and an
  // ambiguous one (clocks going back) to the earlier offset: both what a person would expect.
  return DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour: Number(at.slice(0, 2)), minute: Number(at.slice(3, 5)) },
    { zone: day.zone },
  );
}

/** Moves a local moment out of quiet hours to the next allowed minute. */
export function outsideQuietHours(local: DateTime, quiet: QuietHours = DEFAULT_QUIET_HOURS): DateTime {
  const minute = local.hour * 60 + local.minute;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const inQuiet = start > end ? minute >= start || minute < end : minute >= start && minute < end;
  if (!inQuiet) return local;
  const sameMorning = start > end && minute < end;
  const day = sameMorning ? local.startOf('day') : local.startOf('day').plus({ days: 1 });
  return atLocalTime(day, quiet.end);
}

export function isInQuietHours(instant: Date, zone: string, quiet: QuietHours = DEFAULT_QUIET_HOURS): boolean {
  const local = DateTime.fromJSDate(instant, { zone });
  return outsideQuietHours(local, quiet).toMillis() !== local.toMillis();
}

function stepDays(step: SequenceStep, anchors: Anchors, zone: string): { key: string; day: DateTime }[] | undefined {
  const s = step.schedule;
  if (s.type === 'once') {
    const anchor = anchors[s.anchor] && resolveAnchor(anchors[s.anchor]!, zone);
    if (!anchor) return undefined;
    return [{ key: 'once', day: anchor.startOf('day').plus({ days: s.offsetDays }) }];
  }
  const from = anchors[s.from.anchor] && resolveAnchor(anchors[s.from.anchor]!, zone);
  const until = anchors[s.until.anchor] && resolveAnchor(anchors[s.until.anchor]!, zone);
  if (!from || !until) return undefined;
  const first = from.startOf('day').plus({ days: s.from.offsetDays });
  const last = until.startOf('day').plus({ days: s.until.offsetDays });
  const wanted = WEEKDAYS.indexOf(s.weekday) + 1; // Luxon: Monday = 1 ... Sunday = 7
  const days: { key: string; day: DateTime }[] = [];
  // Bounded by the schema's offsets: at most a few years of weeks.
  for (let day = first.plus({ days: (wanted - first.weekday + 7) % 7 }); day <= last && days.length < 400; day = day.plus({ weeks: 1 })) {
    days.push({ key: day.toISODate()!, day });
  }
  return days;
}

function deadlineOf(ref: AnchorRef | undefined, anchors: Anchors, zone: string): Date | undefined | null {
  if (!ref) return undefined;
  const anchor = anchors[ref.anchor] && resolveAnchor(anchors[ref.anchor]!, zone);
  if (!anchor) return null;
  return anchor.plus({ days: ref.offsetDays }).toJSDate();
}

export interface ExpandOptions {
  sequence: Sequence;
  anchors: Anchors;
  zone: string;
  quietHours?: QuietHours;
  /**
   * Only these channels (a person without a phone gets no SMS occurrences). Without it, the
   * channels a step's words are written for (email, SMS); WhatsApp only when asked for.
   */
  channels?: readonly Channel[];
}

/**
 * Every message a sequence would produce for these anchors, in sending order. Steps whose
 * anchors are missing are left out and named in `missingAnchors`.
 */
export function expandOccurrences(options: ExpandOptions): { occurrences: Occurrence[]; missingAnchors: string[] } {
  const { sequence, anchors, zone } = options;
  const quiet = options.quietHours ?? DEFAULT_QUIET_HOURS;
  const occurrences: Occurrence[] = [];
  const missing = new Set<string>();
  sequence.steps.forEach((step, stepIndex) => {
    const days = stepDays(step, anchors, zone);
    const deadlineAt = deadlineOf(step.deadline, anchors, zone);
    if (!days || deadlineAt === null) {
      missing.add(step.id);
      return;
    }
    const s = step.schedule;
    const exact = s.type === 'once' && s.afterMinutes !== undefined ? resolveAnchor(anchors[s.anchor]!, zone)!.plus({ days: s.offsetDays, minutes: s.afterMinutes }) : undefined;
    for (const { key: occurrenceKey, day } of days) {
      const nominal = exact ?? atLocalTime(day, s.at!);
      for (const channel of deliveryChannels(step.channels)) {
        if (!(options.channels ?? CONTENT_CHANNELS).includes(channel)) continue;
        const send = isTextChannel(channel) ? outsideQuietHours(nominal, quiet) : nominal;
        const sendAt = send.toJSDate();
        occurrences.push({
          stepId: step.id,
          stepIndex,
          occurrenceKey,
          channel,
          key: `${step.id}.${occurrenceKey}.${channel}`,
          nominalAt: nominal.toJSDate(),
          sendAt,
          deadlineAt,
          stale: deadlineAt !== undefined && sendAt.getTime() >= deadlineAt.getTime(),
        });
      }
    }
  });
  occurrences.sort(compareOccurrences);
  return { occurrences, missingAnchors: [...missing] };
}

/** A step written for texts also goes by WhatsApp: the same words, on the channel the person chose. */
function deliveryChannels(written: readonly ContentChannel[]): Channel[] {
  return written.flatMap((channel): Channel[] => (channel === 'sms' ? ['sms', 'whatsapp'] : [channel]));
}

/** Sending order: time first, then the key, so ties are broken the same way everywhere. */
function compareOccurrences(a: { sendAt: Date; key: string }, b: { sendAt: Date; key: string }): number {
  return a.sendAt.getTime() - b.sendAt.getTime() || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** A position in sending order: everything strictly after it is still to come. */
export interface Cursor {
  sendAt: Date;
  key: string;
}

/** The first occurrence strictly after the cursor, on one channel. */
export function nextOccurrenceAfter(occurrences: readonly Occurrence[], channel: Channel, cursor: Cursor): Occurrence | undefined {
  return occurrences.find((o) => o.channel === channel && compareOccurrences(o, cursor) > 0);
}
