/**
 * What became of one message as a value (sent, skipped, failed, or due again later), which the
 * dispatcher records on the message; and the few ways of saying so that every kind of message uses.
 */
import type { HoldCode, InternalFailureCode, SendFailureCode, SkipCode } from '../../domain/outcome-codes';
import type { WhatsAppReason } from '../../domain/whatsapp';

/** What a text cost, as carriers count it (shared/domain/template.ts smsSegments). */
interface SmsCost {
  segments: number;
  encoding: 'GSM-7' | 'UCS-2';
}

/** What became of one message; every kind but `sent` carries its code (what is decided on) and its reason in words (what is recorded). */
export type Outcome =
  | { kind: 'sent'; providerId: string; sms?: SmsCost }
  | { kind: 'skipped'; code: SkipCode; reason: string }
  | { kind: 'failed'; code: SendFailureCode | InternalFailureCode | WhatsAppReason; reason: string }
  | { kind: 'retry'; code: SendFailureCode | HoldCode; reason: string; at: Date };

/** A skip's reason is its code, as stored on skipped messages since before codes existed. */
export const skip = (code: SkipCode): Extract<Outcome, { kind: 'skipped' }> => ({ kind: 'skipped', code, reason: code });
/** Held back for later without any provider failing; the reason is the code. */
export const hold = (code: 'quiet_hours' | 'email_paused' | 'spacing', at: Date): Extract<Outcome, { kind: 'retry' }> => ({ kind: 'retry', code, reason: code, at });
/** Words that would not render (a slot without a value, a template's limits): failed, with the renderer's reason. */
export const renderFailure = (error: unknown): Extract<Outcome, { kind: 'failed' }> => ({ kind: 'failed', code: 'render_error', reason: `render: ${(error as Error).message}` });
