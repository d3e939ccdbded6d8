import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoCounselorStore } from '../shared/adapters/dynamo/counselor-store';
import { createDynamoEngagementStore } from '../shared/adapters/dynamo/engagement-store';
import { createDynamoStore } from '../shared/adapters/dynamo/dynamo-store';
import { cohortKey, cohortIndexKey, cohortLinkKey, cohortMemberKey, cohortTotalsKey, personCohortKey, personKey, statsKey } from '../shared/adapters/dynamo/keys';
import { cohortPage, cohortsWithCounts, parseCohortPageQuery } from '../shared/app/members/cohort-page';
import { applyEvent, emptyStats, linkFor, membershipCount, sumCounters, TOTALS_SHARDS, totalsShard, type EngagementStats } from '../shared/domain/engagement';
import type { CohortMember, CounselorPrincipal } from '../shared/domain/counselor';
import { weekStartOf } from '../shared/domain/checkins';
import type { BenchContext } from './context';
import { batchPut, PROFILE } from './seed';
import { median, round } from './stats';

/**
 * "Reports that cost what is shown": a cohort page (its figures and one page of 50 members, by
 * each filter and search) at 1,000 and 20,000 members, read through the real use case and the
 * DynamoDB adapters. Counted per page view: DynamoDB requests, read units, milliseconds. The
 * cohort is seeded as the stores keep it (member rows and their twins, each member's counts, the
 * cohort's links, totals and indexes), built by the same domain functions the stores use.
 */

interface ViewFigures {
  requests: number;
  readUnits: number;
  medianMs: number;
}

export interface CohortReportResult {
  sizes: [number, number];
  /** Per page view kind, per size. */
  views: Record<string, Record<string, ViewFigures>>;
  /** The default page view's read units at the large size over the small (goal: at most 2). */
  readRatio20kTo1k: number;
  /** The same for its median time. */
  msRatio20kTo1k: number;
  /** Read units of every view kind together, large over small. */
  allViewsReadRatio: number;
  /**
   * What counting one event (a message sent) costs for a member linked to one cohort: the read of
   * their counts and links, and the transaction (guard, counts, link, the totals' difference).
   */
  countedEvent: { requests: number; readUnits: number; writeUnits: number };
  seedSeconds: number;
}

const ORG = 'org-bench';
const COHORT = 'k-bench';
const NOW = new Date('2027-01-20T12:00:00.000Z');
const PRINCIPAL: CounselorPrincipal = { counselorId: 'c-bench', orgId: ORG, role: 'admin', scopes: [] };
const NAMES = ['Kwame', 'Priya', 'Bilal', 'Ngozi', 'Farah', 'Chen', 'Ana', 'Luis', 'Mariam', 'Tunde', 'Divya', 'Omar', 'Sara', 'Emeka', 'Hana'];
const VIEWS = 12;
const WARMUP = 2;

const personIdOf = (i: number) => `bench-${String(i).padStart(6, '0')}`;

/** A member's counts, varied: weekly check-ins and scores, some silent, some flagged (crisis, TALK, low scores). */
function statsOf(i: number): EngagementStats {
  const personId = personIdOf(i);
  const s: EngagementStats = { ...emptyStats(personId, NOW.toISOString()), version: 1, cohorts: [`${ORG}#${COHORT}`], firstName: NAMES[i % NAMES.length]!, consent: { email: 'confirmed', sms: i % 17 === 0 ? 'revoked' : 'confirmed' } };
  for (let week = 0; week < 8; week++) {
    const sentAt = new Date(NOW.getTime() - (8 - week) * 7 * 86_400_000);
    s.sent += 3;
    s.checkinsSent += 1;
    const weekStart = weekStartOf(sentAt);
    const w = s.weeks[weekStart] ?? { scoreSum: 0, scores: 0, checkinsSent: 0, checkinsAnswered: 0 };
    w.checkinsSent += 1;
    if ((i + week) % 3 !== 0) {
      const score = 1 + ((i * 7 + week) % 5);
      w.checkinsAnswered += 1;
      w.scores += 1;
      w.scoreSum += score;
      s.checkinsAnswered += 1;
      s.replies += 1;
      s.previousScore = s.lastScore?.score;
      s.lastScore = { score, at: new Date(sentAt.getTime() + 3_600_000).toISOString() };
      s.lastReplyAt = s.lastScore.at;
    }
    s.weeks[weekStart] = w;
  }
  s.delivered = s.sent - 2;
  s.firstTextAt = new Date(NOW.getTime() - 60 * 86_400_000).toISOString();
  s.lastTextAt = new Date(NOW.getTime() - 86_400_000).toISOString();
  // One in twenty has been silent for a month; one in a hundred raised a crisis flag, one in fifty texted TALK.
  if (i % 20 === 0) s.lastReplyAt = new Date(NOW.getTime() - 30 * 86_400_000).toISOString();
  if (i % 100 === 0) s.crisis = { count: 1, lastAt: new Date(NOW.getTime() - (i % 7) * 86_400_000).toISOString() };
  if (i % 50 === 0) s.talkAt = new Date(NOW.getTime() - 2 * 86_400_000).toISOString();
  if (s.previousScore === undefined) delete s.previousScore;
  return s;
}

