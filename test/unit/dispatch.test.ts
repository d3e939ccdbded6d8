import { DateTime } from 'luxon';
import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import type { DispatchSettings } from '../../shared/app/dispatch/deps';
import { enroll } from '../../shared/app/scheduling/enroll';
import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemorySmsSender } from '../../shared/adapters/memory/memory-sms-sender';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { isInQuietHours } from '../../shared/domain/schedule';
import type { Message } from '../../shared/domain/model';
import type { Store } from '../../shared/ports';
import { PROFILE } from '../support/store-fixtures';
import { queueMessage } from '../support/seed';

/** The dispatcher on memory twins: a walk through the demo sequence, and every fault path. */

const settings: DispatchSettings = { leaseSeconds: 120, concurrency: 4, maxDurationMs: 30_000, postalAddress: 'Match Coach, 1 Test Street, Boston, MA' };
const ZONE = 'Asia/Kolkata';

function world(startIso = '2027-01-04T04:00:00Z', store: Store = createMemoryStore(), overrides: Partial<DispatchSettings> = {}) {
  let now = new Date(startIso);
  const clock = { now: () => now };
  const email = createMemoryEmailSender();
  const sms = createMemorySmsSender();
  const deps = { store, email, sms, clock, settings: { ...settings, ...overrides } };
  return {
    deps, store, email, sms, clock,
    at: (iso: string) => { now = new Date(iso); },
    advance: (ms: number) => { now = new Date(now.getTime() + ms); },
    dispatch: createDispatcher(deps),
    enroll: (over: Record<string, unknown> = {}) =>
      enroll(deps, { email: 'priya@example.com', phone: '+919812345678', firstName: 'Priya', timeZone: ZONE, sequenceId: 'getting-started', season: 2027, anchors: { step2_exam: '2027-01-20' }, ...over }),
  };
}

/** Ticks minute by minute (skipping empty stretches) until `untilIso`; bounded. */
async function walk(w: ReturnType<typeof world>, untilIso: string) {
  const until = Date.parse(untilIso);
  for (let i = 0; i < 10_000 && w.clock.now().getTime() <= until; i++) {
    await w.dispatch();
    const due = (await w.store.listDueMessages(new Date(until), 1))[0];
    if (!due) break;
    const next = Math.max(Date.parse(due.dueAt), w.clock.now().getTime() + 60_000);
    w.at(new Date(Math.ceil(next / 60_000) * 60_000).toISOString());
  }
}

describe('dispatching the demo sequence', () => {
  it('sends every message exactly once, on time, never an SMS in quiet hours', async () => {
    const w = world();
    const { personId, planned } = await w.enroll();
    expect(planned.map((m) => m.channel).sort()).toEqual(['email', 'sms']);
    await walk(w, '2027-02-15T00:00:00Z');

    const messages = await w.store.listMessages(personId);
    const sentIds = messages.filter((m) => m.status === 'sent').map((m) => m.messageId);
    expect(new Set(sentIds).size).toBe(sentIds.length);
    expect(w.sms.sent).toHaveLength(messages.filter((m) => m.status === 'sent' && m.channel === 'sms').length);
    expect(w.email.sent).toHaveLength(messages.filter((m) => m.status === 'sent' && m.channel === 'email').length);
    // welcome x2, breathing, check-in, mentor ask, 4 Sundays, exam alerts (14d email, 3d email+sms). The
    // first week has four routine texts: the weekly budget keeps three and records why it dropped the rest evening.
    expect(messages.filter((m) => m.status === 'sent').map((m) => m.stepId).sort()).toEqual(
      ['exam-in-three-days', 'exam-in-three-days', 'exam-in-two-weeks', 'first-checkin', 'one-mentor-ask', 'paced-breathing',
        'sunday-reflection', 'sunday-reflection', 'sunday-reflection', 'sunday-reflection', 'welcome', 'welcome'].sort(),
    );
    expect(messages.find((m) => m.stepId === 'rest-evening')).toMatchObject({ status: 'skipped', reason: 'budget:weekly-limit' });
    for (const m of messages.filter((m) => m.channel === 'sms' && m.status === 'sent')) {
      const sentAt = new Date(m.attempts.at(-1)!.at);
      expect(isInQuietHours(sentAt, ZONE)).toBe(false);
      expect(sentAt.getTime() - Date.parse(m.sendAt)).toBeLessThan(120_000);
    }
    const welcome = w.sms.sent.find((s) => s.body.startsWith('Hi Priya'));
    expect(welcome).toBeDefined();
    const mail = w.email.sent.find((e) => e.subject === 'Welcome to Match Coach')!;
    expect(mail.text).toContain('Match Coach, 1 Test Street');
    expect(mail.html).toContain('<p');
  });

  it('skips steps that fell before enrollment instead of sending them late', async () => {
    const w = world('2027-01-06T10:00:00Z'); // enrolled after the 14-days-before exam alert
    const { personId } = await w.enroll();
    await walk(w, '2027-01-21T00:00:00Z');
    const steps = (await w.store.listMessages(personId)).map((m) => m.stepId);
    expect(steps).not.toContain('exam-in-two-weeks');
    expect(steps).toContain('exam-in-three-days');
  });

  it('records an alert that would land after its deadline as skipped, never sends it', async () => {
    const w = world('2027-01-04T04:00:00Z');
    const { personId } = await w.enroll();
    // The dispatcher is down from before the 3-days-before alert until after the exam began.
    await walk(w, '2027-01-16T00:00:00Z');
    w.at('2027-01-20T03:00:00Z');
    await w.dispatch();
    const alerts = (await w.store.listMessages(personId)).filter((m) => m.stepId === 'exam-in-three-days');
    expect(alerts.map((m) => [m.channel, m.status, m.reason])).toEqual([
      ['email', 'skipped', 'past_deadline'],
      ['sms', 'skipped', 'past_deadline'],
    ]);
    expect(w.sms.sent.some((s) => s.body.includes('Step 2 CK'))).toBe(false);
  });
});

