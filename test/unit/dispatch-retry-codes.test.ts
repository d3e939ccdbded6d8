import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import { backoffSeconds, retryDecision } from '../../shared/app/dispatch/retry';
import type { DispatchSettings } from '../../shared/app/dispatch/deps';
import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemorySmsSender } from '../../shared/adapters/memory/memory-sms-sender';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { attemptCode } from '../../shared/domain/outcome-codes';
import type { Attempt, Message } from '../../shared/domain/model';
import type { SendResult } from '../../shared/ports';
import { PROFILE } from '../support/store-fixtures';
import { queueMessage } from '../support/seed';

/** The retry policy decides on typed codes; its words are for the record, and old attempts have none. */

type Retryable = Extract<SendResult, { status: 'failed'; retryable: true }>;
const NOW = new Date('2027-01-04T04:00:00.000Z');
const retryAttempt = (over: Partial<Attempt>): Attempt => ({ at: '2027-01-04T03:00:00.000Z', outcome: 'retry', detail: 'x', ...over });
const serverError: Retryable = { status: 'failed', retryable: true, code: 'provider_error', reason: 'twilio error 20500 (HTTP 500)' };
const throttled: Retryable = { status: 'failed', retryable: true, code: 'throttled', reason: 'anything at all' };

describe('backoffSeconds', () => {
  it('doubles from 30 s for each attempt and stops at 30 min', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(backoffSeconds)).toEqual([30, 60, 120, 240, 480, 960, 1800, 1800, 1800]);
  });
});

describe('retryDecision: by code', () => {
  it('retries a provider failure with backoff until the attempt limit, then gives up keeping the code', () => {
    const two = [retryAttempt({ code: 'provider_error' }), retryAttempt({ code: 'timeout' })];
    const again = retryDecision(serverError, two, 8, NOW);
    expect(again).toMatchObject({ kind: 'retry', code: 'provider_error', reason: serverError.reason });
    // Third backoff: 30 s, 60 s, 120 s.
    expect(again.kind === 'retry' && again.at.getTime() - NOW.getTime()).toBe(120_000);
    expect(retryDecision(serverError, two, 3, NOW)).toEqual({ kind: 'failed', code: 'provider_error', reason: `gave_up: ${serverError.reason}` });
  });

  it('never gives up for throttling, whatever the wording, and still backs off', () => {
    const many = Array.from({ length: 10 }, () => retryAttempt({ code: 'throttled', detail: 'no words a regex knows' }));
    const decision = retryDecision(throttled, many, 3, NOW);
    expect(decision.kind).toBe('retry');
    expect(decision.kind === 'retry' && decision.at.getTime() - NOW.getTime()).toBe(1_800_000);
  });

  it('a throttled attempt worded like any other failure is still throttling; a failure worded like throttling is not', () => {
    const earlier = [retryAttempt({ code: 'throttled', detail: 'provider:http-500' }), retryAttempt({ code: 'provider_error', detail: 'throttled: (HTTP 429) 20429' })];
    // Only the provider_error counts, plus this one: 2 < 3.
    expect(retryDecision(serverError, earlier, 3, NOW).kind).toBe('retry');
    expect(retryDecision(serverError, earlier, 2, NOW).kind).toBe('failed');
  });

  it('holds (quiet hours, spacing, a paused or over-quota email account) are no failed attempt', () => {
    const holds = (['quiet_hours', 'spacing', 'email_paused', 'quota_exceeded', 'sending_paused'] as const).map((code) => retryAttempt({ code, detail: code }));
    const decision = retryDecision(serverError, holds, 2, NOW);
    expect(decision.kind).toBe('retry');
    // The first backoff: holds do not lengthen it.
    expect(decision.kind === 'retry' && decision.at.getTime() - NOW.getTime()).toBe(30_000);
  });

  it('takes the provider’s Retry-After when it is longer than the backoff', () => {
    const decision = retryDecision({ ...throttled, retryAfterSeconds: 90 }, [], 8, NOW);
    expect(decision.kind === 'retry' && decision.at.getTime() - NOW.getTime()).toBe(90_000);
  });
});

describe('attempts stored before codes were recorded', () => {
  it('read their code from the wording of the time', () => {
    expect(attemptCode({ detail: 'throttled:maximum-sending-rate-exceeded' })).toBe('throttled');
    expect(attemptCode({ detail: 'twilio error 20429 (HTTP 429)' })).toBe('throttled');
    expect(attemptCode({ detail: 'HTTP 429: Too Many Requests (20429)' })).toBe('throttled');
    expect(attemptCode({ detail: 'quota: daily quota reached' })).toBe('quota_exceeded');
    expect(attemptCode({ detail: 'paused:sending-paused' })).toBe('sending_paused');
    expect(attemptCode({ detail: 'quiet_hours' })).toBe('quiet_hours');
    expect(attemptCode({ detail: 'spacing' })).toBe('spacing');
    expect(attemptCode({ detail: 'email_paused' })).toBe('email_paused');
    expect(attemptCode({ detail: 'sent' })).toBe('sent');
    expect(attemptCode({ detail: 'twilio error 20500 (HTTP 500)' })).toBeUndefined();
  });

  it('a stored code wins over the wording', () => {
    expect(attemptCode({ code: 'provider_error', detail: 'throttled:http-429' })).toBe('provider_error');
  });

  it('are counted as they always were: old throttling does not bring giving up nearer, old failures do', () => {
    const old = [retryAttempt({ detail: 'twilio error 20429 (HTTP 429)' }), retryAttempt({ detail: 'throttled:http-429' }), retryAttempt({ detail: 'quiet_hours' })];
    expect(retryDecision(serverError, old, 2, NOW).kind).toBe('retry');
    const oldFailures = [retryAttempt({ detail: 'twilio error 20500 (HTTP 500)' }), retryAttempt({ detail: 'network:ECONNRESET' })];
    expect(retryDecision(serverError, oldFailures, 3, NOW)).toMatchObject({ kind: 'failed', code: 'provider_error' });
  });
});

