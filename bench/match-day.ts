import { spawn } from 'node:child_process';
import os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { killWithParent } from '../infra/local/children';
import { createDynamoStore } from '../shared/adapters/dynamo/dynamo-store';
import { windowMsOf } from '../shared/domain/pacing';
import type { DispatchReport } from '../shared/app/dispatch/deps';
import { TSX_CLI, REPO_ROOT, type BenchContext } from './context';
import { batchPut, matchDayMessage, messageItem, MATCH_DAY_NOON, personItem } from './seed';
import type { ProvidersReady, ProvidersReport } from './providers';
import { busiestSecond, maxOf, median, minOf, perSecond, round } from './stats';
import type { WorkerEnv, WorkerResult } from './worker';

export interface MatchDayOptions {
  subscribers: number;
  smsRate: number;
  emailRate: number;
  workers: number;
  concurrency: number;
  jitterMs: number;
  tickMaxMs: number;
  seedConcurrency: number;
}

interface ChannelFigures {
  configuredRate: number;
  delivered: number;
  duplicates: number;
  lost: number;
  rateRejections: number;
  /** Delivered per second, first to last delivery, as a fraction of the configured rate. */
  rateRatio: number;
  /** The most the pacing allows: 1000 / (1000 + jitterMs). */
  rateRatioCeiling: number;
  busiestSecond: number;
  medianPerSecond: number;
  /** Delivered per second over the bulk of the run (first delivery to the 99th percentile), as a fraction of the rate. */
  bulkRateRatio: number;
  /** When the 99th percentile and the last delivery happened, from the burst's start (a straggler is usually a 429 retried on its backoff). */
  secondsToP99Delivery: number;
  /** Deliveries in each second from the first one, for the record. */
  perSecond: number[];
  secondsToLastDelivery: number;
  /** N / configured rate: the least time the provider's limit allows. */
  secondsAtConfiguredRate: number;
}

export interface MatchDayResult {
  subscribers: number;
  workers: number;
  concurrencyPerChannel: number;
  seed: { items: number; seconds: number; itemsPerSecond: number; writeUnitsPerItem: number };
  sms: ChannelFigures;
  email: ChannelFigures;
  duplicates: number;
  lost: number;
  rateRejections: number;
  storeFinalStatuses: Record<string, number>;
  /** Per dispatcher process: how late its timers fired (ms). */
  eventLoopDelayMs: Array<{ p50: number; p99: number; max: number }>;
  /** The providers' process (bench/providers.ts): a limiter that stalls misjudges the rate. */
  providerEventLoopDelayMs: { p50: number; p99: number; max: number };
  /** Whether the providers' process ran at a raised scheduling priority (root only). */
  providersPrioritised: boolean;
  dispatch: {
    totals: Omit<DispatchReport, 'emailPaused'>;
    seconds: number;
    dynamoRequests: number;
    dynamoRequestsPerSecond: number;
    dynamoWritesPerSecond: number;
    byOp: Record<string, { requests: number; read: number; write: number }>;
  };
  cost: { createWriteUnits: number; dispatchWriteUnits: number; writeUnitsPerMessage: number; readUnitsPerMessage: number };
}

/**
 * The Match Day burst: N subscribers, each with the match-week "match-day" text and email due at
 * 12:00 New York time, sent by `workers` dispatcher processes sharing one budget, against the SMS
 * sandbox and the SES twin behind a rate-limiting proxy, both at the configured rates.
 */
