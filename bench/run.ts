import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { startDynamoLocal } from '../infra/local/dynamo-local';
import { freePort } from '../infra/local/net';
import { measureCeiling, type Ceiling } from './ceiling';
import { measureColdStart, type ColdStartResult } from './cold-start';
import { createContext, REPO_ROOT, type BenchContext } from './context';
import { runCsvImport, type CsvImportResult } from './csv-import';
import { runCohortReport, type CohortReportResult } from './cohort-report';
import { runIdle, type IdleResult } from './idle';
import { runLateness, type LatenessResult } from './lateness';
import { runMatchDay, type MatchDayResult } from './match-day';

/**
 * `npm run bench`: Match Coach at Match Day scale on this machine's local twins. Writes
 * bench/results.json; BENCHMARKS.md explains the figures. `npm run bench -- --help` for the flags.
 */

const SECTIONS = ['ceiling', 'matchDay', 'idle', 'lateness', 'csvImport', 'cohortReport', 'coldStart'] as const;
const count = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const Flags = z
  .object({
    subscribers: count(100_000, 100, 1_000_000),
    'sms-rate': count(100, 1, 1_000),
    'email-rate': count(50, 1, 1_000),
    workers: count(2, 1, 8),
    concurrency: count(64, 1, 256),
    'jitter-ms': z.coerce.number().int().min(0).max(500).default(30),
    'tick-seconds': count(50, 5, 900),
    'idle-sizes': z
      .string()
      .regex(/^\d+,\d+$/, 'two sizes, like 1000,100000')
      .default('1000,100000')
      .transform((s) => s.split(',').map(Number) as [number, number])
      .refine(([a, b]) => a >= 10 && b > a && b <= 1_000_000, 'sizes from 10 up to 1,000,000, the second larger'),
    'lateness-messages': count(5_000, 100, 100_000),
    'seed-concurrency': count(16, 1, 64),
    'csv-rows': count(10_000, 10, 20_000),
    'cohort-sizes': z
      .string()
      .regex(/^\d+,\d+$/, 'two sizes, like 1000,20000')
      .default('1000,20000')
      .transform((s) => s.split(',').map(Number) as [number, number])
      .refine(([a, b]) => a >= 100 && b > a && b <= 100_000, 'sizes from 100 up to 100,000, the second larger'),
    only: z
      .string()
      .default(SECTIONS.join(','))
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
      .pipe(z.array(z.enum(SECTIONS)).min(1)),
    out: z.string().min(1).default('bench/results.json'),
    /** Keep the sections of the existing results file that this run does not measure. */
    merge: z.boolean().default(false),
    help: z.boolean().default(false),
  })
  .strict();

const USAGE = `npm run bench -- [flags]
  --subscribers N        Match Day subscribers, each with one SMS and one email (default 100000)
  --sms-rate N           texts per second the sandbox accepts (default 100, a short code)
  --email-rate N         emails per second the SES proxy accepts (default 50)
  --workers N            dispatcher processes sharing the budget (default 2)
  --concurrency N        messages in hand per channel per dispatcher (default 64)
  --jitter-ms N          pacing slack per window (default 30, as deployed)
  --tick-seconds N       how long a dispatcher tick claims work (default 50, as deployed)
  --idle-sizes A,B       enrolled people for the idle tick and the Scan baseline (default 1000,100000)
  --lateness-messages N  messages over the simulated day (default 5000)
  --csv-rows N           rows in the counselor CSV import (default 10000)
  --cohort-sizes A,B     members of the cohort whose page is read (default 1000,20000)
  --only LIST            some of: ${SECTIONS.join(',')}
  --out PATH             where results go (default bench/results.json)
  --merge                keep the sections of the existing results file that --only leaves out`;

