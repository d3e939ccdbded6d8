import type { Channel } from '../domain/sequence';
import type { SendFailureCode } from '../domain/outcome-codes';
import type { PeopleStore } from './people';
import type { EnrollmentStore } from './enrollments';
import type { OutboxStore } from './outbox';
import type { ConversationStore, ConversationWindowStore } from './conversation';
import type { LinkStore } from './links';
import type { CalendarOverrideStore } from './calendar-overrides';
import type { PlanStore } from './plan';

export type { NewPerson } from './people';
export type { OutboxStore } from './outbox';
export type { ConversationWindowStore } from './conversation';
export type { PlanStore } from './plan';

/** Ports: the narrow interfaces the use cases need. Adapters (dynamo, ses, twilio, memory) implement them. */

export interface Clock {
  now(): Date;
}

/**
 * Erasure is final: every write that adds to a person's records (enrollments, messages, journal,
 * safety events, plan, notices, memberships) is made only while the person lives, and raises
 * PersonGone (shared/domain/errors.ts) otherwise: never created, erased, or being erased. Updates
 * of existing records fail quietly once the record is gone. A person being erased reads as absent.
 * One port per aggregate (the files beside this one); the DynamoDB store and its memory twin
 * implement them all, so a use case may ask for the one it needs or for the whole Store.
 */
export interface Store
  extends PeopleStore,
    EnrollmentStore,
    OutboxStore,
    ConversationStore,
    ConversationWindowStore,
    LinkStore,
    CalendarOverrideStore,
    PlanStore {}

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
