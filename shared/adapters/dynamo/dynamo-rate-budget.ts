import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { grantFrom } from '../../domain/pacing';
import type { RateBudget } from '../../ports';
import { TABLE_DEFINITION, rateCounterExpiry, rateCounterKey } from './keys';
import { documentClient } from './dynamo-context';
import { parseItem } from './stored-item';

/** What a take reads back: the new total and where the window's numbering started. */
const StoredCounter = z.object({ used: z.number().finite(), start: z.number().finite() });

export interface DynamoRateBudgetOptions {
  client: DynamoDBDocumentClient | DynamoDBClient;
  tableName: string;
  /** Called once per request with the units it consumed, as the store does. */
  onCapacity?: (op: string, readUnits: number, writeUnits: number) => void;
}

/**
 * The shared send budget on Match Coach's table: one counter item per channel and window
 * (keys.ts). A take is a single unconditional update, `used = if_not_exists(used, startAt) +
 * wanted` (and `start` kept from the first taker), that returns the new total: DynamoDB applies updates to one item one at a time, so
 * concurrent dispatchers get disjoint number ranges and no condition can fail (a failed condition
 * would be billed and retried). Numbers past the limit are simply not granted.
 */
export function createDynamoRateBudget(options: DynamoRateBudgetOptions): RateBudget {
  const { tableName: TableName, onCapacity } = options;
  const doc = documentClient(options.client);

  return {
    async take({ channel, windowMs, window, limit, wanted, startAt }) {
      if (wanted <= 0) return { first: startAt, count: 0, start: startAt };
      const key = rateCounterKey(channel, windowMs, window);
      const out = await doc.send(
        new UpdateCommand({
          TableName,
          Key: key,
          // `start` remembers where the first taker began, so every taker maps numbers to the same slots.
          UpdateExpression:
            'SET #used = if_not_exists(#used, :startAt) + :wanted, #start = if_not_exists(#start, :startAt), #ttl = if_not_exists(#ttl, :ttl)',
          ExpressionAttributeNames: { '#used': 'used', '#start': 'start', '#ttl': TABLE_DEFINITION.timeToLiveAttribute },
          ExpressionAttributeValues: { ':startAt': startAt, ':wanted': wanted, ':ttl': rateCounterExpiry(windowMs, window) },
          ReturnValues: 'UPDATED_NEW',
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      onCapacity?.('rateBudget', 0, out.ConsumedCapacity?.CapacityUnits ?? 0);
      // UPDATED_NEW answers without the keys; they are added back so an error can say which item it was.
      const { used, start } = parseItem(StoredCounter, 'rate counter', { ...out.Attributes, ...key });
      return { ...grantFrom(used, wanted, limit), start };
    },
  };
}
