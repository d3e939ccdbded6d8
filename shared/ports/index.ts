import type { Channel } from '../domain/sequence';
import type { CalendarEntry } from '../domain/calendar';
import type { DueMessageRef, Enrollment, Message, Person, Attempt } from '../domain/model';
import type { Delivery, JournalEntry, SafetyAlert, SafetyEvent } from '../domain/model';
import type { Plan } from '../domain/plan';
import type { ConversationWindow } from '../domain/whatsapp';
import type { CancelReason, SendFailureCode } from '../domain/outcome-codes';

/** Ports: the narrow interfaces the use cases need. Adapters (dynamo, ses, twilio, memory) implement them. */

export interface Clock {
  now(): Date;
}

/**
 * A person's own plan, one record per person, kept with the person so erasure takes it.
 * Its own adapter files (dynamo/dynamo-plan-store.ts, memory/memory-plan-store.ts) implement it;
 * both stores include it, so a use case reaches it through the Store it already has.
 */
export interface PlanStore {
  getPlan(personId: string): Promise<Plan | undefined>;
  /**
   * Saves the plan if the stored one is still the version read (`expectedUpdatedAt`, or none
   * stored when undefined); false when someone else saved in between (read again and retry).
   */
  savePlan(plan: Plan, expectedUpdatedAt: string | undefined): Promise<boolean>;
}

/**
 * The WhatsApp customer service window (shared/domain/whatsapp.ts), one record per person, kept
 * in the person's partition so erasure takes it. Its own adapter files
 * (dynamo/dynamo-conversation-windows.ts, memory/memory-conversation-windows.ts); both stores
 * include it, so a use case reaches it through the Store it already has.
 */
export interface ConversationWindowStore {
  /**
   * The person wrote to us on WhatsApp at `at`: kept unless a later message is already recorded.
   * PersonGone for someone not there (a guarded write, like every write into their records).
   */
  noteInbound(personId: string, at: Date): Promise<void>;
  /**
   * WhatsApp said the window was closed at `at` (63016) while our record said open. Changes only
   * a record that exists, and never brings back one erasure took.
   */
  noteWindowClosed(personId: string, at: Date): Promise<void>;
  getWindow(personId: string): Promise<ConversationWindow | undefined>;
}

/** Someone an import brings who is new to us, with the enrollments they start with. */
export interface NewPerson {
  person: Person;
  /** Each with the person's id. */
  enrollments: readonly Enrollment[];
  /**
   * Ids of people who are gone (an erasure cut short left their lookups behind): a lookup naming
   * one of them is taken over, as if free. Any other holder still stops the creation.
   */
  replacesLookupsOf?: readonly string[];
}

/**
 * Erasure is final: every write that adds to a person's records (enrollments, messages, journal,
 * safety events, plan, notices, memberships) is made only while the person lives, and raises
 * PersonGone (shared/domain/errors.ts) otherwise: never created, erased, or being erased. Updates
 * of existing records fail quietly once the record is gone. A person being erased reads as absent.
 */
export interface Store extends PlanStore, ConversationWindowStore {
  /** Changes someone who is there; PersonGone otherwise (people are created by createPeople). */
  savePerson(person: Person): Promise<void>;
  getPerson(personId: string): Promise<Person | undefined>;
  findPersonIdByPhone(phone: string): Promise<string | undefined>;
  findPersonIdByEmail(email: string): Promise<string | undefined>;

  // ---- Many people at once (a counselor's import) ------------------------------------------

  /**
   * Who holds each of these emails (matched case-insensitively, keyed as given) and phones, as
   * findPersonIdByEmail / findPersonIdByPhone would answer one at a time. Nobody's are absent.
   */
  findPersonIds(contacts: { emails: readonly string[]; phones: readonly string[] }): Promise<{ byEmail: Map<string, string>; byPhone: Map<string, string> }>;
  /** People by id, as getPerson reads them; unknown ids are absent. */
  getPeople(personIds: readonly string[]): Promise<Map<string, Person>>;
  /** Each person's enrollments as listEnrollments lists them (same order), for every id asked. */
  listEnrollmentsOf(personIds: readonly string[]): Promise<Map<string, Enrollment[]>>;
  /**
   * Creates new people, each with their lookups, season row and first enrollments: all of a
   * person or nothing of them, and only while nobody holds their id, email or phone (a sign-up,
   * a concurrent import or an earlier person of the same call may have taken one since the
   * caller looked). Returns the ids not created for that reason: read again and decide. Not
   * atomic across people: after an error some may exist, and a repeated call reports those.
   */
  createPeople(people: readonly NewPerson[]): Promise<{ notCreated: string[] }>;

  saveEnrollment(enrollment: Enrollment): Promise<void>;
  getEnrollment(personId: string, enrollmentId: string): Promise<Enrollment | undefined>;
  listEnrollments(personId: string): Promise<Enrollment[]>;

  /** Everyone whose profile is in this Match season (a calendar correction re-plans them). */
  listPersonIdsInSeason(season: number): Promise<string[]>;

