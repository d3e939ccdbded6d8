import { startProviders, type RunningProviders } from '../../bench/match-day';
import { createDynamoRateBudget } from '../../shared/adapters/dynamo/dynamo-rate-budget';
import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createTwilioSmsSender } from '../../shared/adapters/twilio/twilio-sms-sender';
import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import type { DispatchDeps } from '../../shared/app/dispatch/deps';
import type { Message } from '../../shared/domain/model';
import type { SmsSender } from '../../shared/ports';
import { PROFILE } from '../support/store-fixtures';
import { testTable, type TestTable } from '../support/dynamo';
import { queueMessage } from '../support/seed';

/**
 * A small Match Day burst against the SMS sandbox's own rate limit (a sliding one-second window per
 * sender, answering 429 / 20429 like Twilio): 500 texts due at once, two dispatchers sharing the
 * budget in DynamoDB Local at the sandbox's 50 per second. No text is refused for going too fast,
 * none is sent twice, none is lost. Real time passes (about ten seconds); it is never asserted.
 *
 * The sandbox runs in a process of its own (bench/providers.ts, as in the benchmark), like a real
 * provider: a limiter in this process would read requests late whenever this process stalls (the
 * suite shares two cores), and sends that left on time would look like a burst to it.
 */

jest.setTimeout(120_000);
// Real time on a shared machine: a stall of the providers' own process can still bunch sends.
// A pacing fault fails every attempt; a stall, one.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

const TEXTS = 500;
const RATE = 50;

let providers: RunningProviders;
let table: TestTable;

beforeEach(async () => {
  providers = await startProviders({ smsRate: RATE, emailRate: RATE });
  table = await testTable();
});
afterEach(async () => {
  providers?.kill();
  await table?.drop();
});

/** An IANA zone where it is early afternoon now, so quiet hours never hold the burst back. */
function afternoonZone(now: Date): string {
  const offset = 13 - now.getUTCHours();
  const hours = offset > 12 ? offset - 24 : offset < -11 ? offset + 24 : offset;
  // Etc/GMT zones count the other way round: Etc/GMT-5 is UTC+5.
  return hours === 0 ? 'Etc/GMT' : `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`;
}

function welcome(i: number, now: Date): Message {
  const enrollmentId = `burst-${String(i).padStart(4, '0')}`;
  const at = now.toISOString();
  return {
    personId: `p-burst-${i}`,
    messageId: `${enrollmentId}.welcome.once.sms`,
    enrollmentId,
    sequenceId: 'getting-started',
    stepId: 'welcome',
    channel: 'sms',
    to: `+1555${String(2_000_000 + i).padStart(7, '0')}`,
    zone: afternoonZone(now),
    firstName: 'Asha',
    anchors: { enrolled: at },
    profile: PROFILE,
    sendAt: at,
    status: 'planned',
    dueAt: at,
    attempts: [],
    updatedAt: at,
  };
}

it(`${TEXTS} texts due at once, two dispatchers at ${RATE}/s: no 429, no duplicate, none lost`, async () => {
  const store = createDynamoStore({ client: table.doc, tableName: table.tableName });
  const now = new Date();
  const messages = Array.from({ length: TEXTS }, (_, i) => welcome(i, now));
  for (let start = 0; start < messages.length; start += 25) {
    await Promise.all(messages.slice(start, start + 25).map((m) => queueMessage(store, m)));
  }

  const answers = { sent: 0, throttled: 0, other: 0 };
  const { url, accountSid, authToken, from } = providers.ready.sms;
  const twilio = createTwilioSmsSender({ accountSid, authToken, from, apiBase: url, timeoutMs: 5_000 });
  const counted: SmsSender = {
    async send(sms) {
      const result = await twilio.send(sms);
      if (result.status === 'sent') answers.sent++;
      else if (result.retryable && result.code === 'throttled') answers.throttled++;
      else answers.other++;
      return result;
    },
  };
  const deps: DispatchDeps = {
    store,
    sms: counted,
    email: createMemoryEmailSender(),
    clock: { now: () => new Date() },
    budget: createDynamoRateBudget({ client: table.doc, tableName: table.tableName }),
    settings: {
      leaseSeconds: 120,
      concurrency: 16,
      maxDurationMs: 100_000,
      postalAddress: 'Match Coach, 1 Test Street, Boston, MA',
      // Generous slack: this test shares two cores with the rest of the suite, so a send can
      // land later than on a quiet machine. The benchmark measures the default slack; here only
      // correctness counts.
      pacing: { sms: { perSecond: RATE, jitterMs: 150 } },
    },
  };
  const reports = await Promise.all([createDispatcher(deps)(), createDispatcher(deps)()]);

  expect(answers).toEqual({ sent: TEXTS, throttled: 0, other: 0 });
  expect(reports.reduce((n, r) => n + r.throttled, 0)).toBe(0);
  expect(reports.reduce((n, r) => n + r.sent, 0)).toBe(TEXTS);
  expect(reports.reduce((n, r) => n + r.errors, 0)).toBe(0);

  const { texts } = await providers.stop();
  expect(texts).toHaveLength(TEXTS);
  expect(new Set(texts.map((t) => t.to)).size).toBe(TEXTS);
  const stored = await Promise.all(messages.map((m) => store.getMessage(m.personId, m.messageId)));
  expect(stored.every((m) => m?.status === 'sent')).toBe(true);
  expect(new Set(stored.map((m) => m?.providerId)).size).toBe(TEXTS);
});