describe('faults', () => {
  it('two dispatchers ticking the same due set at once send each message exactly once', async () => {
    const w = world('2027-01-04T04:00:00Z');
    for (let i = 0; i < 40; i++) {
      await w.enroll({ email: `p${i}@example.com`, phone: `+91981234${String(i).padStart(4, '0')}` });
    }
    w.at('2027-01-04T13:31:00Z'); // 19:01 in Kolkata: every welcome is due
    const second = createDispatcher(w.deps);
    const [a, b] = await Promise.all([w.dispatch(), second()]);
    expect(a.sent + b.sent).toBe(80);
    expect(w.email.sent).toHaveLength(40);
    expect(w.sms.sent).toHaveLength(40);
    expect(new Set(w.sms.sent.map((s) => s.messageId)).size).toBe(40);
  });

  it('a dispatcher that dies after claiming: sent once, after the lease expires', async () => {
    const w = world('2027-01-04T04:00:00Z');
    await w.enroll({ phone: undefined });
    w.at('2027-01-04T13:31:00Z');
    const [ref] = await w.store.listDueMessages(w.clock.now(), 10);
    // The "dead" dispatcher: claims, then never sends nor records anything.
    expect(await w.store.claimMessage(ref!, { token: 'dead', now: w.clock.now(), until: new Date(w.clock.now().getTime() + 120_000) })).toBeDefined();
    expect((await w.dispatch()).sent).toBe(0); // still leased
    w.advance(121_000);
    expect((await w.dispatch()).sent).toBe(1);
    w.advance(600_000);
    expect((await w.dispatch()).sent).toBe(0);
    expect(w.email.sent.filter((e) => e.subject === 'Welcome to Match Coach')).toHaveLength(1);
  });

  it('429 and 5xx are retried with backoff and sent once; each attempt is recorded', async () => {
    const w = world('2027-01-04T04:00:00Z');
    const { personId } = await w.enroll({ email: undefined });
    w.sms.failNext(2, { status: 'failed', retryable: true, code: 'provider_error', reason: 'twilio 20429: too many requests' });
    w.at('2027-01-04T13:31:00Z');
    expect((await w.dispatch()).retried).toBe(1);
    w.advance(31_000);
    expect((await w.dispatch()).retried).toBe(1);
    w.advance(30_000);
    expect((await w.dispatch()).sent).toBe(0); // the second backoff is 60 s
    w.advance(31_000);
    expect((await w.dispatch()).sent).toBe(1);
    const welcome = (await w.store.listMessages(personId)).find((m) => m.stepId === 'welcome')!;
    expect(welcome.attempts.map((a) => a.outcome)).toEqual(['retry', 'retry', 'sent']);
    expect(w.sms.sent).toHaveLength(1);
  });

  it('gives up after the attempt limit and records why', async () => {
    const w = world('2027-01-04T04:00:00Z');
    const { personId } = await w.enroll({ phone: undefined });
    w.email.failNext(20, { status: 'failed', retryable: true, code: 'provider_error', reason: 'ses: service unavailable' });
    w.at('2027-01-04T13:31:00Z');
    for (let i = 0; i < 12; i++) {
      await w.dispatch();
      w.advance(31 * 60_000);
    }
    const welcome = (await w.store.listMessages(personId)).find((m) => m.stepId === 'welcome')!;
    expect(welcome.status).toBe('failed');
    expect(welcome.reason).toMatch(/^gave_up: ses/);
    expect(welcome.attempts).toHaveLength(8);
  });

  it('Twilio 21610 marks the number opted out, is not retried, and ends the person’s other texts', async () => {
    const w = world('2027-01-04T04:00:00Z');
    const { personId } = await w.enroll();
    w.sms.optOut('+919812345678');
    w.at('2027-01-04T13:31:00Z');
    const report = await w.dispatch();
    expect(report.failed).toBe(1);
    expect(report.sent).toBe(1); // the email still goes
    const person = await w.store.getPerson(personId);
    expect(person?.consent.sms?.state).toBe('revoked');
    const sms = (await w.store.listMessages(personId)).filter((m) => m.channel === 'sms');
    expect(sms.map((m) => m.status)).toEqual(['failed', 'skipped']);
    expect(sms[1]!.reason).toBe('opted_out');
    w.at('2027-01-10T12:00:00Z');
    await w.dispatch();
    expect(w.sms.sent).toHaveLength(0);
  });

  it('a retry that would land in quiet hours waits for the morning', async () => {
    const w = world();
    const { personId } = await w.enroll({ email: undefined });
    const before = w.sms.sent.length;
    w.sms.failNext(1, { status: 'failed', retryable: true, code: 'provider_error', reason: 'twilio 503' });
    w.at('2027-01-04T13:30:00Z'); // the welcome, 19:00 local
    expect((await w.dispatch()).retried).toBe(1);
    w.at('2027-01-04T15:31:00Z'); // 21:01 local: the retry is due, but it is quiet hours now
    await w.dispatch();
    expect(w.sms.sent.length).toBe(before);
    const welcome = (await w.store.listMessages(personId)).find((m) => m.stepId === 'welcome')!;
    expect(welcome.status).toBe('planned');
    expect(DateTime.fromISO(welcome.dueAt!, { zone: ZONE }).toFormat('yyyy-LL-dd HH:mm')).toBe('2027-01-05 08:00');
    w.at('2027-01-05T02:31:00Z'); // 08:01 local
    await w.dispatch();
    expect(w.sms.sent.length).toBe(before + 1);
  });

  it('after an outage, words from a slot are re-worded from the real time, words that name a day now passed are skipped; the record keeps both times', async () => {
    const w = world();
    const { personId } = await w.enroll();
    await walk(w, '2027-01-05T12:00:00Z');
    // Down from Tuesday to Thursday morning: the two-weeks alert planned for Wednesday goes a day late.
    w.at('2027-01-07T03:00:00Z');
    await w.dispatch();
    const late = w.email.sent.find((e) => e.messageId.includes('.exam-in-two-weeks.'))!;
    expect(late.subject).toBe('Step 2 CK in 13 days');
    const record = (await w.store.listMessages(personId)).find((m) => m.stepId === 'exam-in-two-weeks')!;
    expect([record.sendAt, record.attempts.at(-1)!.at]).toEqual(['2027-01-06T03:30:00.000Z', '2027-01-07T03:00:00.000Z']);
    // Down again over the three-days alert: "tonight" and "Three days to go" are false a day later.
    await walk(w, '2027-01-16T12:00:00Z');
    w.at('2027-01-18T04:00:00Z');
    await w.dispatch();
    const threeDays = (await w.store.listMessages(personId)).filter((m) => m.stepId === 'exam-in-three-days');
    expect(threeDays.map((m) => [m.channel, m.status, m.reason])).toEqual([
      ['email', 'skipped', 'late_day_passed'],
      ['sms', 'skipped', 'late_day_passed'],
    ]);
  });

  it('a daily email quota pauses email for the tick and retries later; SMS goes on', async () => {
    // One at a time, so "after the quota answer" is well defined; emails already in flight may finish.
    const w = world('2027-01-04T04:00:00Z', createMemoryStore(), { concurrency: 1 });
    await w.enroll({ email: 'a@example.com', phone: '+919800000001' });
    await w.enroll({ email: 'b@example.com', phone: '+919800000002' });
    w.email.failNext(1, { status: 'failed', retryable: true, code: 'quota_exceeded', reason: 'quota: daily message quota exceeded' });
    w.at('2027-01-04T13:31:00Z');
    const report = await w.dispatch();
    expect(report.emailPaused).toBe(true);
    expect(w.email.sent).toHaveLength(0);
    expect(w.sms.sent).toHaveLength(2);
    w.advance(16 * 60_000);
    await w.dispatch();
    expect(w.email.sent).toHaveLength(2);
  });
});

