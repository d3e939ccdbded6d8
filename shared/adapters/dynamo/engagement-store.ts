import { DynamoDBClient, TransactionCanceledException, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  CohortLink,
  EngagementStats,
  MAX_LINKED_COHORTS,
  TOTALS_SHARDS,
  cohortRef,
  difference,
  linkFor,
  nameIndexPrefix,
  parseCohortRef,
  personOfIndexKey,
  sumCounters,
  totalsShard,
} from '../../domain/engagement';
import { PersonGone } from '../../domain/errors';
import { ContactNote, type EngagementStore } from '../../ports/engagement';
import {
  TABLE_DEFINITION,
  ifAbsent,
  cohortIndexKey,
  cohortLinkKey,
  cohortMembersPk,
  cohortTotalsKey,
  contactNoteKey,
  contactNotesPrefix,
  statsKey,
} from './keys';
import { livingPersonCheck } from './person-guard';
import { batchGetItems, documentClient } from './dynamo-context';
import { domainFields, parseItem, type Item, type TransactItem } from './stored-item';
import { withoutUndefined } from '../without-undefined';

/**
 * The EngagementStore on Match Coach's single table (keys.ts, "Engagement").
 *
 * | entity        | pk / sk                                          | attributes                          |
 * |---------------|--------------------------------------------------|-------------------------------------|
 * | counts        | PERSON#<personId> / STATS                        | EngagementStats                     |
 * | cohort totals | COHORT#<orgId>#<cohortId> / TOTALS#<shard>       | flat counters (ADD only)            |
 * | link          | COHORT#<orgId>#<cohortId> / LINK#<personId>      | CohortLink                          |
 * | index entry   | COHORT#<orgId>#<cohortId> / FLAG#, QUIET#, NAME# | personId                            |
 * | contact note  | PERSON#<personId> / CONTACT#<orgId>#<at>#<id>    | ContactNote                         |
 *
 * changeStats is one transaction: the person's guard, their counts (over the version read), and
 * for each cohort of theirs its link (over the version read), the totals' difference (an ADD on
 * their shard) and their index entries. A condition that fails means someone wrote in between:
 * everything is read again and tried again.
 */

const { partitionKey: PK, sortKey: SK } = TABLE_DEFINITION;
/** Rounds of read-change-write before giving up (each lost round means someone else's change landed). */
const CHANGE_ROUNDS = 12;

export interface DynamoEngagementStoreOptions {
  client: DynamoDBDocumentClient | DynamoDBClient;
  tableName: string;
  /** Called once per request with the units it consumed (benchmarks). */
  onCapacity?: (op: string, readUnits: number, writeUnits: number) => void;
}

