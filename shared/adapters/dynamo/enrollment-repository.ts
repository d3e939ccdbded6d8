import { ExecuteStatementCommand } from '@aws-sdk/lib-dynamodb';
import { Enrollment } from '../../domain/model';
import { mapWithConcurrency } from '../../domain/concurrency';
import type { EnrollmentStore } from '../../ports/enrollments';
import { ENROLLMENT_PREFIX, enrollmentIdFromSk, enrollmentKey, personIdFromPk, personPk } from './keys';
import { BULK_CONCURRENCY, PK, SK, compareStrings, type DynamoContext } from './dynamo-context';
import { parseItem, type Item } from './stored-item';
import { withoutUndefined } from '../without-undefined';

/** Partition keys one PartiQL `IN` may name. */
const PARTIQL_IN_KEYS = 50;

/** Enrollments in the person's partition (PERSON#<personId> / ENROLL#<id>). */
export function createEnrollmentRepository(shared: DynamoContext): EnrollmentStore {
  const { doc, TableName, measured, queryPrefix, guarded } = shared;
  return {
    async saveEnrollment(enrollment) {
      await guarded('saveEnrollment', enrollment.personId, [{ Put: { TableName, Item: enrollmentItem(enrollment) } }]);
    },

    async listEnrollments(personId) {
      return (await queryPrefix('listEnrollments', personId, ENROLLMENT_PREFIX)).map(toEnrollment);
    },

    async listEnrollmentsOf(personIds) {
      const unique = [...new Set(personIds)];
      const groups: string[][] = [];
      for (let start = 0; start < unique.length; start += PARTIQL_IN_KEYS) groups.push(unique.slice(start, start + PARTIQL_IN_KEYS));
      // PartiQL because neither Query nor BatchGetItem reads many partitions' prefixes at once. With
      // every partition key named by `IN` it is one Query per person on DynamoDB's side, never a
      // scan (and the functions' IAM policy denies any statement that would scan).
      const pages = await mapWithConcurrency(groups, BULK_CONCURRENCY, async (group) => {
        const items: Item[] = [];
        let NextToken: string | undefined;
        do {
          const out = await measured('listEnrollmentsOf', 'read', () =>
            doc.send(
              new ExecuteStatementCommand({
                Statement: `SELECT * FROM "${TableName}" WHERE "${PK}" IN [${group.map(() => '?').join(', ')}] AND begins_with("${SK}", ?)`,
                Parameters: [...group.map(personPk), ENROLLMENT_PREFIX],
                ConsistentRead: true,
                NextToken,
                ReturnConsumedCapacity: 'TOTAL',
              }),
            ),
          );
          items.push(...(out.Items ?? []));
          NextToken = out.NextToken;
        } while (NextToken);
        return items;
      });
      const byPerson = new Map<string, Enrollment[]>(unique.map((personId) => [personId, []]));
      for (const item of pages.flat()) {
        const enrollment = toEnrollment(item);
        byPerson.get(enrollment.personId)?.push(enrollment);
      }
      // listEnrollments' order, the sort key's: pages of several partitions promise none across them.
      for (const list of byPerson.values()) list.sort((a, b) => compareStrings(a.enrollmentId, b.enrollmentId));
      return new Map(personIds.map((personId) => [personId, byPerson.get(personId)!]));
    },
  };
}

/** An enrollment item: its fields under its key (the ids live in the key only). */
export function enrollmentItem(enrollment: Enrollment): Item {
  const { personId, enrollmentId, ...fields } = enrollment;
  return withoutUndefined({ ...fields, ...enrollmentKey(personId, enrollmentId) });
}

function toEnrollment(item: Item): Enrollment {
  return parseItem(Enrollment, 'enrollment', item, { personId: personIdFromPk(item[PK]), enrollmentId: enrollmentIdFromSk(item[SK]) });
}
