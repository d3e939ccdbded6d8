import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as z from 'zod';
import { freePort } from '../infra/local/net';
import { startSesTwin } from '../infra/local/ses-twin';
import { startSmsSandbox } from '../infra/local/sms-sandbox';
import { startSesRateProxy } from './ses-rate-proxy';

/**
 * The providers of the Match Day burst in a process of their own: the SMS sandbox (Twilio's
 * per-second limit), the SES rate proxy (SES's maximum send rate) and the SES twin behind it.
 *
 * Why a process of its own: a rate limiter judges a send by when it *reads* the request. When
 * the process reading requests stalls (a garbage collection, a long synchronous task), the sends
 * that arrived meanwhile are all read at once and look like a burst above the rate, although
 * they arrived on schedule. Real providers run on their own machines; here the limiters share two
 * cores with the dispatchers and DynamoDB Local, so they get a process that does nothing else,
 * and `bench/match-day.ts` raises its scheduling priority where it may. Its own event-loop delay
 * is reported with the results, so a rejection can be told apart from a limiter that stalled.
 *
 * Protocol (Node IPC): the parent sends nothing to start; this process sends `ready` with its
 * endpoints, `progress` counts on request, and `report` with every accepted send after `stop`.
 */

export const ProviderOptions = z.object({
  smsRate: z.coerce.number().int().positive(),
  emailRate: z.coerce.number().int().positive(),
});

export const ParentMessage = z.discriminatedUnion('kind', [z.object({ kind: z.literal('progress') }), z.object({ kind: z.literal('stop') })]);

export interface ProvidersReady {
  kind: 'ready';
  sms: { url: string; accountSid: string; authToken: string; from: string };
  sesEndpoint: string;
}

export interface ProvidersReport {
  kind: 'report';
  /** Texts the sandbox accepted: when it read each one (epoch ms) and to whom. */
  texts: Array<{ at: number; to: string }>;
  /** Emails the proxy accepted, likewise. */
  emails: Array<{ at: number; to: string }>;
  emailRejections: number;
  /** How late this process's timers fired while the burst ran (ms): a stalled limiter's tell. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
}

async function main(): Promise<void> {
  const send = (message: unknown) => process.send?.(message);
  const options = ProviderOptions.parse({ smsRate: process.env.BENCH_SMS_RATE, emailRate: process.env.BENCH_EMAIL_RATE });
  const account = { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: randomBytes(16).toString('hex'), from: '+15005550006' };
  const sandbox = await startSmsSandbox({ port: await freePort(), ...account, ratePerSecond: options.smsRate, statusDelayMs: 20 });
  const twin = await startSesTwin({ port: await freePort() });
  const proxy = await startSesRateProxy({ target: twin.endpoint, perSecond: options.emailRate });
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();

  const outbound = () => sandbox.messages().filter((m) => m.direction === 'outbound-api');
  process.on('message', (raw) => {
    const message = ParentMessage.safeParse(raw);
    if (!message.success) return;
    if (message.data.kind === 'progress') {
      send({ kind: 'progress', texts: sandbox.messageCount(), emails: proxy.accepted.length });
      return;
    }
    loopDelay.disable();
    const ms = (ns: number) => Math.round(ns / 1e5) / 10;
    const report: ProvidersReport = {
      kind: 'report',
      texts: outbound().map((t) => ({ at: Date.parse(t.dateCreated), to: t.to })),
      emails: proxy.accepted,
      emailRejections: proxy.rejected(),
      eventLoopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
    };
    // The report is megabytes of JSON: stop and hang up only once it has been written to the parent.
    process.send?.(report, undefined, {}, () => void Promise.all([sandbox.stop(), proxy.stop(), twin.stop()]).finally(() => process.disconnect()));
  });
  // The parent going away (Ctrl-C, a crash) ends this process too.
  process.on('disconnect', () => void Promise.all([sandbox.stop(), proxy.stop(), twin.stop()]).finally(() => process.exit(0)));
  const ready: ProvidersReady = { kind: 'ready', sms: { url: sandbox.url, ...account }, sesEndpoint: proxy.endpoint };
  send(ready);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench providers: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
