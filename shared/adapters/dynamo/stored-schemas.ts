import * as z from 'zod';
import {
  DELIVERY_STATUSES,
  Profile,
  type Attempt,
  type Delivery,
  type JournalEntry,
  type Message,
  type SafetyAlert,
  type SafetyEvent,
} from '../../domain/model';
import type { AttemptCode } from '../../domain/outcome-codes';
import { Channel } from '../../domain/sequence';

/**
 * Schemas for the records the domain declares as plain types (the others, Person, Enrollment,
 * the counselor records, are zod schemas there already). They check the shape an adapter reads
 * back: types and the closed sets decisions are taken on, not the rules a form applies to input.
 *
 * Each one is held to its type at compile time (`Covers` below): a schema missing an attribute
 * the type has would let zod drop it on read, and the next save would lose it.
 */

/** The codes are a union of several sets without one list at run time; the dispatcher reads unknown ones as failures. */
const Code = z.custom<AttemptCode>((value) => typeof value === 'string');
const Anchors = z.record(z.string(), z.string());

const StoredAttempt = z.object({
  at: z.string(),
  outcome: z.enum(['sent', 'retry', 'failed', 'skipped']),
  code: Code.optional(),
  detail: z.string(),
  segments: z.number().optional(),
  encoding: z.enum(['GSM-7', 'UCS-2']).optional(),
});

const StoredDelivery = z.object({ status: z.enum(DELIVERY_STATUSES), at: z.string(), errorCode: z.number().optional() });

const WeekSpent = z.object({ texts: z.number(), emails: z.number(), weekendTexts: z.number(), keys: z.array(z.string()) });

export const StoredMessage = z.object({
  personId: z.string(),
  messageId: z.string(),
  enrollmentId: z.string(),
  sequenceId: z.string(),
  stepId: z.string(),
  channel: Channel,
  to: z.string(),
  zone: z.string(),
  firstName: z.string().optional(),
  anchors: Anchors,
  profile: Profile,
  quietHours: z.object({ start: z.string(), end: z.string() }).optional(),
  title: z.string().optional(),
  coaching: z
    .object({
      base: Anchors,
      tracks: z.array(z.object({ sequenceId: z.string(), anchors: Anchors.optional() })),
      channels: z.array(z.string()),
      since: z.string(),
      spent: z.record(z.string(), WeekSpent).optional(),
      deadlineWeeks: z.array(z.string()).optional(),
    })
    .optional(),
  sendAt: z.string(),
  deadlineAt: z.string().optional(),
  urgent: z.boolean().optional(),
  invitation: z
    .object({ orgName: z.string(), orgId: z.string().optional(), cohortId: z.string().optional(), join: z.boolean().optional() })
    .optional(),
  fallback: z.object({ of: z.string(), reason: z.string() }).optional(),
  announcement: z
    .object({
      announcementId: z.string(),
      orgId: z.string().optional(),
      orgName: z.string(),
      text: z.string(),
      subject: z.string().optional(),
      details: z.string().optional(),
    })
    .optional(),
  status: z.enum(['planned', 'claimed', 'sent', 'skipped', 'failed']),
  dueAt: z.string().optional(),
  lease: z.object({ token: z.string(), until: z.string() }).optional(),
  attempts: z.array(StoredAttempt),
  providerId: z.string().optional(),
  reason: z.string().optional(),
  updatedAt: z.string(),
  delivery: StoredDelivery.optional(),
});

export const StoredJournalEntry = z.object({
  personId: z.string(),
  entryId: z.string(),
  at: z.string(),
  kind: z.enum(['note', 'checkin', 'goal']),
  text: z.string().optional(),
  inReplyTo: z.string().optional(),
  response: z
    .object({ kind: z.enum(['done', 'skip', 'done-goal', 'score']), score: z.number().optional(), goal: z.number().optional() })
    .optional(),
  safety: z.object({ level: z.enum(['risk', 'distress']), rule: z.string() }).optional(),
});

export const StoredSafetyEvent = z.object({
  personId: z.string(),
  eventId: z.string(),
  at: z.string(),
  kind: z.enum(['risk', 'distress', 'hold-lifted', 'asked-to-talk']),
  rule: z.string().optional(),
  by: z.string().optional(),
});

export const StoredSafetyAlert = z.object({
  personId: z.string(),
  eventId: z.string(),
  at: z.string(),
  level: z.enum(['risk', 'distress', 'talk']),
  rule: z.string(),
});

/** Every attribute name of T, nested ones and array elements' included; values reduced to one mark. */
type Attributes<T> = T extends readonly (infer Element)[]
  ? Attributes<Element>[]
  : T extends object
    ? { [K in keyof T]-?: Attributes<NonNullable<T[K]>> }
    : 'value';
type Same<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
/** True when the schema reads back exactly T's attributes, and what it reads is a T. */
type Covers<Schema extends z.ZodType, T> = z.output<Schema> extends T ? Same<Attributes<z.output<Schema>>, Attributes<T>> : false;
type Holds<Check extends true> = Check;

// Compile-time only: typecheck fails here when a type gains an attribute its schema lacks.
type MessageCovered = Holds<Covers<typeof StoredMessage, Message>>;
type AttemptCovered = Holds<Covers<typeof StoredAttempt, Attempt>>;
type DeliveryCovered = Holds<Covers<typeof StoredDelivery, Delivery>>;
type JournalEntryCovered = Holds<Covers<typeof StoredJournalEntry, JournalEntry>>;
type SafetyEventCovered = Holds<Covers<typeof StoredSafetyEvent, SafetyEvent>>;
type SafetyAlertCovered = Holds<Covers<typeof StoredSafetyAlert, SafetyAlert>>;
