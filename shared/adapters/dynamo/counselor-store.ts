import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, Cohort, CohortMember, Counselor, Organisation } from '../../domain/counselor';
import type { CounselorStore } from '../../ports/counselor';
import {
  COHORT_PREFIX,
  COUNSELOR_PREFIX,
  MEMBER_PREFIX,
  ORGANISATIONS_PK,
  ORGANISATION_INDEX_PREFIX,
  TABLE_DEFINITION,
  auditKey,
  auditPk,
  cohortKey,
  cohortMemberKey,
  cohortMembersPk,
  counselorKey,
  orgPk,
  organisationIndexKey,
  organisationKey,
  personCohortKey,
  personPk,
} from './keys';
import { livingPersonCheck, writeForLivingPerson } from './person-guard';

/**
 * The CounselorStore on Match Coach's single table (keys.ts, "Counselors (issue 5)"). Items hold
 * the domain record as it is, plus the keys; the keys are dropped again on the way out.
 *
 * | entity        | pk / sk                                       | other attributes                  |
 * |---------------|-----------------------------------------------|-----------------------------------|
 * | organisation  | ORG#<orgId> / PROFILE                         | Organisation                      |
 * | org index     | ORGS / ORG#<orgId>                            | orgId only (same transaction)     |
 * | counselor     | ORG#<orgId> / COUNSELOR#<counselorId>         | Counselor                         |
 * | cohort        | ORG#<orgId> / COHORT#<cohortId>               | Cohort                            |
 * | member        | COHORT#<orgId>#<cohortId> / MEMBER#<personId> | CohortMember                      |
 * | member twin   | PERSON#<personId> / COHORT#<orgId>#<cohortId> | CohortMember (same transaction)   |
 * | audit         | AUDIT#<orgId> / <at>#<auditId>                | AuditEntry (ids and counts only)  |
 */

type Item = Record<string, any>;
const { partitionKey: PK, sortKey: SK } = TABLE_DEFINITION;
/** Member transactions in flight at once in saveCohortMembers. */
const BATCH_CONCURRENCY = 8;
const MEMBERS_PER_TRANSACTION = 33;

export interface DynamoCounselorStoreOptions {
  client: DynamoDBDocumentClient | DynamoDBClient;
  tableName: string;
}

