import type { BudgetReason } from './budget';
import type { WhatsAppReason } from './whatsapp';

/**
 * Typed outcome codes: what a send, an attempt, a skip or a cancellation was, as a value the
 * code decides on. The human `reason`/`detail` next to a code is for logs and records only; no
 * decision reads it (its wording belongs to whoever wrote it, and changing it must not change
 * what the dispatcher does).
 */

/**
 * Why a provider did not take a message (SendResult). `retryable` on the result says whether the
 * same request may succeed later; the code says what kind of failure it was.
 */
const SEND_FAILURE_CODES = [
  /** We sent too fast (HTTP 429, Twilio 20429, SES sending rate): slow down and retry, never give up for it. */
  'throttled',
  /** No answer within the request timeout: the message may or may not have gone. */
  'timeout',
  /** No answer at all (refused, reset, DNS): the message may or may not have gone. */
  'network',
  /** The provider failed on its side (5xx) or answered with something unreadable. */
  'provider_error',
  /** The email provider's daily quota or account limit: email pauses for a while. */
  'quota_exceeded',
  /** The email provider paused or suspended sending for the account: email pauses for a while. */
  'sending_paused',
  /** The provider refused this request (a 4xx it will give again): not retried. */
  'rejected',
  /** The address or number is not one the provider can send to. */
  'invalid_address',
  /** The recipient opted out at the carrier (Twilio 21610): their texts stop on every lane. */
  'opted_out',
  /** WhatsApp refused the recipient on the create itself (`whatsappErrorCode` says which refusal). */
  'whatsapp_refused',
  /** The WhatsApp template's Content SID is not registered with the provider. */
  'template_not_registered',
] as const;
export type SendFailureCode = (typeof SEND_FAILURE_CODES)[number];

/**
 * A message held back to be tried later without any provider failing: waiting out quiet hours,
 * a paused email account (ours or the provider's) or the spacing between texts. These never
 * count toward giving up.
 */
const HOLD_CODES = ['quiet_hours', 'email_paused', 'spacing', 'quota_exceeded', 'sending_paused'] as const;
export type HoldCode = (typeof HOLD_CODES)[number];

/** Why the dispatcher chose not to send a message (its `reason` as a skipped message, the same word). */
export type SkipCode =
  | 'step_removed'
  | 'past_deadline'
  | 'too_late'
  | 'late_day_passed'
  | 'nothing_from_plan'
  | 'step_has_no_text'
  | 'country_not_textable'
  | 'invitation_not_needed'
  | 'not_consented'
  | 'paused'
  | 'not_a_member'
  | WhatsAppReason;

/** Failures that are ours, not a provider's: words that would not render, a link not configured. */
export type InternalFailureCode = 'content_error' | 'render_error' | 'link_not_configured';

/** Why planning recorded a message as skipped rather than queue it: too late for its deadline, or over the weekly budget. */
type PlanningSkipCode = 'after_deadline' | BudgetReason;

/** What one recorded attempt was (Attempt.code). */
export type AttemptCode = 'sent' | SendFailureCode | HoldCode | SkipCode | InternalFailureCode | PlanningSkipCode | 'replanned';

/** Why pending messages were cancelled (cancelPendingMessages), stored as the messages' reason. */
export type CancelReason =
  | 'replanned'
  | 'whatsapp_unreachable'
  | 'unsubscribed'
  | 'sms-off'
  | 'whatsapp-off'
  | 'bounced'
  | 'complained'
  | 'opted_out'
  | 'removed-from-cohort'
  | 'erased'
  | `switched-to-${'sms' | 'whatsapp' | 'email'}`;

const HOLDS: ReadonlySet<string> = new Set(HOLD_CODES);

/** A retry that was a provider failing (counted toward giving up), not a hold. */
export const isHold = (code: AttemptCode | undefined): boolean => code !== undefined && HOLDS.has(code);

/**
 * The code of a recorded attempt. Attempts stored before codes were recorded have only their
 * detail: for those alone the code is read from the wording the adapters and the dispatcher used
 * then, so old messages are retried exactly as they would have been. Nothing new is written
 * without a code, so this reading never grows.
 */
export function attemptCode(attempt: { detail: string; code?: AttemptCode }): AttemptCode | undefined {
  if (attempt.code !== undefined) return attempt.code;
  return legacyAttemptCode(attempt.detail);
}

function legacyAttemptCode(detail: string): AttemptCode | undefined {
  if (detail === 'sent' || detail === 'quiet_hours' || detail === 'email_paused' || detail === 'spacing') return detail;
  if (/^quota:/.test(detail)) return 'quota_exceeded';
  if (/^paused:/.test(detail)) return 'sending_paused';
  // SES wrote `throttled:...`; Twilio `twilio error 20429 (HTTP 429)` or any `(HTTP 429)`.
  if (/^throttled:|\b20429\b|\(HTTP 429\)/.test(detail)) return 'throttled';
  // Any other wording: a failure of unknown kind, which counts toward giving up as it always did.
  return undefined;
}