export async function runMatchDay(ctx: BenchContext, o: MatchDayOptions): Promise<MatchDayResult> {
  const { tableName, drop } = await ctx.table('matchday');
  const n = o.subscribers;
  ctx.log(`match day: seeding ${n} subscribers x (1 SMS + 1 email) due ${MATCH_DAY_NOON.toISOString()}`);
  // Their profiles first, apart: the cost per message counts the messages' own writes only.
  const people = await batchPut(ctx.doc, tableName, n, (i) => [personItem(i)], { concurrency: o.seedConcurrency });
  ctx.log(`  seeded ${people.items} profiles in ${people.seconds.toFixed(1)} s`);
  let lastLogged = 0;
  const seed = await batchPut(
    ctx.doc,
    tableName,
    n,
    (i) => [messageItem(matchDayMessage(i, 'sms', MATCH_DAY_NOON)), messageItem(matchDayMessage(i, 'email', MATCH_DAY_NOON))],
    {
      concurrency: o.seedConcurrency,
      onProgress: (done) => {
        if (done - lastLogged >= Math.max(20_000, n / 5)) {
          lastLogged = done;
          ctx.log(`  seeded ${done} items`);
        }
      },
    },
  );
  ctx.log(`  seeded ${seed.items} items in ${seed.seconds.toFixed(1)} s (${(seed.items / seed.seconds).toFixed(0)}/s)`);
  // The seed writes the store's own layout: read one back through the store to be sure.
  const store = createDynamoStore({ client: ctx.doc, tableName });
  for (const channel of ['sms', 'email'] as const) {
    const expected = matchDayMessage(n - 1, channel, MATCH_DAY_NOON);
    if (!isDeepStrictEqual(await store.getMessage(expected.personId, expected.messageId), expected)) {
      throw new Error('seeded messages do not read back through the store as written');
    }
  }

  const providers = await startProviders(o);
  try {
    // Workers boot (tsx) before the burst; all start on the same instant, which their clocks call noon.
    const startAt = Date.now() + 5_000;
    const offset = MATCH_DAY_NOON.getTime() - startAt;
    const slowest = Math.min(o.smsRate, o.emailRate);
    const deadline = startAt + Math.ceil((n / slowest) * 2_000) + 600_000;
    const env: WorkerEnv = {
      BENCH_TABLE: tableName,
      BENCH_DYNAMODB_ENDPOINT: ctx.dynamoEndpoint,
      BENCH_SES_ENDPOINT: providers.ready.sesEndpoint,
      BENCH_TWILIO_API_BASE: providers.ready.sms.url,
      BENCH_TWILIO_ACCOUNT_SID: providers.ready.sms.accountSid,
      BENCH_TWILIO_AUTH_TOKEN: providers.ready.sms.authToken,
      BENCH_TWILIO_FROM: providers.ready.sms.from,
      BENCH_CLOCK_OFFSET_MS: offset,
      BENCH_SMS_RATE: o.smsRate,
      BENCH_EMAIL_RATE: o.emailRate,
      BENCH_EMAIL_DAILY_QUOTA: Math.max(50_000, 2 * n),
      BENCH_JITTER_MS: o.jitterMs,
      BENCH_CONCURRENCY: o.concurrency,
      BENCH_TICK_MAX_MS: o.tickMaxMs,
      BENCH_IDLE_TICKS: 2,
      BENCH_WORKER_INDEX: 0,
      BENCH_WORKERS: o.workers,
      BENCH_START_AT: startAt,
      BENCH_DEADLINE: deadline,
    };
    ctx.log(`match day: ${o.workers} dispatcher processes, SMS ${o.smsRate}/s, email ${o.emailRate}/s, from ${new Date(startAt).toISOString()}`);
    const progress = setInterval(() => {
      void providers.progress().then(
        ({ texts, emails }) => ctx.log(`  ${Math.round((Date.now() - startAt) / 1000)} s: ${texts} texts, ${emails} emails`),
        () => undefined,
      );
    }, 60_000);
    let results: WorkerResult[];
    try {
      results = await Promise.all(Array.from({ length: o.workers }, (_, i) => runWorker(i, { ...env, BENCH_WORKER_INDEX: i }, deadline)));
    } finally {
      clearInterval(progress);
    }

    const accepted = await providers.stop();
    const sms = channelFigures(
      accepted.texts,
      n, o.smsRate, o.jitterMs, startAt, results.reduce((s, r) => s + r.throttledByChannel.sms, 0),
    );
    const email = channelFigures(accepted.emails, n, o.emailRate, o.jitterMs, startAt, accepted.emailRejections);
    const lastDelivery = Math.max(maxOf(accepted.texts.map((t) => t.at)), maxOf(accepted.emails.map((e) => e.at)));

    const storeFinalStatuses = await countStatuses(ctx, tableName);
    const byOp: Record<string, { requests: number; read: number; write: number }> = {};
    for (const r of results) {
      for (const [op, c] of Object.entries(r.capacity)) {
        const t = (byOp[op] ??= { requests: 0, read: 0, write: 0 });
        t.requests += c.requests;
        t.read += c.read;
        t.write += c.write;
      }
    }
    const reports = results.flatMap((r) => r.reports);
    const sum = (f: Exclude<keyof DispatchReport, 'emailPaused' | 'segments'>) => reports.reduce((s, r) => s + r[f], 0);
    const totals = {
      claimed: sum('claimed'), sent: sum('sent'), skipped: sum('skipped'), failed: sum('failed'), retried: sum('retried'),
      lostRaces: sum('lostRaces'), errors: sum('errors'), throttled: sum('throttled'), slotsExpired: sum('slotsExpired'), slotsLate: sum('slotsLate'), spaced: sum('spaced'),
      ucs2Texts: sum('ucs2Texts'),
      segments: { sms: reports.reduce((s, r) => s + r.segments.sms, 0), email: reports.reduce((s, r) => s + r.segments.email, 0), whatsapp: reports.reduce((s, r) => s + (r.segments.whatsapp ?? 0), 0) },
    };
    const dynamoRequests = Object.values(byOp).reduce((s, c) => s + c.requests, 0);
    const dispatchWrite = Object.values(byOp).reduce((s, c) => s + c.write, 0);
    const dispatchRead = Object.values(byOp).reduce((s, c) => s + c.read, 0);
    const seconds = (lastDelivery - startAt) / 1000;
    const delivered = sms.delivered + email.delivered;
    const createWriteUnits = seed.writeUnits / seed.items;
    return {
      subscribers: n,
      workers: o.workers,
      concurrencyPerChannel: o.concurrency,
      seed: { items: seed.items, seconds: round(seed.seconds, 1), itemsPerSecond: Math.round(seed.items / seed.seconds), writeUnitsPerItem: createWriteUnits },
      sms,
      email,
      duplicates: sms.duplicates + email.duplicates,
      lost: sms.lost + email.lost,
      rateRejections: sms.rateRejections + email.rateRejections,
      storeFinalStatuses,
      eventLoopDelayMs: results.map((r) => r.eventLoopDelayMs),
      providerEventLoopDelayMs: accepted.eventLoopDelayMs,
      providersPrioritised: providers.prioritised,
      dispatch: {
        totals,
        seconds: round(seconds, 1),
        dynamoRequests,
        dynamoRequestsPerSecond: Math.round(dynamoRequests / seconds),
        dynamoWritesPerSecond: Math.round(dispatchWrite / seconds),
        byOp,
      },
      cost: {
        createWriteUnits,
        dispatchWriteUnits: round(dispatchWrite / delivered),
        writeUnitsPerMessage: round(createWriteUnits + dispatchWrite / delivered),
        readUnitsPerMessage: round(dispatchRead / delivered, 4),
      },
    };
  } finally {
    providers.kill();
    await drop();
  }
}