  /**
   * Creates the message unless one with that id exists already; false when it did. A message
   * withdrawn by re-planning (skipped, reason `replanned`) or dropped by the weekly budget (skipped,
   * a reason starting `budget:`) does not count: it may be planned anew.
   */
  createMessage(message: Message): Promise<boolean>;
  getMessage(personId: string, messageId: string): Promise<Message | undefined>;
  listMessages(personId: string): Promise<Message[]>;
  /** Messages whose due time has come, oldest first, read from the sparse due index only. */
  listDueMessages(now: Date, limit: number): Promise<DueMessageRef[]>;
  /**
   * The due index's queues for one channel, urgent apart from routine (names are opaque), so a
   * dispatcher can drain each channel at its provider's pace and urgent messages first.
   */
  dueQueues(channel: Channel): { urgent: string[]; routine: string[] };
  /**
   * Up to `limit` refs due by `now` in one queue, oldest first, strictly after `after` (a ref
   * this queue returned earlier): one page of a walk through a backlog, read from the index only.
   */
  listDueInQueue(queue: string, now: Date, limit: number, after?: DueMessageRef): Promise<DueMessageRef[]>;
  /**
   * Takes or renews a short lease on a due queue for one dispatcher, so that concurrent
   * dispatchers work different queues instead of racing for the same refs (each lost race is a
   * billed, failed claim). False while another holder's lease lasts. Advisory: claims stay safe
   * without it.
   */
  leaseDueQueue(queue: string, holder: string, until: Date, now: Date): Promise<boolean>;
  /**
   * Takes a lease on a due message. Succeeds for exactly one caller per due time until the lease
   * ends. The message stays in the due index (at its due time, so the claim costs no index
   * write); a claim on it fails while the lease lasts, and a claim after the lease ended takes
   * it over. Returns the message, or undefined if another dispatcher holds it or got there
   * first, or it is no longer due.
   */
  claimMessage(ref: DueMessageRef, lease: { token: string; until: Date; now: Date }): Promise<Message | undefined>;
  /** Records the final outcome and leaves the due index; only the lease holder may. */
  finishMessage(
    ref: { personId: string; messageId: string },
    leaseToken: string,
    final: { status: 'sent' | 'skipped' | 'failed'; attempt: Attempt; providerId?: string; reason?: string },
  ): Promise<boolean>;
  /** Gives the lease back and makes the message due again at `retryAt`. */
  releaseForRetry(ref: { personId: string; messageId: string }, leaseToken: string, retryAt: Date, attempt: Attempt): Promise<boolean>;
  /**
   * Ends every message of a person still to go out (on one channel, or all), with a reason.
   * `keepInvitations`: a counselor's invitations and announcements still waiting stay (they are
   * no steps of a lane, so re-planning is not a reason to withdraw them, and nothing would plan
   * them again; consent changes, removal and erasure are).
   */
  cancelPendingMessages(personId: string, reason: CancelReason, now: Date, channel?: Channel, options?: { keepInvitations?: boolean }): Promise<number>;

  /** The operator's corrections to the season calendar, by season then event. */
  getCalendarOverrides(): Promise<Record<string, Record<string, CalendarEntry>>>;
  saveCalendarOverride(season: number, event: string, entry: CalendarEntry): Promise<void>;

  // ---- SMS conversation ------------------------------------------------------

  /**
   * Marks an inbound text's MessageSid as seen; false when it was seen before. Twilio signs no
   * timestamp, so a replayed webhook validates: this conditional write is what stops it.
   */
  claimInboundSms(messageSid: string, at: Date): Promise<boolean>;
  /** Forgets a claim whose processing failed, so a retry of the same webhook can run it again. */
  releaseInboundSms(messageSid: string): Promise<void>;
  /** Stores one journal entry; the same (personId, entryId) again replaces it. */
  saveJournalEntry(entry: JournalEntry): Promise<void>;
  /** A person's journal, oldest first; with `inReplyTo`, only the answers to that message of ours. */
  listJournalEntries(personId: string, filter?: { inReplyTo?: string }): Promise<JournalEntry[]>;
  /** A safety event; a risk or distress flag also lands in that month's alerts, atomically. */
  saveSafetyEvent(event: SafetyEvent): Promise<void>;
  /** A person's safety events, oldest first. */
  listSafetyEvents(personId: string): Promise<SafetyEvent[]>;
  /** Every risk and distress flag raised in a UTC month (`yyyy-mm`), newest first. */
  listSafetyAlerts(month: string): Promise<SafetyAlert[]>;
  /**
   * Records a delivery state on a message when it is later than the stored one (see
   * shared/domain/delivery.ts), as one conditional write so concurrent callbacks converge. False
   * when the stored state is as late or later, or there is no such message; otherwise the message
   * as it was just before (what the state moved from, and whose it is: engagement counts need both).
   */
  recordDelivery(ref: { personId: string; messageId: string }, delivery: Delivery): Promise<Message | false>;

