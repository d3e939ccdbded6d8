import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Attempt, DueMessageRef, Message } from '../domain/model';
import { findStep, renderEmail, renderSms, contextFor } from '../domain/render';
import { isInQuietHours, outsideQuietHours, type QuietHours } from '../domain/schedule';
import { wordsFor } from '../domain/eligibility';
import type { Clock, EmailSender, Logger, SendResult, SmsSender, Store } from '../ports';
import { silentLogger } from '../ports';
import { loadLibrary } from './library';
import { allAnchors, cursorOf, laneOf, planNextMessage, type Library } from './planning';

export interface DispatchSettings {
  leaseSeconds: number;
  concurrency: number;
  /** Stop claiming new work after this long, leaving time to finish what is in hand. */
  maxDurationMs: number;
  postalAddress: string;
  batchSize?: number;
  maxAttempts?: number;
  /** A message with no deadline that is this late is skipped rather than sent out of context. */
  lateAfterHours?: number;
  /**
   * Signed links for a person's emails (RFC 8058 one-click unsubscribe, the preference centre)
   * and where Twilio reports an SMS's delivery. Without them emails carry no unsubscribe header.
   */
  links?: {
    unsubscribeUrl(personId: string): string;
    preferencesUrl(personId: string): string;
    smsStatusCallbackUrl?(personId: string, messageId: string): string;
  };
}

export interface DispatchDeps {
  store: Store;
  email: EmailSender;
  sms: SmsSender;
  clock: Clock;
  /** Fixed content for tests; otherwise loaded once per tick with the calendar corrections. */
  library?: Library;
  settings: DispatchSettings;
  log?: Logger;
}

export interface DispatchReport {
  claimed: number;
  sent: number;
  skipped: number;
  failed: number;
  retried: number;
  /** Refs another dispatcher claimed first: normal when ticks overlap. */
  lostRaces: number;
  /** Unexpected faults (storage errors); the lease brings those messages back. */
  errors: number;
  emailPaused: boolean;
}

type Outcome =
  | { kind: 'sent'; providerId: string }
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'retry'; reason: string; at: Date };

const MAX_ROUNDS = 1_000;

/** Exponential backoff from 30 s, capped at 30 min: 30 s, 1 min, 2 min, 4 min ... */
export const backoffSeconds = (attempt: number) => Math.min(30 * 2 ** (attempt - 1), 1800);

/**
 * One dispatcher tick.
 * 1. Reads what is due from the sparse due index (never who is enrolled).
 * 2. Claims each message with a conditional write and a lease; a lost race is skipped.
 * 3. Plans the lane's next message before sending, so a crash cannot break the chain.
 * 4. Checks the message is still worth sending (deadline, lateness, quiet hours for SMS).
 * 5. Sends, then records the outcome as a value: sent, skipped or failed, or due again later.
 */