function parseFlags(argv: string[]): z.infer<typeof Flags> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: Object.fromEntries(
      Object.keys(Flags.shape).map((name) => [name, { type: name === 'help' || name === 'merge' ? ('boolean' as const) : ('string' as const) }]),
    ),
  });
  const parsed = Flags.safeParse(values);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

function machine() {
  const free = (() => {
    try {
      return execFileSync('free', ['-h'], { encoding: 'utf8' }).split('\n')[1]?.trim().replace(/\s+/g, ' ') ?? '';
    } catch {
      return `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB total`;
    }
  })();
  return {
    nproc: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memory: free,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

async function main(): Promise<void> {
  let flags: z.infer<typeof Flags>;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  // Ctrl-C still runs the exit hooks that stop DynamoDB Local, the SES twin and the workers.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

  const log = (line: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const startedAt = new Date();
  const run = (s: (typeof SECTIONS)[number]) => flags.only.includes(s);
  log(`machine: ${JSON.stringify(machine())}`);

  const results: Results = {};
  const out = path.resolve(REPO_ROOT, flags.out);
  // Written after every section, so a long run that fails late keeps what it measured.
  // With --merge, sections measured by an earlier run (same file) are kept, and the flags and
  // date of that run are kept beside them, so the file still says where every figure came from.
  const earlier: Record<string, unknown> | undefined =
    flags.merge && fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, unknown>) : undefined;
  // Which run measured each section: this one for what it measured, the earlier file's word for the rest.
  const measuredBy = (): Record<string, unknown> => {
    const mine = Object.fromEntries(
      SECTIONS.filter((section) => results[section] !== undefined).map((section) => [section, { date: startedAt.toISOString(), flags: { ...flags, only: flags.only.join(',') } }]),
    );
    return { ...(earlier?.sections as Record<string, unknown> | undefined), ...mine };
  };
  const save = () => {
    const summary: Record<string, unknown> = summarize(results, flags, startedAt);
    if (earlier) {
      for (const [key, value] of Object.entries(earlier)) if (summary[key] === null || summary[key] === undefined) summary[key] = value;
      summary.earlierRun = { date: earlier.date, flags: earlier.flags };
    }
    summary.sections = measuredBy();
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
  };

  // A fresh DynamoDB Local for each section: a 100,000-person table left behind by one section
  // otherwise fills the JVM's heap and slows the next one (it did, in the first recorded run).
  const withDynamo = async <T>(section: (ctx: BenchContext, endpoint: string) => Promise<T>): Promise<T> => {
    const dynamo = await startDynamoLocal({ port: await freePort() });
    const ctx = createContext(dynamo.endpoint, log);
    try {
      return await section(ctx, dynamo.endpoint);
    } finally {
      ctx.close();
      await dynamo.stop();
    }
  };

  if (run('matchDay') || run('ceiling')) {
    // The ceiling is measured on the same DynamoDB Local the burst then runs on.
    await withDynamo(async (ctx) => {
      if (run('ceiling')) {
        results.ceiling = await measureCeiling(ctx);
        save();
      }
      if (run('matchDay')) {
        results.matchDay = await runMatchDay(ctx, {
          subscribers: flags.subscribers,
          smsRate: flags['sms-rate'],
          emailRate: flags['email-rate'],
          workers: flags.workers,
          concurrency: flags.concurrency,
          jitterMs: flags['jitter-ms'],
          tickMaxMs: flags['tick-seconds'] * 1000,
          seedConcurrency: flags['seed-concurrency'],
        });
        save();
        const m = results.matchDay;
        log(`match day: SMS ${m.sms.rateRatio} of ${m.sms.configuredRate}/s, email ${m.email.rateRatio} of ${m.email.configuredRate}/s; duplicates ${m.duplicates}, lost ${m.lost}, rate rejections ${m.rateRejections}; ${m.cost.writeUnitsPerMessage} WCU and ${m.cost.readUnitsPerMessage} RCU per message`);
      }
    });
  }
  if (run('idle')) {
    results.idle = await withDynamo((ctx) => runIdle(ctx, { sizes: flags['idle-sizes'], seedConcurrency: flags['seed-concurrency'] }));
    save();
  }
  if (run('lateness')) {
    // Production's defaults (shared/config.ts): a long code's 1 text/s, SES's starting 14 emails/s.
    results.lateness = await withDynamo((ctx) =>
      runLateness(ctx, {
        messages: flags['lateness-messages'],
        tickSeconds: 60,
        smsRate: 1,
        emailRate: 14,
        jitterMs: flags['jitter-ms'],
        seedConcurrency: flags['seed-concurrency'],
      }),
    );
    save();
  }
  if (run('csvImport')) {
    results.csvImport = await withDynamo((_ctx, endpoint) => runCsvImport({ endpoint, rows: flags['csv-rows'] }));
    save();
    log(`csv import: ${results.csvImport.rows} rows in ${results.csvImport.firstImportSeconds} s (${results.csvImport.firstImportRowsPerSecond}/s); again: ${results.csvImport.secondImportUnchanged} unchanged in ${results.csvImport.secondImportSeconds} s`);
  }
  if (run('cohortReport')) {
    results.cohortReport = await withDynamo((ctx) => runCohortReport(ctx, { sizes: flags['cohort-sizes'], seedConcurrency: flags['seed-concurrency'] }));
    save();
    log(`cohort report: ${results.cohortReport.readRatio20kTo1k}x the read units at ${flags['cohort-sizes'][1]} members as at ${flags['cohort-sizes'][0]} (time ${results.cohortReport.msRatio20kTo1k}x)`);
  }
  if (run('coldStart')) results.coldStart = await measureColdStart(log);
  save();
  log(`results written to ${path.relative(REPO_ROOT, out)}`);
}

interface Results {
  ceiling?: Ceiling;
  matchDay?: MatchDayResult;
  idle?: IdleResult;
  lateness?: LatenessResult;
  csvImport?: CsvImportResult;
  cohortReport?: CohortReportResult;
  coldStart?: ColdStartResult;
}

/** bench/results.json: the headline figures first (the names BENCHMARKS.md uses), the details after. */
function summarize(results: Results, flags: z.infer<typeof Flags>, startedAt: Date) {
  const m = results.matchDay;
  return {
    date: startedAt.toISOString(),
    machine: machine(),
    subscribers: m?.subscribers ?? null,
    flags: { ...flags, only: flags.only.join(',') },
    matchDay: m
      ? {
          sms: m.sms,
          email: m.email,
          duplicates: m.duplicates,
          lost: m.lost,
          rateRejections: m.rateRejections,
          secondsToLastDelivery: Math.max(m.sms.secondsToLastDelivery, m.email.secondsToLastDelivery),
          details: m,
        }
      : null,
    cost: m ? { ...m.cost, byOp: m.dispatch.byOp } : null,
    idleTick: results.idle ? { ratio100kTo1k: results.idle.ratio, ...results.idle } : null,
    lateness: results.lateness ?? null,
    baseline: results.idle
      ? { scanTickRatio: results.idle.scanRatio, scanOverIndexAtLarge: results.idle.scanOverIndexAtLarge, scan: results.idle.scan }
      : null,
    coldStart: results.coldStart ?? null,
    dynamoLocalCeiling: results.ceiling
      ? {
          ...results.ceiling,
          burstWritesPerSecond: m?.dispatch.dynamoWritesPerSecond ?? null,
          burstRequestsPerSecond: m?.dispatch.dynamoRequestsPerSecond ?? null,
          burstRequestsOverCeiling: m ? Number((m.dispatch.dynamoRequestsPerSecond / results.ceiling.conditionalWritesPerSecondConcurrent).toFixed(2)) : null,
        }
      : null,
    csvImport: results.csvImport ?? null,
    cohortReport: results.cohortReport ?? null,
  };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
