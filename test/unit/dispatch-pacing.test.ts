import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemoryRateBudget } from '../../shared/adapters/memory/memory-rate-budget';
import { createMemorySmsSender } from '../../shared/adapters/memory/memory-sms-sender';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import type { DispatchDeps, DispatchReport, DispatchSettings } from '../../shared/app/dispatch/deps';
import { enroll } from '../../shared/app/scheduling/enroll';
import type { Channel } from '../../shared/domain/sequence';
import type { EmailSender, Logger, SmsSender } from '../../shared/ports';
import { createFakeTime } from '../support/fake-time';
import { queueMessage } from '../support/seed';

/**
 * The dispatcher pacing its sends through the shared budget, on memory twins and fake time:
 * several dispatchers never exceed a channel's rate together, urgent messages go first when the
 * budget is short, stale ones are skipped rather than sent late, a 429 slows the channel and is
 * retried (never dropped), a spent daily quota pauses email. Nothing here waits for real time.
 */

const WELCOME_DUE = '2027-01-04T13:31:00.000Z'; // 19:01 in Kolkata: the welcomes are due
const PACE = { jitterMs: 25 };

interface Setup {
  people: number;
  sms?: number;
  email?: number;
  dailyQuota?: number;
  channels?: Channel[];
  urgent?: (i: number) => boolean;
  deadline?: string;
  settings?: Partial<DispatchSettings>;
}

async function pacedWorld(setup: Setup) {
  const time = createFakeTime('2027-01-04T04:00:00.000Z');
  const store = createMemoryStore();
  const budget = createMemoryRateBudget();
  const smsTwin = createMemorySmsSender();
  const emailTwin = createMemoryEmailSender();
  const sends: Array<{ channel: Channel; at: number; messageId: string }> = [];
  const alarms: string[] = [];
  const log: Logger = { info() {}, warn() {}, error: (_m, attrs) => { if (attrs?.alarm) alarms.push(String(attrs.alarm)); } };
  const sms: SmsSender = { send: async (m) => { sends.push({ channel: 'sms', at: time.now(), messageId: m.messageId }); return smsTwin.send(m); } };
  const email: EmailSender = { send: async (m) => { sends.push({ channel: 'email', at: time.now(), messageId: m.messageId }); return emailTwin.send(m); } };
  const deps: DispatchDeps = {
    store,
    sms,
    email,
    clock: time.clock,
    sleep: time.sleep,
    budget,
    log,
    settings: {
      leaseSeconds: 120,
      concurrency: 4,
      maxDurationMs: 600_000,
      postalAddress: 'Match Coach, 1 Test Street, Boston, MA',
      pacing: {
        sms: { ...PACE, perSecond: setup.sms ?? 5 },
        email: { ...PACE, perSecond: setup.email ?? 3, ...(setup.dailyQuota ? { dailyQuota: setup.dailyQuota } : {}) },
      },
      ...setup.settings,
    },
  };

  // One real enrollment gives the welcome messages; the others are copies for more people.
  const { planned } = await enroll(deps, {
    email: 'p0@example.com', phone: '+919800000000', firstName: 'Priya', timeZone: 'Asia/Kolkata', sequenceId: 'getting-started', season: 2027,
  });
  const channels = setup.channels ?? ['sms', 'email'];
  for (const template of planned) {
    const key = template.messageId.slice(template.enrollmentId.length + 1);
    await store.cancelPendingMessages(template.personId, 'replanned', time.clock.now(), template.channel);
    if (!channels.includes(template.channel)) continue;
    for (let i = 0; i < setup.people; i++) {
      const enrollmentId = `e-${String(i).padStart(3, '0')}`;
      await queueMessage(store, {
        ...template,
        personId: `p-${i}`,
        enrollmentId,
        messageId: `${enrollmentId}.${key}`,
        to: template.channel === 'sms' ? `+91980000${String(i).padStart(4, '0')}` : `p${i}@example.com`,
        ...(setup.urgent?.(i) ? { urgent: true } : {}),
        ...(setup.deadline ? { deadlineAt: setup.deadline } : {}),
      });
    }
  }
  time.set(WELCOME_DUE);
  return {
    time, store, sends, alarms, smsTwin, emailTwin, deps,
    tick: (dispatchers = 1) => {
      const runs = Array.from({ length: dispatchers }, () => createDispatcher(deps)());
      return time.run(Promise.all(runs));
    },
  };
}

/** The most sends in any sliding window (t - 1000, t]: what the SMS sandbox and SES count. */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let right = 0, left = 0; right < sorted.length; right++) {
    while (sorted[left]! <= sorted[right]! - 1000) left++;
    most = Math.max(most, right - left + 1);
  }
  return most;
}

const total = (reports: DispatchReport[], field: 'sent' | 'skipped' | 'retried' | 'throttled' | 'errors' | 'claimed') =>
  reports.reduce((sum, r) => sum + r[field], 0);