export function createDispatcher(deps: DispatchDeps) {
  const log = deps.log ?? silentLogger;
  const s = { batchSize: 100, maxAttempts: 8, lateAfterHours: 12, ...deps.settings };

  return async function dispatchDueMessages(): Promise<DispatchReport> {
    const report: DispatchReport = { claimed: 0, sent: 0, skipped: 0, failed: 0, retried: 0, lostRaces: 0, errors: 0, emailPaused: false };
    const startedAt = performance.now();
    const library = deps.library ?? (await loadLibrary(deps.store));
    for (let round = 0; round < MAX_ROUNDS && performance.now() - startedAt < s.maxDurationMs; round++) {
      const refs = await deps.store.listDueMessages(deps.clock.now(), s.batchSize);
      if (refs.length === 0) break;
      await inPool(refs, s.concurrency, async (ref) => {
        if (performance.now() - startedAt >= s.maxDurationMs) return;
        try {
          await dispatchOne(ref, report, library);
        } catch (error) {
          report.errors++;
          log.error('dispatch fault; the lease will bring the message back', {
            messageId: ref.messageId,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      });
    }
    return report;
  };

  async function dispatchOne(ref: DueMessageRef, report: DispatchReport, library: Library): Promise<void> {
    const now = deps.clock.now();
    const token = randomUUID();
    const message = await deps.store.claimMessage(ref, { token, now, until: new Date(now.getTime() + s.leaseSeconds * 1000) });
    if (!message) {
      report.lostRaces++;
      return;
    }
    report.claimed++;
    await planNextMessage({ store: deps.store, library }, laneOf(message), cursorOf(message), now);

    const outcome = await deliver(message, now, report, library);
    const attempt: Attempt = {
      at: now.toISOString(),
      outcome: outcome.kind,
      detail: outcome.kind === 'sent' ? 'sent' : outcome.reason,
    };
    const ids = { personId: message.personId, messageId: message.messageId };
    let recorded: boolean;
    if (outcome.kind === 'retry') {
      recorded = await deps.store.releaseForRetry(ids, token, outcome.at, attempt);
      report.retried++;
    } else if (outcome.kind === 'sent') {
      recorded = await deps.store.finishMessage(ids, token, { status: 'sent', attempt, providerId: outcome.providerId });
      report.sent++;
    } else {
      const status = outcome.kind === 'skipped' ? 'skipped' : 'failed';
      recorded = await deps.store.finishMessage(ids, token, { status, attempt, reason: outcome.reason });
      report[status]++;
    }
    if (!recorded) {
      // Only possible if this send outlived its lease: the message may go out once more.
      log.warn('lease ended before the outcome was recorded', { messageId: message.messageId, outcome: outcome.kind });
    }
    log.info('dispatched', { messageId: message.messageId, channel: message.channel, outcome: outcome.kind, detail: attempt.detail });
  }

  async function deliver(message: Message, now: Date, report: DispatchReport, library: Library): Promise<Outcome> {
    const sequence = library.sequences.get(message.sequenceId);
    const step = sequence && findStep(sequence, message.stepId);
    if (!step) return { kind: 'skipped', reason: 'step_removed' };
    const deadline = message.deadlineAt ? new Date(message.deadlineAt) : undefined;
    if (deadline && now >= deadline) return { kind: 'skipped', reason: 'past_deadline' };
    if (!deadline && now.getTime() - expectedAt(message).getTime() > s.lateAfterHours * 3_600_000) {
      return { kind: 'skipped', reason: 'too_late' };
    }
    const ctx = contextFor(message, allAnchors(message, library.calendar));
    let words;
    try {
      words = wordsFor(step, message.profile, new Date(message.sendAt), message.zone, library.pools);
    } catch (error) {
      return { kind: 'failed', reason: `content: ${(error as Error).message}` };
    }

    if (message.channel === 'sms') {
      const quiet = message.quietHours as QuietHours | undefined;
      if (isInQuietHours(now, message.zone, quiet)) {
        const morning = outsideQuietHours(DateTime.fromJSDate(now, { zone: message.zone }), quiet).toJSDate();
        if (deadline && morning >= deadline) return { kind: 'skipped', reason: 'past_deadline' };
        return { kind: 'retry', reason: 'quiet_hours', at: morning };
      }
      let body: string;
      try {
        body = renderSms(words, ctx);
      } catch (error) {
        return { kind: 'failed', reason: `render: ${(error as Error).message}` };
      }
      const validity = deadline ? Math.min(36_000, Math.floor((deadline.getTime() - now.getTime()) / 1000)) : undefined;
      const statusCallbackUrl = s.links?.smsStatusCallbackUrl?.(message.personId, message.messageId);
      const result = await deps.sms.send({
        to: message.to,
        body,
        messageId: message.messageId,
        ...(validity ? { validityPeriodSeconds: validity } : {}),
        ...(statusCallbackUrl ? { statusCallbackUrl } : {}),
      });
      if (result.status === 'failed' && !result.retryable && result.optedOut) await honourSmsOptOut(message, now);
      return outcomeOf(result, message, now);
    }

    if (report.emailPaused) return { kind: 'retry', reason: 'email_paused', at: new Date(now.getTime() + 15 * 60_000) };
    let rendered;
    try {
      const preferencesUrl = s.links?.preferencesUrl(message.personId);
      rendered = renderEmail(words, ctx, { postalAddress: s.postalAddress, ...(preferencesUrl ? { preferencesUrl } : {}) });
    } catch (error) {
      return { kind: 'failed', reason: `render: ${(error as Error).message}` };
    }
    // RULES.md: every coaching email carries RFC 8058 one-click unsubscribe.
    const headers = s.links
      ? { 'List-Unsubscribe': `<${s.links.unsubscribeUrl(message.personId)}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
      : undefined;
    const result = await deps.email.send({ to: message.to, ...rendered, messageId: message.messageId, ...(headers ? { headers } : {}) });
    if (result.status === 'failed' && result.retryable && /^(quota|paused):/.test(result.reason)) {
      // RULES.md: a daily quota pauses email sending and raises an alarm (metric filter on this log).
      report.emailPaused = true;
      log.error('email sending paused by the provider', { reason: result.reason, alarm: 'EmailSendingPaused' });
      return { kind: 'retry', reason: result.reason, at: new Date(now.getTime() + 15 * 60_000) };
    }
    return outcomeOf(result, message, now);
  }

  function outcomeOf(result: SendResult, message: Message, now: Date): Outcome {
    if (result.status === 'sent') return { kind: 'sent', providerId: result.providerId };
    if (!result.retryable) return { kind: 'failed', reason: result.reason };
    const attemptNo = message.attempts.filter((a) => a.outcome === 'retry' && isProviderFailure(a.detail)).length + 1;
    if (attemptNo >= s.maxAttempts) return { kind: 'failed', reason: `gave_up: ${result.reason}` };
    const wait = Math.max(result.retryAfterSeconds ?? 0, backoffSeconds(attemptNo));
    return { kind: 'retry', reason: result.reason, at: new Date(now.getTime() + wait * 1000) };
  }

  /** Twilio 21610: the number replied STOP at the carrier level; we stop too, on every lane. */
  async function honourSmsOptOut(message: Message, now: Date): Promise<void> {
    const person = await deps.store.getPerson(message.personId);
    if (person?.consent.sms && person.consent.sms.state !== 'revoked') {
      await deps.store.savePerson({
        ...person,
        consent: { ...person.consent, sms: { ...person.consent.sms, state: 'revoked', source: 'carrier-opt-out', at: now.toISOString() } },
      });
    }
    await deps.store.cancelPendingMessages(message.personId, 'opted_out', now, 'sms');
  }
}

/** Waiting out quiet hours or a paused email account is not a failed attempt. */
const isProviderFailure = (detail: string) => detail !== 'quiet_hours' && detail !== 'email_paused' && !/^(quota|paused):/.test(detail);

/**
 * When the person expects the message: its planned time, or the morning it was held for when
 * quiet hours deferred it (a nudge held overnight is on time the next morning, not 14 hours late).
 */
function expectedAt(message: Message): Date {
  const held = message.attempts.filter((a) => a.detail === 'quiet_hours').at(-1);
  if (!held) return new Date(message.sendAt);
  const quiet = message.quietHours as QuietHours | undefined;
  return outsideQuietHours(DateTime.fromISO(held.at, { zone: message.zone }), quiet).toJSDate();
}

/** Runs `work` over items with at most `limit` in flight. */
async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
