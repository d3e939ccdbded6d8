import * as z from 'zod';
import { ApplicationSystem, SourcedFact } from './specialty';

/**
 * A coaching sequence is data: a list of steps, each placed in time relative to a named anchor
 * (a season date such as `match_day`, a person's own date such as `step2_exam`, or `enrolled`).
 * Content authors write sequences; the schema below is what they may write, checked at load.
 */

/** Where a message goes: an email, a text, or a WhatsApp message. */
export const CHANNELS = ['email', 'sms', 'whatsapp'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

/**
 * What a step's words are written for: an email, or a short text. WhatsApp carries a step's text
 * words (a person coached on WhatsApp gets every step a person coached by SMS gets), so content
 * authors write two kinds of words, never three.
 */
export const CONTENT_CHANNELS = ['email', 'sms'] as const;
export const ContentChannel = z.enum(CONTENT_CHANNELS);
export type ContentChannel = z.infer<typeof ContentChannel>;

/** The channels that reach a phone: they keep quiet hours and carry a step's text words. */
const TEXT_CHANNELS = ['sms', 'whatsapp'] as const;
export type TextChannel = (typeof TEXT_CHANNELS)[number];
export const isTextChannel = (channel: Channel): channel is TextChannel => channel === 'sms' || channel === 'whatsapp';
/** Whose words a message on this channel uses. */
export const contentChannelOf = (channel: Channel): ContentChannel => (channel === 'email' ? 'email' : 'sms');

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const Weekday = z.enum(WEEKDAYS);
type Weekday = z.infer<typeof Weekday>;

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

const OnceSchedule = z
  .object({
    type: z.literal('once'),
    anchor: AnchorName,
    offsetDays: z.number().int().min(-400).max(400).default(0),
    /** A local time of day on the anchor's day (moved by offsetDays). */
    at: LocalTime.optional(),
    /**
     * Instead of a time of day: this many minutes after the anchor's exact instant. For what must
     * reach someone soon after something happened (the welcome, minutes after they join).
     */
    afterMinutes: z.number().int().min(0).max(24 * 60).optional(),
  })
  .refine((s) => (s.at === undefined) !== (s.afterMinutes === undefined), { message: 'a once step has either `at` or `afterMinutes`' });

const WeeklySchedule = z.object({
  type: z.literal('weekly'),
  weekday: Weekday,
  at: LocalTime,
  from: AnchorRef,
  until: AnchorRef,
});

const StepSchedule = z.discriminatedUnion('type', [OnceSchedule, WeeklySchedule]);
type StepSchedule = z.infer<typeof StepSchedule>;

export const STEP_KINDS = ['deadline', 'nudge', 'checkin', 'reflection'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/**
 * What a message is to the person, most important first: when more routine coaching falls in a
 * week than the weekly budget allows, this order decides what goes (shared/domain/budget.ts).
 * `deadline`, `match-week` and `service` (the welcome, "still want these?", the question after
 * Match Day) are outside the budget; safety replies are the webhook's own answers, never planned.
 * `guidance` is one-off advice tied to the road (interview season, visas, the recovery path); it
 * comes after the check-in, which is how we hear from the person at all.
 */
export const PRIORITY_CLASSES = ['deadline', 'match-week', 'service', 'own-plan', 'check-in', 'guidance', 'reflection', 'self-care'] as const;
export const PriorityClass = z.enum(PRIORITY_CLASSES);
export type PriorityClass = z.infer<typeof PriorityClass>;

/** Who a person is on the road: steps and sequences say which of these they apply to. */
export const VISA_TRACKS = ['j1', 'h1b', 'none', 'undecided'] as const;
export const VisaTrack = z.enum(VISA_TRACKS);
export type VisaTrack = z.infer<typeof VisaTrack>;
const APPLICANT_TYPES = ['non-us-img', 'us-img'] as const;
export const ApplicantType = z.enum(APPLICANT_TYPES);
const OUTCOMES = ['applying', 'soap', 'matched', 'unmatched', 'withdrawn'] as const;
export const Outcome = z.enum(OUTCOMES);
export type Outcome = z.infer<typeof Outcome>;
/** Things a person may already have done; a step "unless done" is not sent to them. */
export const MILESTONES = [
  // `oet`: OET Medicine passed; `pathway`: the ECFMG Pathway application accepted (it needs the OET
  // score, but the two have their own dates and are done at different times).
  'step1', 'step2ck', 'step3', 'oet', 'pathway', 'ecfmg_certified', 'eras_token', 'eras_documents', 'eras_submitted',
  'nrmp_registered', 'rol_certified', 'statement_of_need', 'j1_sponsorship', 'ds2019', 'h1b_petition', 'training_license',
] as const;
export const Milestone = z.enum(MILESTONES);
export type Milestone = z.infer<typeof Milestone>;

export const Audience = z.object({
  visaTracks: z.array(VisaTrack).min(1).optional(),
  applicantTypes: z.array(ApplicantType).min(1).optional(),
  /** `repeat`: a second or later application cycle. */
  attempts: z.array(z.enum(['first', 'repeat'])).min(1).optional(),
  outcomes: z.array(Outcome).min(1).optional(),
  unlessDone: z.array(Milestone).min(1).optional(),
  /** `struggling` after two low check-in scores in a row; back to `ok` after a good one. */
  wellbeing: z.array(z.enum(['ok', 'struggling'])).min(1).optional(),
  /** The application service of the person's specialty; an unknown specialty is on ERAS. */
  applicationSystems: z.array(ApplicationSystem).min(1).optional(),
  /** Recognised specialties (ids in shared/content/specialties.json); unknown never matches. */
  specialties: z.array(z.string().min(2)).min(1).optional(),
});
export type Audience = z.infer<typeof Audience>;

const SmsContent = z.object({ text: z.string().min(1).max(320) });
const EmailContent = z.object({ subject: z.string().min(1).max(120), text: z.string().min(1).max(5000) });

/** A step may draw its words from a rotating pool instead: item = (week * perWeek + slot) mod size. */
const PoolRef = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/),
  slot: z.number().int().min(0).max(6).default(0),
  perWeek: z.number().int().min(1).max(7).default(1),
});
type PoolRef = z.infer<typeof PoolRef>;