/** One member's items, as the stores write them. */
function memberItems(i: number): Record<string, unknown>[] {
  const personId = personIdOf(i);
  const stats = statsOf(i);
  const member: CohortMember = { orgId: ORG, cohortId: COHORT, personId, addedBy: 'c-bench', addedAt: '2026-11-01T00:00:00.000Z', status: 'active', consent: { state: 'accepted', at: '2026-11-02T00:00:00.000Z' } };
  const link = linkFor(stats, ORG, COHORT, undefined);
  return [
    { ...personKey(personId), firstName: stats.firstName, email: `m${i}@bench.example`, phone: `+1555${String(i).padStart(7, '0')}`, timeZone: 'Africa/Lagos', consent: { email: { state: 'confirmed', source: 'web', at: '2026-11-01T00:00:00.000Z', text: 'x' }, sms: { state: stats.consent.sms, source: 'web', at: '2026-11-01T00:00:00.000Z', text: 'x' } }, profile: { ...PROFILE, done: [], followed: true }, createdAt: '2026-11-01T00:00:00.000Z' },
    { ...member, ...cohortMemberKey(ORG, COHORT, personId) },
    { ...member, ...personCohortKey(personId, ORG, COHORT) },
    { ...stats, ...statsKey(personId) },
    { ...link, ...cohortLinkKey(ORG, COHORT, personId) },
    ...Object.values(link.index).map((sk) => ({ personId, ...cohortIndexKey(ORG, COHORT, sk!) })),
  ];
}

/** The cohort's totals over members [0, size): summed per shard, as the stores' ADDs leave them. */
function totalsItems(size: number): Record<string, unknown>[] {
  const shards = Array.from({ length: TOTALS_SHARDS }, () => [] as Record<string, number>[]);
  for (let i = 0; i < size; i++) {
    const personId = personIdOf(i);
    const member = { status: 'active' as const, consent: { state: 'accepted' as const } };
    shards[totalsShard(personId)]!.push(linkFor(statsOf(i), ORG, COHORT, undefined).snapshot, membershipCount(member));
  }
  return shards.map((parts, shard) => ({ ...sumCounters(parts), ...cohortTotalsKey(ORG, COHORT, shard) }));
}

/** Counts the requests and read units of everything sent through `client`. */
function meter(client: DynamoDBClient) {
  const counted = { requests: 0, readUnits: 0, writeUnits: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { ReturnConsumedCapacity?: string };
      if (/^(Get|BatchGet|Query)/.test(context.commandName ?? '') && input.ReturnConsumedCapacity === undefined) input.ReturnConsumedCapacity = 'TOTAL';
      counted.requests++;
      const out = await next(args);
      const consumed = (out.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] }).ConsumedCapacity;
      const read = /^(Get|BatchGet|Query)/.test(context.commandName ?? '');
      for (const c of consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed]) {
        if (read) counted.readUnits += c.CapacityUnits ?? 0;
        else counted.writeUnits += c.CapacityUnits ?? 0;
      }
      return out;
    },
    { step: 'initialize', name: 'benchMeter' },
  );
  return counted;
}

