import { createHash } from 'node:crypto';
import * as z from 'zod';
import { AnchorValue, IanaZone } from './schedule';
import { ApplicantType, Channel, LocalTime, Milestone, Outcome, VisaTrack } from './sequence';
import { ApplicationSystem } from './specialty';
import type { CoachingRoster } from './budget';
import type { AttemptCode } from './outcome-codes';

/** The records Match Coach keeps. Storage adapters persist exactly these shapes. */

export const E164 = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'expected a phone number in E.164 form, like +919812345678');
export const Email = z.email('expected an email address').max(254).transform((s) => s.toLowerCase());

const CONSENT_STATES = ['pending', 'confirmed', 'revoked'] as const;
export const Consent = z.object({
  state: z.enum(CONSENT_STATES),
  /**
   * Where consent came from: `operator`, `web`, `sms-keyword` (STOP/START words), `sms-free-text`
   * (revoked in their own words), `carrier-opt-out` (Twilio 21610), `counselor:<id>`; for
   * WhatsApp also `whatsapp-keyword`, `whatsapp-free-text`, `switched-to-sms` / `switched-to-whatsapp`
   * (the person moved their coaching to the other phone channel) and `whatsapp-unreachable`
   * (WhatsApp said the number is not on it, or is no valid recipient).
   */
  source: z.string().min(1),
  at: z.iso.datetime(),
  /** The exact words the person agreed to (docs/rules.md: consent records). */
  text: z.string().min(1),
});
export type Consent = z.infer<typeof Consent>;

/** Where a person is on the road: what decides which steps apply to them. */
export const Profile = z.object({
  /** The Match year (the year of Match Day) they are applying for. */
  season: z.number().int().min(2020).max(2100),
  applicantType: ApplicantType.default('non-us-img'),
  visaTrack: VisaTrack.default('undecided'),
  /** 1 for a first application cycle, 2+ for a repeat. */
  attempt: z.number().int().min(1).max(9).default(1),
  outcome: Outcome.default('applying'),
  done: z.array(Milestone).max(20).default([]),
  /** `struggling` after two low check-in scores in a row. */
  wellbeing: z.enum(['ok', 'struggling']).default('ok'),
  /**
   * Derived when a lane is planned from the person's own words (`Person.specialty`), never typed
   * in: a recognised specialty's id and its application service. Absent: the ERAS path.
   */
  specialty: z.string().max(40).optional(),
  applicationSystem: ApplicationSystem.optional(),
  /** PAUSE [days]: nothing but deadline alerts and replies until then (ISO instant). */
  pausedUntil: z.iso.datetime().optional(),
  /** Tracks they turned off in their preferences: only those tracks' deadline alerts still come. */
  mutedSequences: z.array(z.string().min(1).max(64)).max(20).optional(),
  /**
   * Set when a message signalled risk (docs/rules.md, Safety): upbeat coaching stays paused until a
   * human (counselor or operator) resumes it; deadline alerts and check-ins still go.
   */
  supportHold: z.boolean().optional(),
  /**
   * How much routine coaching they asked for (shared/domain/budget.ts CADENCES): the weekly budget
   * and the frequency every consent text promises both come from it.
   */
  cadence: z.enum(['standard', 'light']).optional(),
  /** When they last texted us (or joined): three weeks of silence slows routine coaching down. */
  heardAt: z.iso.datetime().optional(),
  /** When the Match outcome was last set (the days after an unmatched result are counted from it). */
  outcomeAt: z.iso.datetime().optional(),
  /**
   * An organisation they said yes to follows their coaching: the dispatcher keeps their engagement
   * counts as messages go (shared/app/engagement/engagement-counts.ts). Set by their yes, cleared
   * when no such membership remains; copied onto each planned message with the rest of the
   * profile, so the dispatcher knows without a read.
   */
  followed: z.boolean().optional(),
});
export type Profile = z.infer<typeof Profile>;