export function createDynamoEngagementStore(options: DynamoEngagementStoreOptions): EngagementStore {
  const TableName = options.tableName;
  const doc = documentClient(options.client);

  const measure = (op: string, kind: 'read' | 'write', consumed: ConsumedCapacity | ConsumedCapacity[] | undefined) => {
    if (!options.onCapacity) return;
    let units = 0;
    for (const entry of consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed]) units += entry.CapacityUnits ?? 0;
    options.onCapacity(op, kind === 'read' ? units : 0, kind === 'write' ? units : 0);
  };

  const batchGet = (op: string, keys: readonly { pk: string; sk: string }[], consistent = true): Promise<Item[]> =>
    batchGetItems(doc, TableName, keys, {
      consistent,
      measure: async (call) => {
        const out = await call();
        measure(op, 'read', out.ConsumedCapacity);
        return out;
      },
    });

  const statsOf = (item: Item | undefined) => (item ? parseItem(EngagementStats, 'engagement stats', item) : undefined);
  const linkOf = (item: Item) => parseItem(CohortLink, 'cohort link', item);

  async function readStats(personId: string): Promise<EngagementStats | undefined> {
    const out = await doc.send(new GetCommand({ TableName, Key: statsKey(personId), ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }));
    measure('changeStats', 'read', out.ConsumedCapacity);
    return statsOf(out.Item);
  }

  async function readLinks(personId: string, refs: readonly string[]): Promise<Map<string, CohortLink>> {
    if (refs.length === 0) return new Map();
    const items = await batchGet('changeStats', refs.map((ref) => { const { orgId, cohortId } = parseCohortRef(ref); return cohortLinkKey(orgId, cohortId, personId); }));
    return new Map(items.map(linkOf).map((link) => [cohortRef(link.orgId, link.cohortId), link]));
  }

  /** ADD every counter of `delta` to the member's totals shard of a cohort. */
  function totalsUpdate(orgId: string, cohortId: string, personId: string, delta: Record<string, number>) {
    const entries = Object.entries(delta);
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const adds = entries.map(([key, value], i) => {
      names[`#c${i}`] = key;
      values[`:c${i}`] = value;
      return `#c${i} :c${i}`;
    });
    return { TableName, Key: cohortTotalsKey(orgId, cohortId, totalsShard(personId)), UpdateExpression: `ADD ${adds.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
  }

  /** The writes that move one cohort from `before` to `after` (either may be absent). */
  function cohortItems(personId: string, orgId: string, cohortId: string, before: CohortLink | undefined, after: CohortLink | undefined): TransactItem[] {
    const items: TransactItem[] = [];
    const linkKey = cohortLinkKey(orgId, cohortId, personId);
    const condition = overVersion(before?.version);
    if (after) items.push({ Put: { TableName, Item: { ...withoutUndefined(after), ...linkKey }, ...condition } });
    else if (before) items.push({ Delete: { TableName, Key: linkKey, ...condition } });
    const delta = difference(after?.snapshot ?? {}, before?.snapshot ?? {});
    if (Object.keys(delta).length > 0) items.push({ Update: totalsUpdate(orgId, cohortId, personId, delta) });
    for (const index of ['flag', 'quiet', 'name'] as const) {
      const was = before?.index[index];
      const is = after?.index[index];
      if (was === is) continue;
      if (was) items.push({ Delete: { TableName, Key: cohortIndexKey(orgId, cohortId, was) } });
      if (is) items.push({ Put: { TableName, Item: { personId, ...cohortIndexKey(orgId, cohortId, is) } } });
    }
    return items;
  }

  /** Sends a transaction: 'done', 'gone' (the person's guard failed), or 'again' (someone wrote in between). */
  async function transact(op: string, items: TransactItem[], guarded: boolean): Promise<'done' | 'gone' | 'again'> {
    try {
      const out = await doc.send(new TransactWriteCommand({ TransactItems: items, ReturnConsumedCapacity: 'TOTAL' }));
      measure(op, 'write', out.ConsumedCapacity);
      return 'done';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (guarded && reasons[0]?.Code === 'ConditionalCheckFailed') return 'gone';
      if (reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')) return 'again';
      throw error;
    }
  }

  /** Written only over `version` (or only where nothing is yet). */
  const overVersion = (version: number | undefined): { ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Record<string, number> } =>
    version === undefined
      ? ifAbsent()
      : { ConditionExpression: '#version = :version', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': version } };

  const pause = (round: number) => new Promise((resolve) => setTimeout(resolve, Math.min(500, 5 * 2 ** round) * (0.5 + Math.random())));

  return {
    // Page views read eventually consistent (half the units): a count a second old is fine on a
    // dashboard; every read that a write is made over (changeStats) is strongly consistent.
    async getStats(personIds) {
      const items = await batchGet('getStats', personIds.map(statsKey), false);
      return new Map(items.map((item) => statsOf(item)!).map((s) => [s.personId, s]));
    },

    async changeStats(personId, change, opts = {}) {
      for (let round = 0; round < CHANGE_ROUNDS; round++) {
        if (round > 0) await pause(round);
        const current = await readStats(personId);
        const proposed = change(current);
        if (!proposed) return current;
        const cohorts = [...new Set(proposed.cohorts)].slice(0, MAX_LINKED_COHORTS);
        const next = EngagementStats.parse({ ...proposed, personId, cohorts, version: (current?.version ?? 0) + 1 });
        const refs = [...new Set([...(current?.cohorts ?? []), ...cohorts])];
        const links = await readLinks(personId, refs);
        const statsCondition = overVersion(current?.version);
        const items: TransactItem[] = [livingPersonCheck(TableName, personId), { Put: { TableName, Item: { ...withoutUndefined(next), ...statsKey(personId) }, ...statsCondition } }];
        for (const ref of refs) {
          const { orgId, cohortId } = parseCohortRef(ref);
          const before = links.get(ref);
          const contactedAt = opts.contacted && opts.contacted.orgId === orgId ? opts.contacted.at : before?.contactedAt;
          const after = cohorts.includes(ref) ? linkFor(next, orgId, cohortId, contactedAt) : undefined;
          items.push(...cohortItems(personId, orgId, cohortId, before, after));
        }
        const outcome = await transact('changeStats', items, true);
        if (outcome === 'gone') throw new PersonGone();
        if (outcome === 'done') return next;
      }
      throw new Error('engagement counts kept changing under us; try again');
    },

    async forgetPerson(personId, extra = []) {
      const out = await doc.send(new GetCommand({ TableName, Key: statsKey(personId), ConsistentRead: true }));
      const stats = statsOf(out.Item);
      const refs = [...new Set([...(stats?.cohorts ?? []), ...extra])];
      let forgotten = 0;
      for (const ref of refs) {
        const { orgId, cohortId } = parseCohortRef(ref);
        for (let round = 0; round < CHANGE_ROUNDS; round++) {
          if (round > 0) await pause(round);
          const link = (await readLinks(personId, [ref])).get(ref);
          if (!link) break;
          // No guard: this runs while the person is being erased, which is what the guard refuses.
          const outcome = await transact('forgetPerson', cohortItems(personId, orgId, cohortId, link, undefined), false);
          if (outcome === 'done') {
            forgotten++;
            break;
          }
        }
      }
      return forgotten;
    },

    async getLinks(orgId, cohortId, personIds) {
      const items = await batchGet('getLinks', personIds.map((id) => cohortLinkKey(orgId, cohortId, id)), false);
      return new Map(items.map(linkOf).map((link) => [link.personId, link]));
    },

    async cohortTotals(orgId, cohortId) {
      const items = await batchGet('cohortTotals', Array.from({ length: TOTALS_SHARDS }, (_, shard) => cohortTotalsKey(orgId, cohortId, shard)), false);
      return sumCounters(items.map((item) => Object.fromEntries(Object.entries(domainFields(item)).filter(([, v]) => typeof v === 'number')) as Record<string, number>));
    },

    async addToCohortTotals(orgId, cohortId, personId, delta) {
      if (Object.keys(delta).length === 0) return;
      const out = await doc.send(new UpdateCommand({ ...totalsUpdate(orgId, cohortId, personId, delta), ReturnConsumedCapacity: 'TOTAL' }));
      measure('addToCohortTotals', 'write', out.ConsumedCapacity);
    },

    async listIndex(orgId, cohortId, index, { limit, after, upTo, name }) {
      const pk = cohortMembersPk(orgId, cohortId);
      const prefix = index === 'flag' ? 'FLAG#' : index === 'quiet' ? 'QUIET#' : nameIndexPrefix(name ?? '');
      // Quiet members up to an instant: a range; the others a prefix.
      const range = index === 'quiet' && upTo !== undefined;
      const out = await doc.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: range ? '#pk = :pk AND #sk BETWEEN :from AND :to' : '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':pk': pk, ...(range ? { ':from': prefix, ':to': upTo } : { ':prefix': prefix }) },
          ScanIndexForward: index !== 'flag',
          Limit: limit,
          ...(after && { ExclusiveStartKey: { [PK]: pk, [SK]: after } }),
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      measure('listIndex', 'read', out.ConsumedCapacity);
      const entries = (out.Items ?? []).map((item) => ({ personId: personOfIndexKey(String(item[SK])), key: String(item[SK]) }));
      const last = out.LastEvaluatedKey?.[SK];
      return { entries, ...(last !== undefined && { next: String(last) }) };
    },

    async addContactNote(note) {
      const parsed = ContactNote.parse(note);
      const { personId, ...fields } = parsed;
      try {
        const out = await doc.send(
          new TransactWriteCommand({
            TransactItems: [livingPersonCheck(TableName, personId), { Put: { TableName, Item: { ...withoutUndefined(fields), ...contactNoteKey(personId, parsed.orgId, parsed.at, parsed.noteId) } } }],
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        measure('addContactNote', 'write', out.ConsumedCapacity);
      } catch (error) {
        if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') throw new PersonGone();
        throw error;
      }
    },

    async listContactNotes(personId, orgId, limit = 20) {
      const out = await doc.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':pk': statsKey(personId).pk, ':prefix': contactNotesPrefix(orgId) },
          ScanIndexForward: false,
          Limit: limit,
          ConsistentRead: true,
        }),
      );
      return (out.Items ?? []).map((item) => parseItem(ContactNote, 'contact note', item, { personId }));
    },
  };
}
