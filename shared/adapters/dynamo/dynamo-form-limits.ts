import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FormLimits } from '../../ports/form-limits';
import { TABLE_DEFINITION, formLimitKey } from './keys';

/**
 * The form counters on the single table (keys.ts, "Anonymous forms"): one item per budget and
 * window, counted with a conditional ADD so concurrent posts never pass a limit together; TTL
 * removes a window's item a day after it ends.
 */
export function createDynamoFormLimits(options: { doc: DynamoDBDocumentClient; tableName: string }): FormLimits {
  const { doc, tableName: TableName } = options;
  return {
    async take(budgets, now) {
      for (const budget of budgets) {
        const window = Math.floor(now.getTime() / 1000 / budget.windowSeconds);
        try {
          await doc.send(
            new UpdateCommand({
              TableName,
              Key: formLimitKey(budget.key, window),
              UpdateExpression: 'ADD #count :one SET #expires = :expires',
              ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
              ExpressionAttributeNames: { '#count': 'count', '#expires': TABLE_DEFINITION.timeToLiveAttribute },
              ExpressionAttributeValues: { ':one': 1, ':limit': budget.limit, ':expires': (window + 1) * budget.windowSeconds + 86_400 },
            }),
          );
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) return false;
          throw error;
        }
      }
      return true;
    },
  };
}
