import type { Channel } from '../domain/sequence';
import type { CalendarEntry } from '../domain/calendar';
import type { DueMessageRef, Enrollment, Message, Person, Attempt } from '../domain/model';

/** Ports: the narrow interfaces the use cases need. Adapters (dynamo, ses, twilio, memory) implement them. */

export interface Clock {
  now(): Date;
}

export interface Store {
  savePerson(person: Person): Promise<void>;
  getPerson(personId: string): Promise<Person | undefined>;
  findPersonIdByPhone(phone: string): Promise<string | undefined>;
  findPersonIdByEmail(email: string): Promise<string | undefined>;

  saveEnrollment(enrollment: Enrollment): Promise<void>;
  getEnrollment(personId: string, enrollmentId: string): Promise<Enrollment | undefined>;
  listEnrollments(personId: string): Promise<Enrollment[]>;

  /** Everyone whose profile is in this Match season (a calendar correction re-plans them). */
  listPersonIdsInSeason(season: number): Promise<string[]>;

  /**
   * Creates the message unless one with that id exists already; false when it did. A message
   * withdrawn by re-planning (skipped, reason `replanned`) does not count: it may be planned anew.
   */
  createMessage(message: Message): Promise<boolean>;
  getMessage(personId: string, messageId: string): Promise<Message | undefined>;
  listMessages(personId: string): Promise<Message[]>;
  /** Messages whose due time has come, oldest first, read from the sparse due index only. */
  listDueMessages(now: Date, limit: number): Promise<DueMessageRef[]>;
  /**
   * Takes a lease on a due message. Succeeds for exactly one caller per due time: the message
   * moves out of the due index until the lease ends. Returns the message, or undefined if another
   * dispatcher got there first or it is no longer due.
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
  /** Ends every message of a person still to go out (on one channel, or all), with a reason. */
  cancelPendingMessages(personId: string, reason: string, now: Date, channel?: Channel): Promise<number>;

  /** The operator's corrections to the season calendar, by season then event. */
  getCalendarOverrides(): Promise<Record<string, Record<string, CalendarEntry>>>;
  saveCalendarOverride(season: number, event: string, entry: CalendarEntry): Promise<void>;
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

/** A provider's answer, as a value: adapters never throw for provider errors. */
export type SendResult =
  | { status: 'sent'; providerId: string }
  | { status: 'failed'; retryable: true; reason: string; retryAfterSeconds?: number }
  | { status: 'failed'; retryable: false; reason: string; optedOut?: boolean };

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
