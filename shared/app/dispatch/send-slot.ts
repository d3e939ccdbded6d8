/**
 * The shared send budget, as one message sees it: waiting for its channel's slot, and what the
 * providers' answers do to the channel (a 429 slows it down; a spent quota pauses email).
 */
import type { Channel } from '../../domain/sequence';
import type { SendResult } from '../../ports';
import type { DispatchContext } from './context';
import type { DispatchReport } from './deps';
import { skip, type Outcome } from './outcome';

/** How long email waits once the quota is spent or SES paused the account. */
export const EMAIL_PAUSE_MS = 15 * 60_000;

/**
 * Waits for this channel's next send slot (urgent messages first). A message whose deadline
 * passed while it waited is skipped, not sent late; a spent daily quota pauses email.
 */
export async function waitForSlot(
  ctx: DispatchContext,
  channel: Channel,
  urgent: boolean,
  report: DispatchReport,
  deadline: Date | undefined,
): Promise<{ kind: 'go' } | { kind: 'hold'; outcome: Outcome }> {
  const pacer = ctx.pacers.get(channel);
  if (!pacer) return { kind: 'go' };
  const answer = await pacer.waitForSlot(urgent);
  const at = ctx.deps.clock.now();
  if (answer.kind === 'daily-quota') {
    pauseEmail(ctx, report, 'quota: daily quota reached (Match Coach budget)');
    return { kind: 'hold', outcome: { kind: 'retry', code: 'quota_exceeded', reason: 'quota: daily quota reached', at: new Date(at.getTime() + EMAIL_PAUSE_MS) } };
  }
  if (deadline && at >= deadline) return { kind: 'hold', outcome: skip('past_deadline') };
  return { kind: 'go' };
}

export function pauseEmail(ctx: DispatchContext, report: DispatchReport, reason: string): void {
  if (report.emailPaused) return;
  // docs/rules.md: a daily quota pauses email sending and raises an alarm (metric filter on this log).
  report.emailPaused = true;
  ctx.log.error('email sending paused by the provider', { reason, alarm: 'EmailSendingPaused' });
}

/** A 429 slows the whole channel down for this dispatcher; the message itself is retried. */
export function noteThrottling(ctx: DispatchContext, channel: Channel, result: SendResult, report: DispatchReport): void {
  if (result.status !== 'failed' || !result.retryable || result.code !== 'throttled') return;
  report.throttled++;
  ctx.pacers.get(channel)?.slowDown((result.retryAfterSeconds ?? 0) * 1000);
  ctx.log.warn('provider asked us to send more slowly', { channel });
}
