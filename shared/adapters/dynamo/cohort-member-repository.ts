import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { CohortMember } from '../../domain/counselor';
import type { CohortMemberStore } from '../../ports/cohort-members';
import { COHORT_PREFIX, MEMBER_PREFIX, cohortMemberKey, cohortMembersPk, ifAbsent, personCohortKey, personPk } from './keys';
import { livingPersonCheck, writeForLivingPerson } from './person-guard';
import { PK, SK, batchGetItems } from './dynamo-context';
import type { CounselorContext } from './counselor-context';
import { parseItem, type Item } from './stored-item';
import { withoutUndefined } from '../without-undefined';
import { cohortFigures, difference, membershipCount, sumCounters } from '../../domain/engagement';
import { mapWithConcurrency } from '../../domain/concurrency';

/**
 * Cohort memberships: the cohort's row (COHORT#<orgId>#<cohortId> / MEMBER#<personId>) and the
 * person's twin of it (PERSON#<personId> / COHORT#<orgId>#<cohortId>), written together.
 *
 * Member counts. Each membership write is made over the row's answer as read (its status and
 * consent state), then adds the change it made to the cohort's member counts (`members.pending`,
 * `members.accepted`, `members.declined`: active rows by answer) in the cohort's totals
 * (engagement-store.ts). The count is a plain ADD after the row's transaction, not part of it:
 * an import writes many chunks at once, and a transaction touching the same totals item from
 * each would conflict. A crash between the two leaves a count off by what that write changed,
 * until `matchcoach report recount`; nothing about a person is ever lost that way.
 *
 * Forgetting a person also takes back their engagement figures, another aggregate: the facade
 * (counselor-store.ts) does that, then lets go of each membership through `forgetMembership`.
 */

/** Member transactions in flight at once in saveCohortMembers. */
const BATCH_CONCURRENCY = 8;
const MEMBERS_PER_TRANSACTION = 33;
/** The key whose totals shard member counts go to (any one does: the shards are summed). */
const MEMBER_COUNTS_SHARD = '';
/** Rounds of read-and-write for one membership before giving up (each lost round is someone else's write). */
const MEMBER_ROUNDS = 8;

export interface CohortMemberRepository extends Omit<CohortMemberStore, 'forgetPerson'> {
  /** Erasure's step for one membership: the cohort's row (and its count), then the person's twin. */
  forgetMembership(member: CohortMember): Promise<void>;
}