export const Person = z.object({
  personId: z.string().min(1),
  firstName: z.string().max(60).optional(),
  email: Email.optional(),
  phone: E164.optional(),
  timeZone: IanaZone,
  consent: z.object({ email: Consent.optional(), sms: Consent.optional(), whatsapp: Consent.optional() }),
  quietHours: z.object({ start: LocalTime, end: LocalTime }).optional(),
  profile: Profile,
  /** The last check-in scores, newest last, for "two low scores in a row". */
  recentScores: z.array(z.number().int().min(1).max(5)).max(5).optional(),
  createdAt: z.iso.datetime(),
  // ---- Email subscription: set from the sign-up form and preference centre.
  /**
   * What they hope to train in, in their own words. A specialty we recognise decides the
   * application service and specialty notes (profile.specialty, derived at planning); anything
   * else is a hint for counselors and means the ERAS path.
   */
  specialty: z.string().max(80).optional(),
  /** The person's own choice to let their counselor see their plan; off unless they turn it on. */
  showPlanToCounselor: z.boolean().optional(),
  /**
   * The organisation that brought them to us from its list (nobody held the email or phone). Until
   * the person confirms anything, the record is that organisation's own: it may correct or erase
   * it, and its invitation is the one they answer. Never shown to any organisation.
   */
  broughtBy: z.string().min(1).max(64).optional(),
  /**
   * Open while we wait for the answer to the direct question ("are you thinking of harming
   * yourself?") asked after a text in the safety screen's middle band: their next reply is read
   * as that answer (shared/domain/safety-question.ts), and settles it.
   */
  safetyQuestion: z.object({ askedAt: z.iso.datetime(), eventId: z.string().min(1).max(64) }).optional(),
  /** Moved on by "reset my calendar link": calendar links of an earlier version stop working. */
  calendarVersion: z.number().int().min(0).max(1_000_000).optional(),
  /** How many interviews they told us they have (INTERVIEWS 4, or the preferences), and when. */
  interviews: z.object({ count: z.number().int().min(0).max(80), at: z.iso.datetime() }).optional(),
});
export type Person = z.infer<typeof Person>;

export const Enrollment = z.object({
  personId: z.string(),
  enrollmentId: z.string(),
  sequenceId: z.string(),
  /** The person's own dates (exam days...) and `enrolled`; season dates come from the calendar. */
  anchors: z.record(z.string(), AnchorValue),
  enrolledAt: z.iso.datetime(),
  status: z.enum(['active', 'ended']),
  /** What its messages name (`{{title}}`): an own deadline's title (plan enrollments). */
  title: z.string().max(80).optional(),
});
export type Enrollment = z.infer<typeof Enrollment>;

/**
 * The id of a person's next enrollment in a sequence, given the enrollments they already have.
 * Derived, not random: two requests that enroll the same person in the same sequence at the same
 * time (two imports of one file, an import and a sign-up) read the same enrollments, so they write
 * one enrollment, not two, and plan the same message ids, which the store creates once.
 * Counting the earlier ones (ended included) keeps a later re-enrollment apart from the old one.
 */
