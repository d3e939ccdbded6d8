/**
 * What a provider's answer means for the message: sent, failed for good, or tried again after a
 * backoff (retryDecision).
 */
import type { Attempt, Message } from '../../domain/model';
import { attemptCode, isHold } from '../../domain/outcome-codes';
import type { SendResult } from '../../ports';
import type { Outcome } from './outcome';

/** Exponential backoff from 30 s, capped at 30 min: 30 s, 1 min, 2 min, 4 min ... */
export const backoffSeconds = (attempt: number) => Math.min(30 * 2 ** (attempt - 1), 1800);

/**
 * A retryable provider failure: tried again after a backoff, or given up after `maxAttempts`
 * provider failures. Decided on the attempts' codes (old attempts without one: outcome-codes.ts).
 * Holds (quiet hours, a paused email account, the spacing between texts) are no failed attempt;
 * throttling is never a reason to give up (docs/rules.md: retried, never dropped), though it
 * still backs off.
 */
export function retryDecision(
  result: Extract<SendResult, { status: 'failed'; retryable: true }>,
  attempts: readonly Attempt[],
  maxAttempts: number,
  now: Date,
): Extract<Outcome, { kind: 'failed' | 'retry' }> {
  const earlier = attempts.filter((a) => a.outcome === 'retry' && !isHold(attemptCode(a)));
  const failures = earlier.filter((a) => attemptCode(a) !== 'throttled').length + (result.code === 'throttled' ? 0 : 1);
  if (failures >= maxAttempts) return { kind: 'failed', code: result.code, reason: `gave_up: ${result.reason}` };
  const wait = Math.max(result.retryAfterSeconds ?? 0, backoffSeconds(earlier.length + 1));
  return { kind: 'retry', code: result.code, reason: result.reason, at: new Date(now.getTime() + wait * 1000) };
}

/** The outcome of one provider call: a retryable failure is tried again until `maxAttempts` (retryDecision). */
export function outcomeOf(result: SendResult, message: Message, now: Date, maxAttempts: number): Outcome {
  if (result.status === 'sent') return { kind: 'sent', providerId: result.providerId };
  if (!result.retryable) return { kind: 'failed', code: result.code, reason: result.reason };
  return retryDecision(result, message.attempts, maxAttempts, now);
}