export function createDynamoCounselorStore(options: DynamoCounselorStoreOptions): CounselorStore {
  const TableName = options.tableName;
  const doc =
    options.client instanceof DynamoDBDocumentClient
      ? options.client
      : DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });

  const put = async (key: { pk: string; sk: string }, record: object) => {
    await doc.send(new PutCommand({ TableName, Item: { ...withoutUndefined(record), ...key } }));
  };
  const get = async <T>(key: { pk: string; sk: string }): Promise<T | undefined> => {
    const out = await doc.send(new GetCommand({ TableName, Key: key, ConsistentRead: true }));
    return out.Item ? (domain(out.Item) as T) : undefined;
  };
  async function queryAll(shape: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>, max = Number.POSITIVE_INFINITY): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const remaining = max - items.length;
      const out = await doc.send(
        new QueryCommand({ ...shape, TableName, ExclusiveStartKey: startKey, ...(Number.isFinite(remaining) && { Limit: remaining }) }),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey && items.length < max);
    return items;
  }
  const prefixed = (pk: string, prefix: string) =>
    queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      ConsistentRead: true,
    });

  /**
   * Writes a chunk of memberships, each with its twin and only while its person lives
   * (person-guard.ts): one transaction for the chunk; members whose person is gone are left out
   * and the rest written again. Returns the person ids left out.
   */
  async function writeChunk(chunk: readonly CohortMember[]): Promise<string[]> {
    const gone: string[] = [];
    let remaining = [...chunk];
    for (let round = 0; remaining.length > 0; round++) {
      if (round > 8) throw new Error('DynamoDB kept refusing a member batch');
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** round * (0.5 + Math.random())));
      try {
        await doc.send(new TransactWriteCommand({ TransactItems: remaining.flatMap(memberItems) }));
        return gone;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const refused = remaining.filter((_, i) => reasons[i * MEMBER_ITEMS]?.Code === 'ConditionalCheckFailed');
        gone.push(...refused.map((m) => m.personId));
        remaining = remaining.filter((m) => !refused.includes(m));
        // Anything else (a conflict with another writer on one of these people): the next round.
      }
    }
    return gone;
  }

  /** A membership's items in a transaction: the person's guard, the cohort's row, the person's twin. */
  const MEMBER_ITEMS = 3;
  function memberItems(member: CohortMember) {
    const record = withoutUndefined(member);
    return [
      livingPersonCheck(TableName, member.personId),
      { Put: { TableName, Item: { ...record, ...cohortMemberKey(member.orgId, member.cohortId, member.personId) } } },
      { Put: { TableName, Item: { ...record, ...personCohortKey(member.personId, member.orgId, member.cohortId) } } },
    ];
  }

  return {
    async saveOrganisation(org) {
      // The profile and its row in the list of organisations go together: the digest never
      // misses an organisation that exists, nor lists one that does not.
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName, Item: { ...withoutUndefined(org), ...organisationKey(org.orgId) } } },
            { Put: { TableName, Item: { orgId: org.orgId, ...organisationIndexKey(org.orgId) } } },
          ],
        }),
      );
    },
    getOrganisation: (orgId) => get<Organisation>(organisationKey(orgId)),
    async listOrganisations() {
      const items = await queryAll({
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK, '#orgId': 'orgId' },
        ExpressionAttributeValues: { ':pk': ORGANISATIONS_PK, ':prefix': ORGANISATION_INDEX_PREFIX },
        ProjectionExpression: '#orgId',
      });
      return items.map((item) => String(item.orgId));
    },

    saveCounselor: (counselor) => put(counselorKey(counselor.orgId, counselor.counselorId), counselor),
    getCounselor: (orgId, counselorId) => get<Counselor>(counselorKey(orgId, counselorId)),
    async deleteCounselor(orgId, counselorId) {
      await doc.send(new DeleteCommand({ TableName, Key: counselorKey(orgId, counselorId) }));
    },
    async listCounselors(orgId) {
      return (await prefixed(orgPk(orgId), COUNSELOR_PREFIX)).map((item) => domain(item) as Counselor);
    },

    saveCohort: (cohort) => put(cohortKey(cohort.orgId, cohort.cohortId), cohort),
    getCohort: (orgId, cohortId) => get<Cohort>(cohortKey(orgId, cohortId)),
    async listCohorts(orgId) {
      return (await prefixed(orgPk(orgId), COHORT_PREFIX)).map((item) => domain(item) as Cohort);
    },

    async saveCohortMember(member) {
      await writeForLivingPerson(doc, TableName, member.personId, memberItems(member).slice(1));
    },
    async saveCohortMembers(members) {
      // 33 members and their guards and twins to a transaction (99 of its 100 items).
      const chunks: CohortMember[][] = [];
      for (let start = 0; start < members.length; start += MEMBERS_PER_TRANSACTION) chunks.push(members.slice(start, start + MEMBERS_PER_TRANSACTION));
      let next = 0;
      const gone: string[] = [];
      const worker = async () => {
        while (next < chunks.length) gone.push(...(await writeChunk(chunks[next++]!)));
      };
      await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, chunks.length) }, worker));
      return { gone };
    },
    async deleteCohortMember(orgId, cohortId, personId) {
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName, Key: cohortMemberKey(orgId, cohortId, personId) } },
            { Delete: { TableName, Key: personCohortKey(personId, orgId, cohortId) } },
          ],
        }),
      );
    },
    getCohortMember: (orgId, cohortId, personId) => get<CohortMember>(cohortMemberKey(orgId, cohortId, personId)),
    async listCohortMembers(orgId, cohortId) {
      return (await prefixed(cohortMembersPk(orgId, cohortId), MEMBER_PREFIX)).map((item) => domain(item) as CohortMember);
    },
    async cohortsOfPerson(personId) {
      return (await prefixed(personPk(personId), COHORT_PREFIX)).map((item) => domain(item) as CohortMember);
    },
    async forgetPerson(personId) {
      const memberships = (await prefixed(personPk(personId), COHORT_PREFIX)).map((item) => domain(item) as CohortMember);
      let forgotten = 0;
      for (const member of memberships) {
        // The cohort's row first: the person's twin is how a repeated run finds it again.
        await doc.send(new DeleteCommand({ TableName, Key: cohortMemberKey(member.orgId, member.cohortId, personId) }));
        await doc.send(new DeleteCommand({ TableName, Key: personCohortKey(personId, member.orgId, member.cohortId) }));
        forgotten++;
      }
      return forgotten;
    },

    appendAudit: (entry) => put(auditKey(entry.orgId, entry.at, entry.auditId), entry),
    async listAudit(orgId, options = {}) {
      const items = await queryAll(
        {
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':pk': auditPk(orgId) },
          ScanIndexForward: false,
          ConsistentRead: true,
        },
        options.limit ?? 100,
      );
      return items.map((item) => domain(item) as AuditEntry);
    },
  };
}

/** The record without the table's keys. */
function domain(item: Item): Item {
  const { [PK]: _pk, [SK]: _sk, ...rest } = item;
  return rest;
}

/** The marshaller rejects undefined, and absent is what an optional field means in an item. */
function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, withoutUndefined(v)])) as T;
  }
  return value;
}
