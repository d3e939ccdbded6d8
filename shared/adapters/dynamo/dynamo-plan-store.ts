import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Plan } from '../../domain/plan';
import type { PlanStore } from '../../ports';
import { TABLE_DEFINITION, ifAbsent, personIdFromPk, planKey } from './keys';
import { parseItem } from './stored-item';
import { writeForLivingPerson } from './person-guard';

/**
 * A person's plan in the single table: one item at PERSON#<id> / PLAN (keys.ts). The
 * person id is read back from the key, as for every other item. Saves are conditional on the
 * version read, so two edits at once cannot lose one of them.
 */
export function createDynamoPlanStore(options: { doc: DynamoDBDocumentClient; tableName: string }): PlanStore {
  const { doc, tableName: TableName } = options;
  const { partitionKey: PK } = TABLE_DEFINITION;
  return {
    async getPlan(personId) {
      const out = await doc.send(new GetCommand({ TableName, Key: planKey(personId), ConsistentRead: true }));
      if (!out.Item) return undefined;
      // Parsed on the way out: a plan written by an older release still reads as today's shape.
      return parseItem(Plan, 'plan', out.Item, { personId: personIdFromPk(out.Item[PK]) });
    },

    async savePlan(plan, expectedUpdatedAt) {
      const { personId, ...fields } = Plan.parse(plan);
      // Only while the person lives (person-guard.ts): an edit racing "delete all my data" loses.
      return writeForLivingPerson(doc, TableName, personId, [
        {
          Put: {
            TableName,
            Item: { ...planKey(personId), ...fields },
            ...(expectedUpdatedAt === undefined
              ? ifAbsent()
              : { ConditionExpression: '#updatedAt = :expected', ExpressionAttributeNames: { '#updatedAt': 'updatedAt' }, ExpressionAttributeValues: { ':expected': expectedUpdatedAt } }),
          },
        },
      ]);
    },
  };
}