describe('pacing through the shared budget', () => {
  it('three dispatchers at once: every message exactly once, never over either channel’s rate in any second', async () => {
    const w = await pacedWorld({ people: 40, sms: 5, email: 3 });
    const reports = await w.tick(3);
    expect(total(reports, 'errors')).toBe(0);
    expect(total(reports, 'sent')).toBe(80);
    for (const channel of ['sms', 'email'] as const) {
      const mine = w.sends.filter((s) => s.channel === channel);
      expect(mine).toHaveLength(40);
      expect(new Set(mine.map((s) => s.messageId)).size).toBe(40);
      expect(busiestSecond(mine.map((s) => s.at))).toBeLessThanOrEqual(channel === 'sms' ? 5 : 3);
    }
    // Each channel drained at its own pace, side by side: 40 texts at 5/s, 40 emails at 3/s.
    const lastSms = Math.max(...w.sends.filter((s) => s.channel === 'sms').map((s) => s.at));
    const lastEmail = Math.max(...w.sends.filter((s) => s.channel === 'email').map((s) => s.at));
    expect(lastSms).toBeLessThan(lastEmail);
  });

  it('urgent messages go before routine ones when the budget is short', async () => {
    const w = await pacedWorld({ people: 40, sms: 2, channels: ['sms'], urgent: (i) => i % 4 === 3, settings: { concurrency: 2 } });
    const [report] = await w.tick();
    expect(report).toMatchObject({ sent: 40, errors: 0 });
    const order = [...w.sends].sort((a, b) => a.at - b.at).map((s) => s.messageId);
    const urgentIds = new Set(Array.from({ length: 10 }, (_, k) => `e-${String(4 * k + 3).padStart(3, '0')}`));
    const isUrgent = (id: string) => urgentIds.has(id.split('.')[0]!);
    expect(order.slice(0, 10).every(isUrgent)).toBe(true);
    expect(order.slice(10).some(isUrgent)).toBe(false);
  });

  it('a message whose deadline passes while it waits for the budget is skipped, never sent late', async () => {
    const deadline = new Date(Date.parse(WELCOME_DUE) + 4_000).toISOString();
    const w = await pacedWorld({ people: 20, sms: 2, channels: ['sms'], deadline });
    const [report] = await w.tick();
    expect(report!.sent + report!.skipped).toBe(20);
    expect(report!.sent).toBeGreaterThan(0);
    expect(report!.skipped).toBeGreaterThan(0);
    for (const send of w.sends) expect(send.at).toBeLessThan(Date.parse(deadline));
    const skipped = (await Promise.all(Array.from({ length: 20 }, (_, i) => w.store.listMessages(`p-${i}`))))
      .flat()
      .filter((m) => m.stepId === 'welcome' && m.status === 'skipped');
    expect(skipped).toHaveLength(report!.skipped);
    expect(skipped.every((m) => m.reason === 'past_deadline')).toBe(true);
  });

  it('a 429 slows the channel down; the text is retried later and sent once, however often it is throttled', async () => {
    const w = await pacedWorld({ people: 1, channels: ['sms'], settings: { maxAttempts: 3 } });
    w.smsTwin.failNext(5, { status: 'failed', retryable: true, code: 'throttled', reason: 'twilio error 20429 (HTTP 429)', retryAfterSeconds: 1 });
    const reports: DispatchReport[] = [];
    for (let tick = 0; tick < 12 && w.smsTwin.sent.length === 0; tick++) {
      reports.push(...(await w.tick()));
      // On to the retry: the backoff (30 s, 1 min, 2 min ...) keeps it well before quiet hours.
      const [welcome] = (await w.store.listMessages('p-0')).filter((m) => m.stepId === 'welcome');
      w.time.set(new Date(Math.max(w.time.now() + 1_000, Date.parse(welcome!.dueAt ?? WELCOME_DUE))));
    }
    expect(total(reports, 'throttled')).toBe(5);
    expect(total(reports, 'retried')).toBe(5);
    expect(w.smsTwin.sent).toHaveLength(1);
    const [welcome] = (await w.store.listMessages('p-0')).filter((m) => m.stepId === 'welcome');
    // Five throttled answers with an attempt limit of three: throttling never counts towards giving up.
    expect(welcome).toMatchObject({ status: 'sent' });
    expect(welcome!.attempts.map((a) => a.outcome)).toEqual(['retry', 'retry', 'retry', 'retry', 'retry', 'sent']);
  });

  it('a clock that stands still (the CLI\'s tick --now) cannot be paced, so it is not: every message goes', async () => {
    const w = await pacedWorld({ people: 30, sms: 2, email: 1 });
    const frozen = { now: () => new Date(WELCOME_DUE) };
    // Sleeping does not move this clock, as with a fixed --now.
    const report = await createDispatcher({ ...w.deps, clock: frozen, sleep: async () => {} })();
    expect(report).toMatchObject({ sent: 60, errors: 0 });
  });

  it('a spent daily email quota pauses email and raises the alarm; texts go on; more go the next day', async () => {
    const w = await pacedWorld({ people: 12, email: 5, dailyQuota: 5 });
    const [first] = await w.tick();
    expect(first!.emailPaused).toBe(true);
    expect(w.alarms).toContain('EmailSendingPaused');
    expect(w.emailTwin.sent).toHaveLength(5);
    expect(w.smsTwin.sent).toHaveLength(12);
    // A new UTC day, a new quota: five more (and the channel pauses again, with two left).
    w.time.set('2027-01-05T00:05:00.000Z');
    const [next] = await w.tick();
    expect(next!.emailPaused).toBe(true);
    expect(w.emailTwin.sent).toHaveLength(10);
    const ids = w.emailTwin.sent.map((e) => e.messageId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
