import { createDynamoRateBudget } from '../shared/adapters/dynamo/dynamo-rate-budget';
import { createDynamoStore } from '../shared/adapters/dynamo/dynamo-store';
import { createMemoryEmailSender } from '../shared/adapters/memory/memory-email-sender';
import { createMemorySmsSender } from '../shared/adapters/memory/memory-sms-sender';
import { createDispatcher } from '../shared/app/dispatch/dispatcher';
import type { Message } from '../shared/domain/model';
import type { BenchContext } from './context';
import { batchPut, matchDayMessage, messageItem, personItem } from './seed';
import { maxOf, percentile, round } from './stats';

export interface LatenessResult {
  messages: number;
  tickSeconds: number;
  smsRate: number;
  emailRate: number;
  sent: number;
  notSent: number;
  p50Seconds: number;
  p99Seconds: number;
  maxSeconds: number;
  /** The goal: p99 under 60 s plus the tick period. */
  goalSeconds: number;
  ticksRun: number;
  realSeconds: number;
  /** DynamoDB units per sent message at this steady, unhurried pace (the budget's writes batch little here). */
  writeUnitsPerMessage: number;
  readUnitsPerMessage: number;
  byOp: Record<string, { requests: number; write: number; read: number }>;
}

/** A plain Monday, far from Match Week. */
const DAY = Date.parse('2027-04-05T00:00:00.000Z');

/** An IANA zone where `at` is early afternoon, so quiet hours never hold a text back. */
function afternoonZone(at: number): string {
  const offset = 13 - new Date(at).getUTCHours();
  const hours = offset > 12 ? offset - 24 : offset < -11 ? offset + 24 : offset;
  return hours === 0 ? 'Etc/GMT' : `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`;
}

/**
 * Ordinary traffic: `messages` texts and emails due at random instants over one day, one in four
 * urgent, sent by the real dispatcher on DynamoDB Local with the shared budget at production's
 * default rates, ticking every `tickSeconds` of simulated time. Between ticks the clock jumps; during
 * a tick it runs at real speed from the tick's instant, so the database, the pacing and the
 * dispatcher's own work all count. Lateness is when a message was sent minus when it was due.
 */
export async function runLateness(
  ctx: BenchContext,
  o: { messages: number; tickSeconds: number; smsRate: number; emailRate: number; jitterMs: number; seedConcurrency: number },
): Promise<LatenessResult> {
  const { tableName, drop } = await ctx.table('lateness');
  try {
    let seed = 12_345;
    const random = () => {
      // A fixed-seed LCG: the same day every run.
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const planned: Message[] = Array.from({ length: o.messages }, (_, i) => {
      const dueAt = DAY + Math.floor(random() * 86_400_000);
      const channel = i % 2 === 0 ? 'sms' : 'email';
      const base = matchDayMessage(i, channel, new Date(dueAt));
      const { urgent: _urgent, quietHours: _quiet, ...rest } = base;
      return { ...rest, zone: afternoonZone(dueAt), ...(i % 4 === 0 ? { urgent: true } : {}) };
    });
    // With each message its person's profile, which the dispatcher reads at send time.
    await batchPut(ctx.doc, tableName, planned.length, (i) => [personItem(i), messageItem(planned[i]!)], { concurrency: o.seedConcurrency });
    const dueTimes = planned.map((m) => Date.parse(m.dueAt!)).sort((a, b) => a - b);

    const byOp: LatenessResult['byOp'] = {};
    let counting = false;
    const onCapacity = (op: string, read: number, write: number) => {
      if (!counting) return;
      const c = (byOp[op] ??= { requests: 0, write: 0, read: 0 });
      c.requests++;
      c.write += write;
      c.read += read;
    };
    const store = createDynamoStore({ client: ctx.doc, tableName, onCapacity });
    let tickStart = { simulated: DAY, real: performance.now() };
    const clock = { now: () => new Date(tickStart.simulated + (performance.now() - tickStart.real)) };
    const sms = createMemorySmsSender();
    const email = createMemoryEmailSender();
    const dispatch = createDispatcher({
      store,
      sms,
      email,
      clock,
      budget: createDynamoRateBudget({ client: ctx.doc, tableName, onCapacity }),
      settings: {
        leaseSeconds: 120,
        concurrency: 8,
        maxDurationMs: 50_000,
        postalAddress: 'Match Coach, 1 Bench Street, Boston, MA',
        pacing: {
          sms: { perSecond: o.smsRate, jitterMs: o.jitterMs },
          email: { perSecond: o.emailRate, jitterMs: o.jitterMs, dailyQuota: 50_000 },
        },
      },
    });

    const started = performance.now();
    counting = true;
    const tickMs = o.tickSeconds * 1000;
    let ticksRun = 0;
    let dueSoFar = 0;
    let handled = 0;
    for (let at = DAY; at <= DAY + 86_400_000 + tickMs; at += tickMs) {
      while (dueSoFar < dueTimes.length && dueTimes[dueSoFar]! <= at) dueSoFar++;
      // A tick with nothing due reads empty queues and sends nothing: skipping it changes no lateness.
      if (dueSoFar === handled) continue;
      tickStart = { simulated: at, real: performance.now() };
      const report = await dispatch();
      handled += report.sent + report.skipped + report.failed;
      ticksRun++;
    }

    counting = false;
    const lateness: number[] = [];
    let notSent = 0;
    for (const m of planned) {
      const stored = await store.getMessage(m.personId, m.messageId);
      const sent = stored?.status === 'sent' ? stored.attempts.at(-1) : undefined;
      if (!sent) {
        notSent++;
        continue;
      }
      lateness.push((Date.parse(sent.at) - Date.parse(m.dueAt!)) / 1000);
    }
    const result: LatenessResult = {
      messages: o.messages,
      tickSeconds: o.tickSeconds,
      smsRate: o.smsRate,
      emailRate: o.emailRate,
      sent: lateness.length,
      notSent,
      p50Seconds: round(percentile(lateness, 50), 1),
      p99Seconds: round(percentile(lateness, 99), 1),
      maxSeconds: round(maxOf(lateness), 1),
      goalSeconds: 60 + o.tickSeconds,
      ticksRun,
      realSeconds: round((performance.now() - started) / 1000, 1),
      // Its own creation (2: the item and its due-index entry, as measured on the seed) plus the dispatch.
      writeUnitsPerMessage: round(2 + Object.values(byOp).reduce((n, c) => n + c.write, 0) / Math.max(1, lateness.length)),
      readUnitsPerMessage: round(Object.values(byOp).reduce((n, c) => n + c.read, 0) / Math.max(1, lateness.length), 4),
      byOp,
    };
    ctx.log(`lateness: ${result.sent} sent over a simulated day, p50 ${result.p50Seconds} s, p99 ${result.p99Seconds} s (${ticksRun} ticks in ${result.realSeconds} s)`);
    return result;
  } finally {
    await drop();
  }
}