function channelFigures(
  deliveries: ReadonlyArray<{ at: number; to: string }>,
  n: number,
  rate: number,
  jitterMs: number,
  startAt: number,
  rateRejections: number,
): ChannelFigures {
  const times = deliveries.map((d) => d.at);
  const unique = new Set(deliveries.map((d) => d.to)).size;
  const first = minOf(times);
  const last = maxOf(times);
  const seconds = (last - first) / 1000;
  const counts = perSecond(times, first);
  const sorted = [...times].sort((a, b) => a - b);
  const p99 = sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)]!;
  const bulk = Math.ceil(0.99 * sorted.length);
  // The first and last seconds are partial: the steady middle says what the pacing sustains.
  const middle = counts.slice(1, -1);
  return {
    configuredRate: rate,
    delivered: deliveries.length,
    duplicates: deliveries.length - unique,
    lost: n - unique,
    rateRejections,
    rateRatio: seconds > 0 ? round((deliveries.length - 1) / seconds / rate) : 0,
    rateRatioCeiling: round(1000 / windowMsOf({ perSecond: rate, jitterMs })),
    busiestSecond: busiestSecond(times),
    medianPerSecond: middle.length > 0 ? median(middle) : deliveries.length,
    bulkRateRatio: p99 > first ? round((bulk - 1) / ((p99 - first) / 1000) / rate) : 0,
    secondsToP99Delivery: round((p99 - startAt) / 1000, 1),
    perSecond: counts,
    secondsToLastDelivery: round((last - startAt) / 1000, 1),
    secondsAtConfiguredRate: round(n / rate, 1),
  };
}

