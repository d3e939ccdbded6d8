import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import * as z from 'zod';
import { createDynamoRateBudget } from '../shared/adapters/dynamo/dynamo-rate-budget';
import { createDynamoStore } from '../shared/adapters/dynamo/dynamo-store';
import { createSesEmailSender } from '../shared/adapters/ses/ses-email-sender';
import { createTwilioSmsSender } from '../shared/adapters/twilio/twilio-sms-sender';
import { createDispatcher } from '../shared/app/dispatch/dispatcher';
import type { DispatchDeps, DispatchReport } from '../shared/app/dispatch/deps';

/**
 * One dispatcher process of the Match Day burst: the deployed dispatcher's code on the real
 * adapters (DynamoDB Local, the SMS sandbox through the Twilio adapter, the SES rate proxy and
 * twin through the SES adapter), ticking back to back as overlapping scheduled invocations would,
 * on a clock set to Match Day. Several run at once and share one send budget in the table.
 *
 * Everything comes from the environment (WorkerEnv). Stdout carries JSON lines: `tick` after each
 * tick, `done` with the totals at the end. Ids and counts only, never an address or a text.
 */

const localUrl = z.url({ protocol: /^http$/, hostname: /^127\.0\.0\.1$/ });
export const WorkerEnv = z.object({
  BENCH_TABLE: z.string().min(3),
  BENCH_DYNAMODB_ENDPOINT: localUrl,
  BENCH_SES_ENDPOINT: localUrl,
  BENCH_TWILIO_API_BASE: localUrl,
  BENCH_TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-f]{32}$/),
  BENCH_TWILIO_AUTH_TOKEN: z.string().min(8),
  BENCH_TWILIO_FROM: z.string().regex(/^\+[1-9]\d{6,14}$/),
  /** Added to the real clock: the dispatcher believes it is Match Day. */
  BENCH_CLOCK_OFFSET_MS: z.coerce.number().int(),
  BENCH_SMS_RATE: z.coerce.number().int().positive(),
  BENCH_EMAIL_RATE: z.coerce.number().int().positive(),
  BENCH_EMAIL_DAILY_QUOTA: z.coerce.number().int().positive(),
  BENCH_JITTER_MS: z.coerce.number().int().min(0).max(500),
  BENCH_CONCURRENCY: z.coerce.number().int().positive().max(512),
  BENCH_TICK_MAX_MS: z.coerce.number().int().positive(),
  /**
   * This worker's place among them: worker i's first tick is shorter, by i / BENCH_WORKERS of a
   * tick, so their tick boundaries (when a dispatcher stops claiming) never coincide, as with
   * invocations scheduled at different moments.
   */
  BENCH_WORKER_INDEX: z.coerce.number().int().min(0),
  BENCH_WORKERS: z.coerce.number().int().positive(),
  /** After this many ticks in a row that found nothing to claim, stop if nothing is left to send at all. */
  BENCH_IDLE_TICKS: z.coerce.number().int().positive().default(2),
  /** When to start ticking (epoch ms of the real clock): every worker starts on the same instant. */
  BENCH_START_AT: z.coerce.number().int().positive(),
  /** Hard stop, epoch ms of the real clock. */
  BENCH_DEADLINE: z.coerce.number().int().positive(),
});
export type WorkerEnv = z.infer<typeof WorkerEnv>;