export const SequenceStep = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'step ids are lower-kebab-case, at most 48 characters'),
    kind: z.enum(STEP_KINDS),
    channels: z.array(ContentChannel).min(1).max(2),
    schedule: StepSchedule,
    /** For time-bound alerts: the instant after which the message is stale and must not go out. */
    deadline: AnchorRef.optional(),
    /** Who the step is for; absent means everyone the sequence reaches. */
    audience: Audience.optional(),
    /**
     * `upbeat` steps (the default for nudges and reflections) are held back during Match Week and
     * while someone is struggling; `steady` ones (deadlines, check-ins, Match Week support) are not.
     */
    tone: z.enum(['upbeat', 'steady']).optional(),
    /** Its place in the weekly budget's order; absent: derived (shared/domain/budget.ts priorityOf). */
    priority: PriorityClass.optional(),
    /**
     * Words used instead while the date this step counts down to is not known (no data and no
     * rule: planned against a cautious estimate) or rests on one unconfirmed source. They must not
     * state that date; the content tests require them on every step anchored on such a date.
     */
    ifDateUncertain: z.object({ sms: SmsContent.optional(), email: EmailContent.optional() }).optional(),
    /**
     * Where the step's dates and numbers come from ("4-6 weeks", "3 gold and 12 silver"), each with
     * the day it was checked. The content tests require one on every step whose words state a
     * duration, a share, a fee or a count of things.
     */
    sources: z.array(SourcedFact.extend({ fact: z.string().min(3).max(200) })).min(1).optional(),
    /** When two SMS segments are really needed, say why (content checks allow it then). */
    twoSegmentsBecause: z.string().min(10).optional(),
    pool: PoolRef.optional(),
    sms: SmsContent.optional(),
    email: EmailContent.optional(),
    /** Softer words for someone who is struggling; without it an upbeat step is held back. */
    gentle: z.object({ sms: SmsContent.optional(), email: EmailContent.optional(), pool: PoolRef.optional() }).optional(),
    /**
     * Words used instead when the person's own plan gives this step something to name:
     * this week's goals (`{{weekGoals}}`, for the Sunday check-in) or last week's goals and
     * answers (`{{weekSummary}}`). Filled in when the message is sent, not when it is planned,
     * because goals change all week. `only`: without plan words the message is skipped (a
     * summary of nothing is noise).
     */
    withPlan: z.object({ sms: SmsContent.optional(), email: EmailContent.optional(), only: z.boolean().default(false) }).optional(),
  })
  .superRefine((step, ctx) => {
    for (const channel of step.channels) {
      if (!step[channel] && !step.pool) {
        ctx.addIssue({ code: 'custom', message: `step "${step.id}" sends ${channel} but has no ${channel} content` });
      }
    }
    if (step.kind === 'deadline' && !step.deadline) {
      ctx.addIssue({ code: 'custom', message: `deadline step "${step.id}" needs a deadline anchor` });
    }
  });
export type SequenceStep = z.infer<typeof SequenceStep>;

/** The tone a step has when it does not say: nudges and reflections are upbeat. */
export const toneOf = (step: SequenceStep): 'upbeat' | 'steady' =>
  step.tone ?? (step.kind === 'nudge' || step.kind === 'reflection' ? 'upbeat' : 'steady');

const PoolItem = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  theme: z.string().min(1).max(40),
  sms: SmsContent,
  email: EmailContent.optional(),
});
export const ContentPool = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    description: z.string().max(300).default(''),
    items: z.array(PoolItem).min(2).max(400),
  })
  .superRefine((pool, ctx) => {
    const ids = new Set<string>();
    for (const item of pool.items) {
      if (ids.has(item.id)) ctx.addIssue({ code: 'custom', message: `duplicate pool item id "${item.id}"` });
      ids.add(item.id);
    }
  });
export type ContentPool = z.infer<typeof ContentPool>;

export const Sequence = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,47}$/),
    name: z.string().min(1).max(80),
    description: z.string().max(500).default(''),
    /** Who the whole sequence is for (outcome routes people between tracks). */
    audience: Audience.optional(),
    /** Enrolled automatically when a person's profile matches the audience (the season tracks). */
    autoEnroll: z.boolean().default(false),
    /** A Match Week sequence: its own upbeat steps are not held back during Match Week. */
    matchWeek: z.boolean().default(false),
    /** The place of its nudges in the weekly budget's order, unless a step says otherwise. */
    priority: PriorityClass.optional(),
    /**
     * Started only for someone joining (no track of theirs is older): the welcome must not greet
     * someone who has been with us for months when a re-plan meets a track they never had.
     */
    onJoin: z.boolean().default(false),
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
