import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Plan } from '../../domain/plan';
import type { PlanStore } from '../../ports';
import { TABLE_DEFINITION, ifAbsent, personIdFromPk, planKey } from './keys';
import { parseItem } from './stored-item';
import type { DynamoContext } from './dynamo-context';

/**
 * A person's plan in the single table: one item at PERSON#<id> / PLAN (keys.ts). The
 * person id is read back from the key, as for every other item. Saves are conditional on the
 * version read, so two edits at once cannot lose one of them. Built on the store's shared context, so
 * its requests are measured like every other repository's.
 */
export function createDynamoPlanStore({ doc, TableName, measured, guarded }: DynamoContext): PlanStore {
  const { partitionKey: PK } = TABLE_DEFINITION;
  return {
    async getPlan(personId) {
      const out = await measured('getPlan', 'read', () => doc.send(new GetCommand({ TableName, Key: planKey(personId), ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' })));
      if (!out.Item) return undefined;
      // Parsed on the way out: a plan written by an older release still reads as today's shape.
      return parseItem(Plan, 'plan', out.Item, { personId: personIdFromPk(out.Item[PK]) });
    },

    async savePlan(plan, expectedUpdatedAt) {
      const { personId, ...fields } = Plan.parse(plan);
      // Only while the person lives (person-guard.ts): an edit racing "delete all my data" loses.
      return guarded('savePlan', personId, [
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