export interface WorkerResult {
  reports: DispatchReport[];
  capacity: Record<string, { requests: number; read: number; write: number }>;
  throttledByChannel: Record<'sms' | 'email', number>;
  /** How late this process's timers fired (event-loop delay), ms: what makes slots go unused. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
}

/** How far ahead a worker looks for work left before it stops (see nothingLeft). */
const LEFT_WITHIN_MS = 3_600_000;

async function main(): Promise<void> {
  const parsed = WorkerEnv.safeParse(process.env);
  if (!parsed.success) {
    process.stderr.write(`bench worker: invalid environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\n`);
    process.exit(2);
  }
  const env = parsed.data;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const dynamo = new DynamoDBClient({ endpoint: env.BENCH_DYNAMODB_ENDPOINT, region: 'us-east-1', credentials, requestHandler: { httpAgent } });
  const ses = new SESv2Client({
    endpoint: env.BENCH_SES_ENDPOINT,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    requestHandler: { requestTimeout: 10_000, throwOnRequestTimeout: true, httpAgent: new http.Agent({ keepAlive: true, maxSockets: 128 }) },
  });

  const capacity: WorkerResult['capacity'] = {};
  const onCapacity = (op: string, read: number, write: number) => {
    const c = (capacity[op] ??= { requests: 0, read: 0, write: 0 });
    c.requests++;
    c.read += read;
    c.write += write;
  };
  const throttledByChannel = { sms: 0, email: 0 };
  const twilio = createTwilioSmsSender({
    accountSid: env.BENCH_TWILIO_ACCOUNT_SID,
    authToken: env.BENCH_TWILIO_AUTH_TOKEN,
    from: env.BENCH_TWILIO_FROM,
    apiBase: env.BENCH_TWILIO_API_BASE,
    timeoutMs: 10_000,
  });
  const sesSender = createSesEmailSender({ client: ses, from: 'Match Coach <coach@bench.example>' });
  const deps: DispatchDeps = {
    store: createDynamoStore({ client: dynamo, tableName: env.BENCH_TABLE, onCapacity }),
    budget: createDynamoRateBudget({ client: dynamo, tableName: env.BENCH_TABLE, onCapacity }),
    sms: {
      async send(m) {
        const r = await twilio.send(m);
        if (r.status === 'failed' && r.code === 'throttled') throttledByChannel.sms++;
        return r;
      },
    },
    email: {
      async send(m) {
        const r = await sesSender.send(m);
        if (r.status === 'failed' && r.code === 'throttled') throttledByChannel.email++;
        return r;
      },
    },
    clock: { now: () => new Date(Date.now() + env.BENCH_CLOCK_OFFSET_MS) },
    settings: {
      leaseSeconds: 120,
      concurrency: env.BENCH_CONCURRENCY,
      maxDurationMs: env.BENCH_TICK_MAX_MS,
      postalAddress: 'Match Coach, 1 Bench Street, Boston, MA 02110',
      pacing: {
        sms: { perSecond: env.BENCH_SMS_RATE, jitterMs: env.BENCH_JITTER_MS },
        email: { perSecond: env.BENCH_EMAIL_RATE, jitterMs: env.BENCH_JITTER_MS, dailyQuota: env.BENCH_EMAIL_DAILY_QUOTA },
      },
    },
  };
  const dispatch = createDispatcher(deps);
  const staggered = Math.round((env.BENCH_TICK_MAX_MS * env.BENCH_WORKER_INDEX) / env.BENCH_WORKERS);

  const reports: DispatchReport[] = [];
  await new Promise((r) => setTimeout(r, Math.max(0, env.BENCH_START_AT - Date.now())));
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  // The bench's own look at the due index (not billed to the dispatcher's figures): a worker stops
  // only when nothing at all is left to send, so messages waiting out a 429's backoff are sent,
  // not counted as lost because the workers went home early.
  const observer = createDynamoStore({ client: dynamo, tableName: env.BENCH_TABLE });
  // "Left" means due within the hour on the workers' clock: that covers every retry after a 429
  // (backoff is at most 30 minutes), and leaves out what a send planned next (the lane's next
  // step, days later), which no tick today would send.
  const nothingLeft = async () => (await observer.listDueMessages(new Date(deps.clock.now().getTime() + LEFT_WITHIN_MS), 1)).length === 0;
  let idle = 0;
  for (let tick = 0; tick < 10_000 && Date.now() < env.BENCH_DEADLINE; tick++) {
    if (idle >= env.BENCH_IDLE_TICKS) {
      if (await nothingLeft()) break;
      idle = 0;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    const report =
      tick === 0 && staggered > 0
        ? await createDispatcher({ ...deps, settings: { ...deps.settings, maxDurationMs: staggered } })()
        : await dispatch();
    reports.push(report);
    idle = report.claimed + report.lostRaces === 0 ? idle + 1 : 0;
    process.stdout.write(`${JSON.stringify({ event: 'tick', tick, report })}\n`);
    // Someone else may still hold the last leases; look again shortly rather than spin.
    if (report.claimed === 0) await new Promise((r) => setTimeout(r, 500));
  }
  loopDelay.disable();
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  const eventLoopDelayMs = { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) };
  const result: WorkerResult = { reports, capacity, throttledByChannel, eventLoopDelayMs };
  process.stdout.write(`${JSON.stringify({ event: 'done', result })}\n`);
  dynamo.destroy();
  ses.destroy();
  httpAgent.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`bench worker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