describe('links in what goes out', () => {
  it('every coaching email carries RFC 8058 one-click unsubscribe and the preference link; texts carry a status callback', async () => {
    const links = {
      unsubscribeUrl: (personId: string) => `https://coach.example.org/unsubscribe/tok-${personId}`,
      preferencesUrl: (personId: string) => `https://coach.example.org/preferences/tok-${personId}`,
      smsStatusCallbackUrl: (personId: string, messageId: string) => `https://coach.example.org/webhooks/twilio/status?p=${personId}&m=${messageId}`,
    };
    const w = world('2027-01-04T04:00:00Z', createMemoryStore(), { links });
    const { personId } = await w.enroll();
    w.at('2027-01-04T13:31:00Z');
    await w.dispatch();
    const mail = w.email.sent[0]!;
    expect(mail.headers).toEqual({
      'List-Unsubscribe': `<https://coach.example.org/unsubscribe/tok-${personId}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(mail.text).toContain(`https://coach.example.org/preferences/tok-${personId}`);
    expect(mail.html).toContain(`href="https://coach.example.org/preferences/tok-${personId}"`);
    expect(w.sms.sent[0]!.statusCallbackUrl).toBe(`https://coach.example.org/webhooks/twilio/status?p=${personId}&m=${w.sms.sent[0]!.messageId}`);
  });
});

describe('spacing between texts to one person', () => {
  const NOW = '2027-01-04T04:00:00.000Z'; // 09:30 in Kolkata
  /** A welcome text due now on a lane of its own (as if from another track). */
  const textDue = (personId: string, enrollmentId: string, over: Partial<Message> = {}): Message => ({
    personId,
    messageId: `${enrollmentId}.welcome.once.sms`,
    enrollmentId,
    sequenceId: 'getting-started',
    stepId: 'welcome',
    channel: 'sms',
    to: '+919812345678',
    zone: ZONE,
    firstName: 'Priya',
    anchors: { enrolled: NOW },
    profile: PROFILE,
    sendAt: NOW,
    status: 'planned',
    dueAt: NOW,
    attempts: [],
    updatedAt: NOW,
    ...over,
  });
  const welcomeOf = async (w: ReturnType<typeof world>, personId: string, enrollmentId: string) =>
    (await w.store.getMessage(personId, `${enrollmentId}.welcome.once.sms`))!;

  it('two routine texts due the same minute: one goes, the other waits the spacing, then goes; nobody else waits', async () => {
    const w = world(NOW, createMemoryStore(), { textSpacingMinutes: 30 });
    await queueMessage(w.store, textDue('p-1', 'e-a'));
    await queueMessage(w.store, textDue('p-1', 'e-b'));
    await queueMessage(w.store, textDue('p-2', 'e-c', { to: '+919812345679' }));
    expect(await w.dispatch()).toMatchObject({ sent: 2, retried: 1, spaced: 1 });
    expect(w.sms.sent.map((m) => m.to).sort()).toEqual(['+919812345678', '+919812345679']);
    const [a, b] = [await welcomeOf(w, 'p-1', 'e-a'), await welcomeOf(w, 'p-1', 'e-b')];
    const held = a.status === 'planned' ? a : b;
    expect(held).toMatchObject({ status: 'planned', dueAt: '2027-01-04T04:30:00.000Z' });
    expect(held.attempts).toEqual([expect.objectContaining({ outcome: 'retry', detail: 'spacing' })]);

    w.at('2027-01-04T04:30:00.000Z');
    expect(await w.dispatch()).toMatchObject({ sent: 1, spaced: 0 });
    expect(await welcomeOf(w, 'p-1', held.enrollmentId)).toMatchObject({ status: 'sent' });
    expect(w.sms.sent.filter((m) => m.to === '+919812345678')).toHaveLength(2);
  });

  it('an urgent text never waits (a routine one waits for it); without a spacing setting nothing does', async () => {
    const spaced = world(NOW, createMemoryStore(), { textSpacingMinutes: 30 });
    await queueMessage(spaced.store, textDue('p-1', 'e-a'));
    expect(await spaced.dispatch()).toMatchObject({ sent: 1 });
    spaced.advance(60_000);
    await queueMessage(spaced.store, textDue('p-1', 'e-b', { urgent: true, sendAt: spaced.clock.now().toISOString(), dueAt: spaced.clock.now().toISOString() }));
    await queueMessage(spaced.store, textDue('p-1', 'e-c', { sendAt: spaced.clock.now().toISOString(), dueAt: spaced.clock.now().toISOString() }));
    expect(await spaced.dispatch()).toMatchObject({ sent: 1, spaced: 1 });
    expect(await welcomeOf(spaced, 'p-1', 'e-b')).toMatchObject({ status: 'sent' });
    expect(await welcomeOf(spaced, 'p-1', 'e-c')).toMatchObject({ status: 'planned', dueAt: '2027-01-04T04:31:00.000Z' });

    const plain = world(NOW);
    await queueMessage(plain.store, textDue('p-1', 'e-a'));
    await queueMessage(plain.store, textDue('p-1', 'e-b'));
    expect(await plain.dispatch()).toMatchObject({ sent: 2, spaced: 0 });
  });

  it('a text retried after a 429 is not held back by its own first attempt', async () => {
    const w = world(NOW, createMemoryStore(), { textSpacingMinutes: 30 });
    await queueMessage(w.store, textDue('p-1', 'e-a'));
    w.sms.failNext(1, { status: 'failed', retryable: true, code: 'throttled', reason: 'twilio error 20429 (HTTP 429)' });
    expect(await w.dispatch()).toMatchObject({ sent: 0, retried: 1, throttled: 1 });
    w.advance(60_000);
    expect(await w.dispatch()).toMatchObject({ sent: 1, spaced: 0 });
  });

  it('a text the spacing would push into quiet hours waits for the morning', async () => {
    const evening = '2027-01-04T15:15:00.000Z'; // 20:45 in Kolkata
    const w = world(evening, createMemoryStore(), { textSpacingMinutes: 30 });
    await queueMessage(w.store, textDue('p-1', 'e-a', { sendAt: evening, dueAt: evening }));
    await queueMessage(w.store, textDue('p-1', 'e-b', { sendAt: evening, dueAt: evening }));
    expect(await w.dispatch()).toMatchObject({ sent: 1, spaced: 1 });
    const held = [await welcomeOf(w, 'p-1', 'e-a'), await welcomeOf(w, 'p-1', 'e-b')].find((m) => m.status === 'planned')!;
    expect(held.dueAt).toBe('2027-01-05T02:30:00.000Z'); // 08:00 in Kolkata, not 21:15
  });

  it('a text that did not go holds nothing back', async () => {
    const w = world(NOW, createMemoryStore(), { textSpacingMinutes: 30 });
    await queueMessage(w.store, textDue('p-1', 'e-a'));
    w.sms.failNext(1, { status: 'failed', retryable: false, code: 'invalid_address', reason: 'twilio error 21211 (invalid number)' });
    expect(await w.dispatch()).toMatchObject({ sent: 0, failed: 1 });
    w.advance(60_000);
    const at = w.clock.now().toISOString();
    await queueMessage(w.store, textDue('p-1', 'e-b', { sendAt: at, dueAt: at }));
    expect(await w.dispatch()).toMatchObject({ sent: 1, spaced: 0 });
  });

  it('a routine text whose deadline comes before the spacing ends goes now', async () => {
    const w = world(NOW, createMemoryStore(), { textSpacingMinutes: 30 });
    await queueMessage(w.store, textDue('p-1', 'e-a'));
    expect(await w.dispatch()).toMatchObject({ sent: 1 });
    w.advance(60_000);
    const at = w.clock.now().toISOString();
    await queueMessage(w.store, textDue('p-1', 'e-b', { sendAt: at, dueAt: at, deadlineAt: '2027-01-04T04:10:00.000Z' }));
    expect(await w.dispatch()).toMatchObject({ sent: 1, spaced: 0 });
  });
});
