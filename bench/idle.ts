import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoStore } from '../shared/adapters/dynamo/dynamo-store';
import { createMemoryEmailSender } from '../shared/adapters/memory/memory-email-sender';
import { createMemoryRateBudget } from '../shared/adapters/memory/memory-rate-budget';
import { createMemorySmsSender } from '../shared/adapters/memory/memory-sms-sender';
import { createDispatcher } from '../shared/app/dispatch/dispatcher';
import type { BenchContext } from './context';
import { batchPut, enrolledPersonItems, MATCH_DAY_NOON } from './seed';
import { median, round } from './stats';

interface TickFigures {
  medianMs: number;
  requests: number;
  readUnits: number;
}

export interface IdleResult {
  sizes: [number, number];
  itemsPerPerson: number;
  index: Record<string, TickFigures>;
  scan: Record<string, ScanFigures>;
  /** Index tick time at the large size over the small one (goal: within 20 %, i.e. at most 1.2). */
  ratio: number;
  /** The same for the naive Scan-per-tick baseline. */
  scanRatio: number;
  /** At the large size: the Scan tick's time over the index tick's. */
  scanOverIndexAtLarge: number;
  /** What AWS would bill an idle index tick: 0.5 RCU per Query at least (DynamoDB Local reports 0 for an empty one). */
  awsMinimumReadUnitsPerIdleTick: number;
}

interface ScanFigures extends TickFigures {
  itemsScanned: number;
  /**
   * False when one Scan of the table took longer than SCAN_LIMIT_MS and was stopped: DynamoDB
   * Local pages a Scan more and more slowly as the table grows (about 500,000 items at 100,000
   * people), so the figure is then a lower bound: the time spent and the items read by then.
   */
  complete: boolean;
}

const SCAN_LIMIT_MS = 180_000;
const TICKS = 15;
const WARMUP_TICKS = 3;
const SCANS = 3;

/**
 * One dispatcher tick when N people are enrolled and nothing is due, at two sizes, and the naive
 * baseline that Scans the whole table every tick, at the same sizes and in the same table.
 * Each person: profile, season membership, an enrollment, and the next SMS and email planned
 * for later in the week (so the due index holds 2 N entries, none due).
 */
export async function runIdle(ctx: BenchContext, o: { sizes: [number, number]; seedConcurrency: number }): Promise<IdleResult> {
  const { tableName, drop } = await ctx.table('idle');
  try {
    const [small, large] = o.sizes;
    const index: IdleResult['index'] = {};
    const scan: IdleResult['scan'] = {};
    let seeded = 0;
    for (const size of [small, large]) {
      const more = await batchPut(ctx.doc, tableName, size - seeded, (i) => enrolledPersonItems(seeded + i, MATCH_DAY_NOON), {
        concurrency: o.seedConcurrency,
      });
      ctx.log(`idle: ${size} enrolled people (${more.items} items more in ${more.seconds.toFixed(1)} s)`);
      seeded = size;
      index[String(size)] = await indexTick(ctx, tableName);
      ctx.log(`  index tick ${index[String(size)]!.medianMs} ms, ${index[String(size)]!.requests} requests`);
      scan[String(size)] = await scanTick(ctx, tableName);
      const s = scan[String(size)]!;
      ctx.log(`  scan tick ${s.complete ? '' : 'at least '}${s.medianMs} ms, ${s.readUnits} RCU, ${s.itemsScanned} items${s.complete ? '' : ' (stopped at the time limit)'}`);
    }
    const at = (r: Record<string, { medianMs: number }>, size: number) => r[String(size)]!.medianMs;
    return {
      sizes: o.sizes,
      itemsPerPerson: enrolledPersonItems(0, MATCH_DAY_NOON).length,
      index,
      scan,
      ratio: round(at(index, large) / at(index, small)),
      scanRatio: round(at(scan, large) / at(scan, small), 1),
      scanOverIndexAtLarge: round(at(scan, large) / at(index, large), 1),
      awsMinimumReadUnitsPerIdleTick: index[String(large)]!.requests * 0.5,
    };
  } finally {
    await drop();
  }
}

/** The real dispatcher, one tick at Match Day noon: everything planned is due later. */
async function indexTick(ctx: BenchContext, tableName: string): Promise<TickFigures> {
  let requests = 0;
  let readUnits = 0;
  const store = createDynamoStore({
    client: ctx.doc,
    tableName,
    onCapacity: (_op, read) => {
      requests++;
      readUnits += read;
    },
  });
  const dispatch = createDispatcher({
    store,
    sms: createMemorySmsSender(),
    email: createMemoryEmailSender(),
    budget: createMemoryRateBudget(),
    clock: { now: () => MATCH_DAY_NOON },
    settings: { leaseSeconds: 120, concurrency: 8, maxDurationMs: 50_000, postalAddress: 'Match Coach, 1 Bench Street, Boston, MA' },
  });
  const times: number[] = [];
  let perTick = { requests: 0, readUnits: 0 };
  for (let tick = 0; tick < WARMUP_TICKS + TICKS; tick++) {
    const before = { requests, readUnits };
    const started = performance.now();
    const report = await dispatch();
    const ms = performance.now() - started;
    if (report.claimed + report.lostRaces > 0) throw new Error('the idle tick found something due');
    if (tick >= WARMUP_TICKS) times.push(ms);
    perTick = { requests: requests - before.requests, readUnits: readUnits - before.readUnits };
  }
  return { medianMs: round(median(times), 2), requests: perTick.requests, readUnits: round(perTick.readUnits, 2) };
}

/** The naive dispatcher's read: every item of the table, keeping those planned and due. */
async function scanTick(ctx: BenchContext, tableName: string): Promise<ScanFigures> {
  const times: number[] = [];
  let last = { requests: 0, readUnits: 0, itemsScanned: 0 };
  let complete = true;
  for (let run = 0; run < SCANS && complete; run++) {
    const started = performance.now();
    let startKey: Record<string, unknown> | undefined;
    let requests = 0;
    let readUnits = 0;
    let itemsScanned = 0;
    for (let page = 0; page < 1_000_000; page++) {
      const out = await ctx.doc.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: '#status = :planned AND #dueAt <= :now',
          ExpressionAttributeNames: { '#status': 'status', '#dueAt': 'dueAt' },
          ExpressionAttributeValues: { ':planned': 'planned', ':now': MATCH_DAY_NOON.toISOString() },
          ExclusiveStartKey: startKey,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      requests++;
      readUnits += out.ConsumedCapacity?.CapacityUnits ?? 0;
      itemsScanned += out.ScannedCount ?? 0;
      if ((out.Items ?? []).length > 0) throw new Error('the baseline found something due');
      startKey = out.LastEvaluatedKey;
      if (!startKey) break;
      if (performance.now() - started > SCAN_LIMIT_MS) {
        complete = false;
        break;
      }
    }
    times.push(performance.now() - started);
    last = { requests, readUnits, itemsScanned };
  }
  return { medianMs: round(median(times), 1), requests: last.requests, readUnits: round(last.readUnits, 1), itemsScanned: last.itemsScanned, complete };
}