  // ---- Email subscription ----------------------------------------------------

  /**
   * Spends a signed link's nonce (a conditional put): true the first time, false ever after, so a
   * confirmation link works once. The record holds the nonce alone and lapses with the link.
   */
  consumeTokenNonce(nonce: string, expiresAt: Date): Promise<boolean>;
  /**
   * Claims the right to send a person a notice (a fresh confirmation email, "already subscribed")
   * until `until`: false while an earlier claim still holds, so a form cannot be used to flood
   * someone's inbox. Kept in the person's partition, so erasure takes it too.
   */
  claimPersonNotice(personId: string, notice: string, now: Date, until: Date): Promise<boolean>;
  /**
   * "Delete all my data": every item in the person's partition (profile, enrollments, messages,
   * journal, safety events, notices), their phone and email lookups, season membership and
   * safety alerts. Returns how many items went. Idempotent; the profile goes last (marked as being
   * erased, so nobody reads it), so a run cut short can be repeated with the same link.
   */
  erasePerson(personId: string, at?: Date): Promise<number>;
  /**
   * Erasure's first step, also taken by erasePerson itself: from now on the person reads as
   * absent and every guarded write for them raises PersonGone. False when there is no profile.
   * Callers that delete other records first (memberships) take it before them.
   * `onlyTheOwnRecordOf`: an organisation erasing its own record: in the same write, only if that
   * organisation brought it and nothing in it is confirmed (a yes given a moment ago stops it).
   */
  beginErasure(personId: string, at: Date, options?: { onlyTheOwnRecordOf?: string }): Promise<boolean>;
}

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
  /** Our deterministic message id, passed to the provider as a tag for tracing. */
  messageId: string;
}

export interface SmsMessage {
  to: string;
  body: string;
  messageId: string;
  /** Seconds the provider may hold a time-bound text before dropping it. */
  validityPeriodSeconds?: number;
  /** Where the provider reports delivery for this text (carries our ids; the provider signs it). */
  statusCallbackUrl?: string;
}

/**
 * One WhatsApp message. `to` is the person's E.164 number (the adapter makes it Twilio's
 * `whatsapp:` address): never an address taken from a request. Free text only inside the
 * customer service window; a template (its approved Content SID and the values of its
 * placeholders) otherwise.
 */
export interface WhatsAppMessage {
  to: string;
  messageId: string;
  content: { kind: 'text'; body: string } | { kind: 'template'; contentSid: string; variables: Record<string, string> };
  /** Seconds the provider may hold a time-bound message before dropping it. */
  validityPeriodSeconds?: number;
  /** Where the provider reports delivery (and WhatsApp's refusals, which come this way). */
  statusCallbackUrl?: string;
}

export interface WhatsAppSender {
  send(message: WhatsAppMessage): Promise<SendResult>;
}

/**
 * A provider's answer, as a value: adapters never throw for provider errors. A failure's `code`
 * is what the dispatcher decides on; its `reason` is the provider's answer in words (codes, never
 * an address or the text), for logs and the record only.
 */
export type SendResult =
  | { status: 'sent'; providerId: string }
  | {
      status: 'failed';
      retryable: true;
      code: SendFailureCode;
      reason: string;
      retryAfterSeconds?: number;
    }
  | {
      status: 'failed';
      retryable: false;
      code: SendFailureCode;
      reason: string;
      /** A refusal WhatsApp gave at once rather than on a status callback (shared/domain/whatsapp.ts). */
      whatsappErrorCode?: number;
    };

export interface EmailSender {
  send(message: EmailMessage): Promise<SendResult>;
}

export interface SmsSender {
  send(message: SmsMessage): Promise<SendResult>;
}

/** Structured logs: ids and outcomes only, never an address, a number or a message body. */
export interface Logger {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** The logger a use case was given, or one that says nothing: logging is optional in every deps. */
export const loggerOf = (deps: { log?: Logger | undefined }): Logger => deps.log ?? silentLogger;

/**
 * Shared send budgets (shared/domain/pacing.ts): one atomic counter per channel and pacing window
 * (or day, for a daily quota), in the store every dispatcher uses, so concurrent dispatchers
 * together stay within a provider's rate instead of each guessing its share.
 */
export interface RateBudget {
  /**
   * Adds `wanted` to the counter of (channel, windowMs, window) and returns the numbers granted:
   * [first, first + count), only those below `limit`. A counter nobody has drawn from yet starts
   * at `startAt` (numbers before it are in the past), and `start` says where this window's counter
   * started, whoever started it. Counters expire by themselves.
   */
  take(request: RateTake): Promise<RateGrant>;
}

interface RateGrant {
  first: number;
  count: number;
  start: number;
}

export interface RateTake {
  channel: Channel;
  /** The window's length: a pacing window (about a second) or a day (the daily quota). */
  windowMs: number;
  /** Which window: floor(instant / windowMs). */
  window: number;
  limit: number;
  wanted: number;
  startAt: number;
}
