import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod';
import { PK, SK, documentClient } from './dynamo-context';
import { parseItem, type Item } from './stored-item';
import { withoutUndefined } from '../without-undefined';
import { createDynamoEngagementStore } from './engagement-store';

/**
 * What every repository of the CounselorStore shares (organisation-, counselor-record-, cohort-,
 * cohort-member- and audit-log-repository.ts): one document client on the one table, and plain
 * request helpers. Unlike the Store's dynamo-context.ts these requests are not measured: the
 * counselor side has never reported its capacity, and splitting it into files changes no request.
 * The engagement store is here because member counts are kept in its cohort totals.
 */

export interface DynamoCounselorStoreOptions {
  client: DynamoDBDocumentClient | DynamoDBClient;
  tableName: string;
}

export type CounselorContext = ReturnType<typeof createCounselorContext>;

export function createCounselorContext(options: DynamoCounselorStoreOptions) {
  const TableName = options.tableName;
  const doc = documentClient(options.client);

  const put = async (key: { pk: string; sk: string }, record: object) => {
    await doc.send(new PutCommand({ TableName, Item: { ...withoutUndefined(record), ...key } }));
  };
  const get = async <Schema extends z.ZodType>(schema: Schema, kind: string, key: { pk: string; sk: string }): Promise<z.output<Schema> | undefined> => {
    const out = await doc.send(new GetCommand({ TableName, Key: key, ConsistentRead: true }));
    return out.Item ? parseItem(schema, kind, out.Item) : undefined;
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
  /** Every item of a partition whose sort key starts with `prefix`, strongly consistent. */
  const prefixed = (pk: string, prefix: string) =>
    queryAll({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      ConsistentRead: true,
    });
  const engagement = createDynamoEngagementStore({ client: doc, tableName: TableName });

  return { doc, TableName, put, get, queryAll, prefixed, engagement };
}
