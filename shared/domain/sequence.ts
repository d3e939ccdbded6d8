import { z } from 'zod';

/**
 * A coaching sequence is data: a list of steps, each placed in time relative to a named anchor
 * (a season date such as `match_day`, a person's own date such as `step2_exam`, or `enrolled`).
 * Content authors write sequences; the schema below is what they may write, checked at load.
 */

export const CHANNELS = ['email', 'sms'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const Weekday = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof Weekday>;

/** "HH:mm", 24-hour clock, in the person's own time zone. */
export const LocalTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time like "09:30" (24-hour)');
export type LocalTime = z.infer<typeof LocalTime>;

export const AnchorName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{1,39}$/, 'anchor names are lower_snake_case, 2-40 characters');

export const AnchorRef = z.object({
  anchor: AnchorName,
  offsetDays: z.number().int().min(-400).max(400).default(0),
});
export type AnchorRef = z.infer<typeof AnchorRef>;

const OnceSchedule = z.object({
  type: z.literal('once'),
  anchor: AnchorName,
  offsetDays: z.number().int().min(-400).max(400).default(0),
  at: LocalTime,
});

const WeeklySchedule = z.object({
  type: z.literal('weekly'),
  weekday: Weekday,
  at: LocalTime,
  from: AnchorRef,
  until: AnchorRef,
});

export const StepSchedule = z.discriminatedUnion('type', [OnceSchedule, WeeklySchedule]);
export type StepSchedule = z.infer<typeof StepSchedule>;

export const STEP_KINDS = ['deadline', 'nudge', 'checkin', 'reflection'] as const;

export const SequenceStep = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'step ids are lower-kebab-case, at most 48 characters'),
    kind: z.enum(STEP_KINDS),
    channels: z.array(Channel).min(1).max(2),
    schedule: StepSchedule,
    /** For time-bound alerts: the instant after which the message is stale and must not go out. */
    deadline: AnchorRef.optional(),
    sms: z.object({ text: z.string().min(1).max(320) }).optional(),
    email: z.object({ subject: z.string().min(1).max(120), text: z.string().min(1).max(5000) }).optional(),
  })
  .superRefine((step, ctx) => {
    for (const channel of step.channels) {
      if (!step[channel]) {
        ctx.addIssue({ code: 'custom', message: `step "${step.id}" sends ${channel} but has no ${channel} content` });
      }
    }
    if (step.kind === 'deadline' && !step.deadline) {
      ctx.addIssue({ code: 'custom', message: `deadline step "${step.id}" needs a deadline anchor` });
    }
  });
export type SequenceStep = z.infer<typeof SequenceStep>;

export const Sequence = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,47}$/),
    name: z.string().min(1).max(80),
    description: z.string().max(500).default(''),
    steps: z.array(SequenceStep).min(1).max(500),
  })
  .superRefine((seq, ctx) => {
    const seen = new Set<string>();
    for (const step of seq.steps) {
      if (seen.has(step.id)) ctx.addIssue({ code: 'custom', message: `duplicate step id "${step.id}"` });
      seen.add(step.id);
    }
  });
export type Sequence = z.infer<typeof Sequence>;

/** Every anchor a sequence refers to, so enrollment can say which dates are missing. */
export function anchorsUsedBy(sequence: Sequence): Set<string> {
  const names = new Set<string>();
  for (const step of sequence.steps) {
    const s = step.schedule;
    if (s.type === 'once') names.add(s.anchor);
    else {
      names.add(s.from.anchor);
      names.add(s.until.anchor);
    }
    if (step.deadline) names.add(step.deadline.anchor);
  }
  return names;
}