export function createCohortMemberRepository(shared: CounselorContext): CohortMemberRepository {
  const { doc, TableName, get, prefixed, engagement } = shared;

  /** The row's answer as read: the condition a write of the row is made under. */
  function overAnswer(before: CohortMember | undefined): { ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Record<string, string> } {
    if (!before) return ifAbsent();
    const names = { '#status': 'status', '#consent': 'consent', '#state': 'state' };
    return before.consent
      ? { ConditionExpression: '#status = :status AND #consent.#state = :state', ExpressionAttributeNames: names, ExpressionAttributeValues: { ':status': before.status, ':state': before.consent.state } }
      : { ConditionExpression: '#status = :status AND attribute_not_exists(#consent.#state)', ExpressionAttributeNames: names, ExpressionAttributeValues: { ':status': before.status } };
  }

  /**
   * Adds what some membership writes changed to their cohorts' counts: one ADD per cohort (a
   * chunk of an import is one request more, not one per row). Plain ADDs do not conflict with
   * each other, so member counts all go to one shard of the totals, which are read as a sum.
   */
  async function countChanges(changes: readonly { before: CohortMember | undefined; after: CohortMember | undefined }[]): Promise<void> {
    const byCohort = new Map<string, { member: CohortMember; delta: Record<string, number> }>();
    for (const { before, after } of changes) {
      const member = (after ?? before)!;
      const delta = difference(membershipCount(after), membershipCount(before));
      if (Object.keys(delta).length === 0) continue;
      const key = `${member.orgId}#${member.cohortId}`;
      const had = byCohort.get(key);
      byCohort.set(key, { member: had?.member ?? member, delta: sumCounters([had?.delta ?? {}, delta]) });
    }
    for (const { member, delta } of byCohort.values()) await engagement.addToCohortTotals(member.orgId, member.cohortId, MEMBER_COUNTS_SHARD, delta);
  }

  /**
   * Writes a chunk of memberships, each with its twin, only while its person lives
   * (person-guard.ts) and over the row's answer as read: one transaction for the chunk. Members
   * whose person is gone are left out and named; rows someone changed meanwhile are read again.
   * Then the chunk's changes are added to the member counts.
   */
  async function writeChunk(chunk: readonly CohortMember[]): Promise<string[]> {
    const gone: string[] = [];
    let remaining = [...chunk];
    for (let round = 0; remaining.length > 0; round++) {
      if (round > MEMBER_ROUNDS) throw new Error('DynamoDB kept refusing a member batch');
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** round * (0.5 + Math.random())));
      const before = await readRows(remaining);
      try {
        await doc.send(new TransactWriteCommand({ TransactItems: remaining.flatMap((m) => memberItems(m, before.get(rowId(m)))) }));
        await countChanges(remaining.map((m) => ({ before: before.get(rowId(m)), after: m })));
        return gone;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const refused = remaining.filter((_, i) => reasons[i * MEMBER_ITEMS]?.Code === 'ConditionalCheckFailed');
        gone.push(...refused.map((m) => m.personId));
        remaining = remaining.filter((m) => !refused.includes(m));
        // Anything else (a row changed since it was read, a conflict with another writer): the next round.
      }
    }
    return gone;
  }

  const rowId = (m: Pick<CohortMember, 'orgId' | 'cohortId' | 'personId'>) => `${m.orgId}#${m.cohortId}#${m.personId}`;
  async function readRows(members: readonly Pick<CohortMember, 'orgId' | 'cohortId' | 'personId'>[], consistent = true): Promise<Map<string, CohortMember>> {
    const keys = members.map((m) => cohortMemberKey(m.orgId, m.cohortId, m.personId));
    const items = await batchGetItems(doc, TableName, keys, { consistent });
    return new Map(items.map(toMember).map((member) => [rowId(member), member]));
  }

  /** A membership's items in a transaction: the person's guard, the cohort's row (over its answer as read), the person's twin. */
  const MEMBER_ITEMS = 3;
  function memberItems(member: CohortMember, before: CohortMember | undefined) {
    const record = withoutUndefined(member);
    return [
      livingPersonCheck(TableName, member.personId),
      { Put: { TableName, Item: { ...record, ...cohortMemberKey(member.orgId, member.cohortId, member.personId) }, ...overAnswer(before) } },
      { Put: { TableName, Item: { ...record, ...personCohortKey(member.personId, member.orgId, member.cohortId) } } },
    ];
  }

  return {
    async saveCohortMember(member) {
      for (let round = 0; round < MEMBER_ROUNDS; round++) {
        const before = (await readRows([member])).get(rowId(member));
        if (await writeForLivingPerson(doc, TableName, member.personId, memberItems(member, before).slice(1))) {
          await countChanges([{ before, after: member }]);
          return;
        }
        // The row changed since it was read: read it again, so the count moves by what this write changes.
      }
      throw new Error('a membership kept changing under us; try again');
    },
    async saveCohortMembers(members) {
      // 33 members and their guards and twins to a transaction (99 of its 100 items).
      const chunks: CohortMember[][] = [];
      for (let start = 0; start < members.length; start += MEMBERS_PER_TRANSACTION) chunks.push(members.slice(start, start + MEMBERS_PER_TRANSACTION));
      const gone: string[] = [];
      await mapWithConcurrency(chunks, BATCH_CONCURRENCY, async (chunk) => {
        gone.push(...(await writeChunk(chunk)));
      });
      return { gone };
    },
    async deleteCohortMember(orgId, cohortId, personId) {
      for (let round = 0; round < MEMBER_ROUNDS; round++) {
        const before = (await readRows([{ orgId, cohortId, personId }])).get(rowId({ orgId, cohortId, personId }));
        try {
          await doc.send(
            new TransactWriteCommand({
              TransactItems: [
                { Delete: { TableName, Key: cohortMemberKey(orgId, cohortId, personId), ...overAnswer(before) } },
                { Delete: { TableName, Key: personCohortKey(personId, orgId, cohortId) } },
              ],
            }),
          );
          await countChanges([{ before, after: undefined }]);
          return;
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
        }
      }
      throw new Error('a membership kept changing under us; try again');
    },
    getCohortMember: (orgId, cohortId, personId) => get(CohortMember, 'cohort member', cohortMemberKey(orgId, cohortId, personId)),
    async listCohortMembers(orgId, cohortId) {
      return (await prefixed(cohortMembersPk(orgId, cohortId), MEMBER_PREFIX)).map(toMember);
    },
    async listCohortMembersPage(orgId, cohortId, { limit, after }) {
      const pk = cohortMembersPk(orgId, cohortId);
      const out = await doc.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':pk': pk, ':prefix': MEMBER_PREFIX },
          Limit: limit,
          // A page view: eventually consistent is half the units, and a second's lag is no matter there.
          ...(after !== undefined && { ExclusiveStartKey: { [PK]: pk, [SK]: `${MEMBER_PREFIX}${after}` } }),
        }),
      );
      const members = (out.Items ?? []).map(toMember);
      return { members, ...(out.LastEvaluatedKey && members.length > 0 && { next: members.at(-1)!.personId }) };
    },
    async getCohortMembers(orgId, cohortId, personIds) {
      const rows = await readRows(personIds.map((personId) => ({ orgId, cohortId, personId })), false);
      return new Map([...rows.values()].map((m) => [m.personId, m]));
    },
    async cohortsOfPerson(personId) {
      return (await prefixed(personPk(personId), COHORT_PREFIX)).map(toMember);
    },
    async forgetMembership(member) {
      const { personId } = member;
      // The cohort's row first: the person's twin is how a repeated run finds it again.
      const out = await doc.send(new DeleteCommand({ TableName, Key: cohortMemberKey(member.orgId, member.cohortId, personId), ReturnValues: 'ALL_OLD' }));
      if (out.Attributes) await countChanges([{ before: toMember(out.Attributes), after: undefined }]);
      await doc.send(new DeleteCommand({ TableName, Key: personCohortKey(personId, member.orgId, member.cohortId) }));
    },
    async countMembers(orgId, cohortId) {
      return cohortFigures(await engagement.cohortTotals(orgId, cohortId), new Date(0), 0).members;
    },
  };
}

/** A membership row or its twin in the person's partition: the same record under two keys. */
function toMember(item: Item): CohortMember {
  return parseItem(CohortMember, 'cohort member', item);
}