export function nextEnrollmentId(personId: string, sequenceId: string, existing: readonly Pick<Enrollment, 'sequenceId'>[]): string {
  const earlier = existing.filter((e) => e.sequenceId === sequenceId).length;
  const hex = createHash('sha256').update(`${personId}\n${sequenceId}\n${earlier}`).digest('hex');
  // UUID-shaped (version nibble 5, variant 10xx), like the random ids it replaces.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const MESSAGE_STATUSES = ['planned', 'claimed', 'sent', 'skipped', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
/** Planned and claimed messages are still to go out; the others are final. */
export const isFinal = (status: MessageStatus): boolean => status === 'sent' || status === 'skipped' || status === 'failed';

export interface Attempt {
  at: string;
  outcome: 'sent' | 'retry' | 'failed' | 'skipped';
  /** What it was, for decisions (shared/domain/outcome-codes.ts). Absent on attempts stored before codes were recorded. */
  code?: AttemptCode;
  /** What it was in words, for logs and the record; never read to decide anything. */
  detail: string;
  /** A text that went: how many segments the carrier bills for it, and in which encoding. */
  segments?: number;
  encoding?: 'GSM-7' | 'UCS-2';
}

/**
 * One message to one person on one channel: everything the dispatcher needs to send it without
 * reading anything else (the text is rendered from the sequence at send time).
 */
export interface Message {
  personId: string;
  /** Deterministic: `<enrollmentId>.<stepId>.<occurrence>.<channel>`, so planning twice is harmless. */
  messageId: string;
  enrollmentId: string;
  sequenceId: string;
  stepId: string;
  channel: Channel;
  /** The address or number at planning time; consent changes cancel pending messages. */
  to: string;
  zone: string;
  firstName?: string;
  /**
   * What the next message of this lane is planned from, so the dispatcher needs no other read:
   * the person's own anchors (season dates come from the calendar), profile and quiet hours.
   */
  anchors: Record<string, string>;
  profile: Profile;
  quietHours?: { start: string; end: string };
  /** The deadline a plan enrollment's messages name; absent elsewhere. */
  title?: string;
  /** Routine lanes only: the person's whole week as the budget sees it (shared/domain/budget.ts). */
  coaching?: CoachingRoster;
  /** When it should go out (quiet hours already applied); the sent attempt says when it really went. */
  sendAt: string;
  deadlineAt?: string;
  /**
   * Goes before routine nudges when the providers' budget is short (shared/domain/urgency.ts).
   * Set at planning; the due index keeps urgent messages in partitions of their own.
   */
  urgent?: boolean;
  /**
   * A counselor's invitation rather than a step of a sequence. It is queued like any
   * message so that it keeps to the providers' shared rate, waits out quiet hours and is retried
   * after a fault; its words are the invitation's, its link is signed as it goes, and no next
   * message follows it.
   */
  invitation?: {
    orgName: string;
    /** The membership it is about: its link names the organisation the person says yes to. */
    orgId?: string;
    cohortId?: string;
    /**
     * A join request to someone already with us (their own confirmed address): its link asks
     * whether this organisation may follow their coaching. Otherwise the invitation that brings
     * someone new (confirm the email, or reply YES).
     */
    join?: boolean;
  };
  /**
   * Sent in place of another message that could not reach the person (a WhatsApp message that
   * WhatsApp refused): the same step's words, on this message's channel, and no next message
   * follows it. `reason` is the refusal's reason code (shared/domain/whatsapp.ts).
   */
  fallback?: { of: string; reason: string };
  /**
   * An announcement (shared/domain/announcement.ts) rather than a step of a sequence: its words
   * travel with it, it goes once, nothing follows it, and it is not coaching (the weekly coaching
   * budget neither counts nor holds it). The dispatcher checks consent, and for an organisation's
   * the membership, again as it sends.
   */
  announcement?: {
    announcementId: string;
    /** The organisation that sends it; absent for the operator's own (Match Coach's). */
    orgId?: string;
    orgName: string;
    text: string;
    subject?: string;
    details?: string;
  };
  status: MessageStatus;
  /**
   * While planned or claimed: when it is due. A claim leaves it as it is (moving it would rewrite
   * the due index); the lease says until when nobody else may take the message.
   */
  dueAt?: string;
  lease?: { token: string; until: string };
  attempts: Attempt[];
  providerId?: string;
  reason?: string;
  updatedAt: string;
  /** SMS only: the latest delivery state Twilio reported (shared/domain/delivery.ts orders them). */
  delivery?: Delivery;
}

/** What the due index hands the dispatcher: just enough to claim the message. */
export interface DueMessageRef {
  personId: string;
  messageId: string;
  dueAt: string;
}

// ---- SMS conversation: delivery receipts, the private journal, safety ----------

/**
 * Twilio's outbound message states, in the order they can follow one another
 * (shared/domain/delivery.ts explains the order and why it is total).
 */
export const DELIVERY_STATUSES = ['scheduled', 'accepted', 'queued', 'sending', 'sent', 'canceled', 'failed', 'undelivered', 'delivered', 'read'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface Delivery {
  status: DeliveryStatus;
  /** When we learned of this state (our clock; Twilio's callbacks carry no time). */
  at: string;
  /** Twilio's error code for failed and undelivered texts (30003 unreachable, 30007 filtered ...). */
  errorCode?: number;
}

const CHECKIN_RESPONSES = ['done', 'skip', 'done-goal', 'score'] as const;

/**
 * One text a person sent us, kept privately: free text, a check-in answer, a goal. Personal data:
 * encrypted at rest by the table, erased with the person, never logged.
 */
export interface JournalEntry {
  personId: string;
  /** The inbound MessageSid: one entry per text, so a retried webhook rewrites the same entry. */
  entryId: string;
  at: string;
  kind: 'note' | 'checkin' | 'goal';
  /** Their words (a note, the note after a score, a goal). */
  text?: string;
  /** Our latest SMS to them when this arrived: what a DONE, SKIP or score answers. */
  inReplyTo?: string;
  response?: { kind: (typeof CHECKIN_RESPONSES)[number]; score?: number; goal?: number };
  /** Set when the safety screen flagged the text (shared/domain/crisis.ts rule id, never the words). */
  safety?: { level: 'risk' | 'distress'; rule: string };
}

/**
 * A person's safety record: a risk or distress flag raised by a text, a human lifting the support
 * hold, or the person asking for a human to reach them (TALK: a follow-up flag, not a crisis).
 * Ids and rule ids only; the words stay in the journal.
 */
export interface SafetyEvent {
  personId: string;
  /** The inbound MessageSid for a flag; a fresh id for a lifted hold. */
  eventId: string;
  at: string;
  kind: 'risk' | 'distress' | 'hold-lifted' | 'asked-to-talk';
  /** The crisis.ts rule that fired (flags only). */
  rule?: string;
  /** Who lifted the hold (operator or counselor), for hold-lifted. */
  by?: string;
}

/**
 * What a counselor or operator view lists: every risk and distress flag, and every TALK (`talk`:
 * the person asked for a human to reach them), by month. Written with the person's SafetyEvent in
 * one transaction (see keys.ts); the dispatcher's sweep sends any alert email that could not go.
 */
export interface SafetyAlert {
  personId: string;
  eventId: string;
  at: string;
  level: 'risk' | 'distress' | 'talk';
  rule: string;
}

/** The alert a safety event lands as, if any. */
export const alertLevelOf = (kind: SafetyEvent['kind']): SafetyAlert['level'] | undefined =>
  kind === 'risk' || kind === 'distress' ? kind : kind === 'asked-to-talk' ? 'talk' : undefined;
