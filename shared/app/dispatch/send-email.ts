/** Sending one email, whatever it is (coaching, an invitation, an announcement). */
import type { Message } from '../../domain/model';
import type { RenderedEmail } from '../../domain/render';
import type { DispatchContext, Tick } from './context';
import { hold, type Outcome } from './outcome';
import { outcomeOf } from './retry';
import { EMAIL_PAUSE_MS, noteThrottling, pauseEmail, waitForSlot } from './send-slot';

/** While email is paused this tick, an email is held for the pause rather than tried. */
export function emailPausedHold(tick: Tick, now: Date): Outcome | undefined {
  return tick.report.emailPaused ? hold('email_paused', new Date(now.getTime() + EMAIL_PAUSE_MS)) : undefined;
}

/** docs/rules.md: every email that is not transactional carries RFC 8058 one-click unsubscribe. */
export function unsubscribeHeaders(ctx: DispatchContext, personId: string): Record<string, string> | undefined {
  const links = ctx.settings.links;
  return links ? { 'List-Unsubscribe': `<${links.unsubscribeUrl(personId)}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : undefined;
}

/** One email, once its slot of the shared budget comes; SES's own quota answer pauses email. */
export async function sendEmail(
  ctx: DispatchContext,
  tick: Tick,
  message: Message,
  rendered: RenderedEmail,
  headers: Record<string, string> | undefined,
  urgent: boolean,
  deadline: Date | undefined,
): Promise<Outcome> {
  const { deps } = ctx;
  const { report } = tick;
  const slot = await waitForSlot(ctx, 'email', urgent, report, deadline);
  if (slot.kind !== 'go') return slot.outcome;
  // A slot is within our own daily budget, but not within SES's if SES has just said no.
  if (tick.providerPausedEmail) return hold('email_paused', new Date(deps.clock.now().getTime() + EMAIL_PAUSE_MS));
  const result = await deps.email.send({ to: message.to, ...rendered, messageId: message.messageId, ...(headers ? { headers } : {}) });
  const answeredAt = deps.clock.now();
  if (result.status === 'failed' && result.retryable && (result.code === 'quota_exceeded' || result.code === 'sending_paused')) {
    tick.providerPausedEmail = true;
    pauseEmail(ctx, report, result.reason);
    return { kind: 'retry', code: result.code, reason: result.reason, at: new Date(answeredAt.getTime() + EMAIL_PAUSE_MS) };
  }
  noteThrottling(ctx, 'email', result, report);
  return outcomeOf(result, message, answeredAt, ctx.settings.maxAttempts);
}
