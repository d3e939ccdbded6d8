import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
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
/** Member batches written at once by saveCohortMembers. */
const BATCH_CONCURRENCY = 8;

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

  async function writeChunk(chunk: readonly CohortMember[]): Promise<void> {
    let requests: Item[] = chunk.flatMap((member) => {
      const record = withoutUndefined(member);
      return [
        { PutRequest: { Item: { ...record, ...cohortMemberKey(member.orgId, member.cohortId, member.personId) } } },
        { PutRequest: { Item: { ...record, ...personCohortKey(member.personId, member.orgId, member.cohortId) } } },
      ];
    });
    for (let round = 0; requests.length > 0; round++) {
      if (round > 8) throw new Error('DynamoDB kept items of a member batch unprocessed');
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [TableName]: requests } }));
      requests = (out.UnprocessedItems?.[TableName] as Item[] | undefined) ?? [];
    }
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
      const record = withoutUndefined(member);
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName, Item: { ...record, ...cohortMemberKey(member.orgId, member.cohortId, member.personId) } } },
            { Put: { TableName, Item: { ...record, ...personCohortKey(member.personId, member.orgId, member.cohortId) } } },
          ],
        }),
      );
    },
    async saveCohortMembers(members) {
      // A batch takes 25 items: 12 members and their twins. Unprocessed items (throttling) are retried.
      const chunks: CohortMember[][] = [];
      for (let start = 0; start < members.length; start += 12) chunks.push(members.slice(start, start + 12));
      let next = 0;
      const worker = async () => {
        while (next < chunks.length) await writeChunk(chunks[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, chunks.length) }, worker));
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