/** Bench-only Scan: the final state of every message in the table, by channel and status, and why any attempt did not send. */
async function countStatuses(ctx: BenchContext, tableName: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const segments = 4;
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let startKey: Record<string, unknown> | undefined;
      for (let page = 0; page < 100_000; page++) {
        const out = await ctx.doc.send(
          new ScanCommand({
            TableName: tableName,
            Segment: segment,
            TotalSegments: segments,
            ProjectionExpression: '#channel, #status, #attempts',
            ExpressionAttributeNames: { '#channel': 'channel', '#status': 'status', '#attempts': 'attempts' },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of out.Items ?? []) {
          if (item.channel === undefined) continue; // budget counters and leases, not messages
          const key = `${item.channel}:${item.status}`;
          counts[key] = (counts[key] ?? 0) + 1;
          // Why a message needed more than one attempt (a 429, a timeout): where a duplicate comes from.
          for (const attempt of (item.attempts ?? []) as Array<{ outcome: string; detail: string }>) {
            if (attempt.outcome === 'sent') continue;
            const why = `${item.channel} ${attempt.outcome}: ${attempt.detail.replace(/\d+/g, 'N').slice(0, 80)}`;
            counts[why] = (counts[why] ?? 0) + 1;
          }
        }
        startKey = out.LastEvaluatedKey;
        if (!startKey) return;
      }
    }),
  );
  return counts;
}

function runWorker(index: number, env: WorkerEnv, deadline: number): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    // BENCH_PROFILE_DIR=<dir> writes a CPU profile of each worker there (to see where a message's time goes).
    const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`, '--import', 'tsx'] : [TSX_CLI];
    const child = spawn(process.execPath, [...profile, 'bench/worker.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killWithParent(child);
    let buffered = '';
    let result: WorkerResult | undefined;
    let stderr = '';
    const hardStop = setTimeout(() => child.kill('SIGKILL'), Math.max(0, deadline - Date.now()) + 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (let cut = buffered.indexOf('\n'); cut >= 0; cut = buffered.indexOf('\n')) {
        const line = buffered.slice(0, cut);
        buffered = buffered.slice(cut + 1);
        try {
          const event = JSON.parse(line) as { event: string; result?: WorkerResult };
          if (event.event === 'done') result = event.result;
        } catch {
          // Not one of ours (a library warning): ignore.
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-4_000); });
    child.on('exit', (code) => {
      clearTimeout(hardStop);
      if (code === 0 && result) resolve(result);
      else reject(new Error(`dispatcher worker ${index} exited with ${code}: ${stderr.split('\n').filter((l) => !/NodeVersionSupportWarning|node >=22|a\.co\//.test(l)).join(' ').slice(-1_000)}`));
    });
  });
}

/** A raised scheduling priority for the providers' process (negative is more urgent; needs root). */
const PROVIDER_PRIORITY = -5;

export interface RunningProviders {
  ready: ProvidersReady;
  /** Whether the process got its raised priority (root only), for the record. */
  prioritised: boolean;
  progress(): Promise<{ texts: number; emails: number }>;
  /** Ends the burst: every accepted send and the process's own stalls. */
  stop(): Promise<ProvidersReport>;
  kill(): void;
}

/**
 * Starts bench/providers.ts: the SMS sandbox and the SES rate proxy and twin in a process that
 * does nothing else, so the limiters' clocks are not stalled by the benchmark's own work.
 */
export async function startProviders(o: Pick<MatchDayOptions, 'smsRate' | 'emailRate'>): Promise<RunningProviders> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/providers.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, BENCH_SMS_RATE: String(o.smsRate), BENCH_EMAIL_RATE: String(o.emailRate) },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  killWithParent(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-2_000); });
  let prioritised = false;
  try {
    os.setPriority(child.pid!, PROVIDER_PRIORITY);
    prioritised = true;
  } catch {
    // Not root: the providers run at the usual priority, as they did before this process existed.
  }
  const next = <T extends { kind: string }>(kind: T['kind'], timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`providers: no ${kind} within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (message: { kind?: string }) => {
        if (message?.kind === kind) done(undefined, message as T);
      };
      const onExit = (code: number | null) => done(new Error(`providers exited with ${code}: ${stderr.slice(-1_000)}`));
      function done(error?: Error, message?: T) {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('close', onExit);
        if (error) reject(error);
        else resolve(message!);
      }
      child.on('message', onMessage);
      // 'close', not 'exit': a message already sent may still be on its way when the process exits.
      child.once('close', onExit);
    });
  const ready = await next<ProvidersReady>('ready', 60_000);
  return {
    ready,
    prioritised,
    async progress() {
      const answer = next<{ kind: 'progress'; texts: number; emails: number }>('progress', 10_000);
      child.send({ kind: 'progress' });
      return answer;
    },
    async stop() {
      const report = next<ProvidersReport>('report', 120_000);
      child.send({ kind: 'stop' });
      return report;
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null && !child.connected) return;
      if (child.connected) child.disconnect();
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    },
  };
}