describe('the dispatcher records codes and decides on them', () => {
  const settings: DispatchSettings = { leaseSeconds: 120, concurrency: 1, maxDurationMs: 30_000, postalAddress: 'Match Coach, 1 Test Street, Boston, MA', maxAttempts: 2 };
  const text = (over: Partial<Message> = {}): Message => ({
    personId: 'p-1',
    messageId: 'e-a.welcome.once.sms',
    enrollmentId: 'e-a',
    sequenceId: 'getting-started',
    stepId: 'welcome',
    channel: 'sms',
    to: '+919812345678',
    zone: 'Asia/Kolkata',
    firstName: 'Priya',
    anchors: { enrolled: NOW.toISOString() },
    profile: PROFILE,
    sendAt: NOW.toISOString(),
    status: 'planned',
    dueAt: NOW.toISOString(),
    attempts: [],
    updatedAt: NOW.toISOString(),
    ...over,
  });
  function world() {
    const store = createMemoryStore();
    const sms = createMemorySmsSender();
    const deps = { store, sms, email: createMemoryEmailSender(), clock: { now: () => NOW }, settings };
    return { store, sms, dispatch: createDispatcher(deps) };
  }

  it('a message stored with an old throttled attempt (no code) is retried, not given up, and the new attempt carries its code', async () => {
    const w = world();
    await queueMessage(w.store, text({ attempts: [{ at: '2027-01-04T03:59:00.000Z', outcome: 'retry', detail: 'twilio error 20429 (HTTP 429)' }] }));
    w.sms.failNext(1, serverError);
    expect(await w.dispatch()).toMatchObject({ retried: 1, failed: 0 });
    const stored = (await w.store.getMessage('p-1', 'e-a.welcome.once.sms'))!;
    expect(stored.status).toBe('planned');
    expect(stored.attempts.at(-1)).toMatchObject({ outcome: 'retry', code: 'provider_error', detail: serverError.reason });
  });

  it('a message stored with an old failed attempt (no code) gives up at the limit as before', async () => {
    const w = world();
    await queueMessage(w.store, text({ attempts: [{ at: '2027-01-04T03:59:00.000Z', outcome: 'retry', detail: 'twilio error 20500 (HTTP 500)' }] }));
    w.sms.failNext(1, serverError);
    expect(await w.dispatch()).toMatchObject({ retried: 0, failed: 1 });
    const stored = (await w.store.getMessage('p-1', 'e-a.welcome.once.sms'))!;
    expect(stored).toMatchObject({ status: 'failed', reason: `gave_up: ${serverError.reason}` });
    expect(stored.attempts.at(-1)).toMatchObject({ outcome: 'failed', code: 'provider_error' });
  });

  it('a throttled answer slows the channel and is retried whatever its wording says', async () => {
    const w = world();
    await queueMessage(w.store, text());
    w.sms.failNext(1, { status: 'failed', retryable: true, code: 'throttled', reason: 'slow down please' });
    expect(await w.dispatch()).toMatchObject({ retried: 1, throttled: 1 });
    expect((await w.store.getMessage('p-1', 'e-a.welcome.once.sms'))!.attempts.at(-1)).toMatchObject({ code: 'throttled', detail: 'slow down please' });
  });

  it('an opt-out is known by its code, not by its words', async () => {
    const w = world();
    await queueMessage(w.store, text());
    w.sms.failNext(1, { status: 'failed', retryable: false, code: 'opted_out', reason: 'carrier says no' });
    expect(await w.dispatch()).toMatchObject({ failed: 1 });
    expect((await w.store.getMessage('p-1', 'e-a.welcome.once.sms'))!.attempts.at(-1)).toMatchObject({ outcome: 'failed', code: 'opted_out' });
  });

  it('a skip records its code', async () => {
    const w = world();
    await queueMessage(w.store, text({ stepId: 'no-such-step' }));
    expect(await w.dispatch()).toMatchObject({ skipped: 1 });
    const stored = (await w.store.getMessage('p-1', 'e-a.welcome.once.sms'))!;
    expect(stored).toMatchObject({ status: 'skipped', reason: 'step_removed' });
    expect(stored.attempts.at(-1)).toMatchObject({ outcome: 'skipped', code: 'step_removed', detail: 'step_removed' });
  });
});