export async function runCohortReport(ctx: BenchContext, o: { sizes: [number, number]; seedConcurrency: number }): Promise<CohortReportResult> {
  const { tableName, drop } = await ctx.table('cohort');
  const counted = meter(ctx.client);
  const deps = {
    store: createDynamoStore({ client: ctx.doc, tableName }),
    counselors: createDynamoCounselorStore({ client: ctx.doc, tableName }),
    engagement: createDynamoEngagementStore({ client: ctx.doc, tableName }),
    clock: { now: () => NOW },
  };
  try {
    await ctx.doc.send(new (await import('@aws-sdk/lib-dynamodb')).PutCommand({ TableName: tableName, Item: { cohortId: COHORT, orgId: ORG, name: 'Bench cohort', season: 2027, sequenceIds: ['getting-started'], anchorOverrides: {}, archived: false, createdAt: NOW.toISOString(), updatedAt: NOW.toISOString(), ...cohortKey(ORG, COHORT) } }));
    const views: CohortReportResult['views'] = {};
    let seeded = 0;
    let seedSeconds = 0;
    for (const size of o.sizes) {
      const more = await batchPut(ctx.doc, tableName, size - seeded, (i) => memberItems(seeded + i), { concurrency: o.seedConcurrency });
      const totals = await batchPut(ctx.doc, tableName, 1, () => totalsItems(size), { concurrency: 1 });
      seedSeconds += more.seconds + totals.seconds;
      ctx.log(`cohort report: ${size} members (${more.items} items more in ${more.seconds.toFixed(1)} s)`);
      seeded = size;
      const firstPage = await cohortPage(deps, PRINCIPAL, COHORT, parseCohortPageQuery({}));
      if (firstPage.figures.members.accepted !== size || firstPage.rows.length !== 50) throw new Error(`the seeded cohort reads wrong: ${firstPage.figures.members.accepted} members, ${firstPage.rows.length} rows`);
      const kinds: [string, () => Promise<unknown>][] = [
        ['page', () => cohortPage(deps, PRINCIPAL, COHORT, parseCohortPageQuery({}))],
        ['nextPage', () => cohortPage(deps, PRINCIPAL, COHORT, parseCohortPageQuery({ after: firstPage.next }))],
        ['flagged', () => cohortPage(deps, PRINCIPAL, COHORT, parseCohortPageQuery({ show: 'flagged' }))],
        ['silent', () => cohortPage(deps, PRINCIPAL, COHORT, parseCohortPageQuery({ show: 'silent' }))],
        ['searchName', () => cohortPage(deps, PRINCIPAL, COHORT, parseCohortPageQuery({ q: 'Ngozi', size: '10' }))],
        ['searchEmail', () => cohortPage(deps, PRINCIPAL, COHORT, parseCohortPageQuery({ q: 'm42@bench.example' }))],
        ['cohortList', () => cohortsWithCounts(deps, PRINCIPAL)],
      ];
      for (const [kind, view] of kinds) {
        const times: number[] = [];
        let last = { requests: 0, readUnits: 0 };
        for (let run = 0; run < WARMUP + VIEWS; run++) {
          const before = { ...counted };
          const started = performance.now();
          await view();
          const ms = performance.now() - started;
          if (run >= WARMUP) times.push(ms);
          last = { requests: counted.requests - before.requests, readUnits: counted.readUnits - before.readUnits };
        }
        (views[kind] ??= {})[String(size)] = { requests: last.requests, readUnits: round(last.readUnits, 1), medianMs: round(median(times), 1) };
        ctx.log(`  ${kind}: ${last.requests} requests, ${round(last.readUnits, 1)} RCU, ${round(median(times), 1)} ms`);
      }
    }
    // Counting: twenty messages sent to one member, each counted as the dispatcher counts it.
    const before = { ...counted };
    const EVENTS = 20;
    for (let n = 0; n < EVENTS; n++) {
      await deps.engagement.changeStats(personIdOf(7), (current) => current && applyEvent(current, { kind: 'sent', at: new Date(NOW.getTime() + n * 1000).toISOString(), channel: 'sms', checkin: false }));
    }
    const countedEvent = {
      requests: round((counted.requests - before.requests) / EVENTS, 2),
      readUnits: round((counted.readUnits - before.readUnits) / EVENTS, 2),
      writeUnits: round((counted.writeUnits - before.writeUnits) / EVENTS, 2),
    };
    ctx.log(`  one counted event: ${countedEvent.requests} requests, ${countedEvent.readUnits} RCU, ${countedEvent.writeUnits} WCU`);
    const [small, large] = o.sizes.map(String) as [string, string];
    const sum = (size: string) => Object.values(views).reduce((total, bySize) => total + bySize[size]!.readUnits, 0);
    return {
      sizes: o.sizes,
      views,
      readRatio20kTo1k: round(views.page![large]!.readUnits / views.page![small]!.readUnits, 2),
      msRatio20kTo1k: round(views.page![large]!.medianMs / views.page![small]!.medianMs, 2),
      allViewsReadRatio: round(sum(large) / sum(small), 2),
      countedEvent,
      seedSeconds: round(seedSeconds, 1),
    };
  } finally {
    await drop();
  }
}
