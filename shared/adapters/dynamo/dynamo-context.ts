import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  type ConsumedCapacity,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../../domain/concurrency';
import { TABLE_DEFINITION, ifAbsent, personPk } from './keys';
import { writeForLivingPerson } from './person-guard';
import type { Item, TransactItem } from './stored-item';

/**
 * What every repository of the Store shares: one document client on the one table, the capacity
 * report benchmarks sum, and the request helpers built on them (each measured, each conditional
 * write reporting a failed condition as false). The repositories (people-repository.ts and the
 * others) are built from one context, so they all bill and fail the same way.
 */

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient | DynamoDBClient;
  tableName: string;
  /** Called once per request with the units it consumed; benchmarks sum them per message. */
  onCapacity?: (op: string, readUnits: number, writeUnits: number) => void;
}

type QueryShape = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'Limit' | 'ReturnConsumedCapacity'>;

export const { partitionKey: PK, sortKey: SK, dueIndex: DUE, timeToLiveAttribute } = TABLE_DEFINITION;
/** Parallel updates when cancelling: a person has tens of messages, not thousands. */
export const CANCEL_CONCURRENCY = 8;
/** DynamoDB's limit: keys in one BatchGetItem. */
const BATCH_GET_KEYS = 100;
/** Throttled keys of a batch read are asked again, with backoff, this many times at most. */
const UNPROCESSED_ROUNDS = 8;
/** Batch reads or transactions of one bulk call in flight at once. */
export const BULK_CONCURRENCY = 4;

export type DynamoContext = ReturnType<typeof createDynamoContext>;

export function createDynamoContext(options: DynamoStoreOptions) {
  const { tableName: TableName, onCapacity } = options;
  const doc = documentClient(options.client);

  function report(op: string, kind: 'read' | 'write', consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    if (!onCapacity) return;
    let read = 0;
    let write = 0;
    for (const entry of consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed]) {
      // AWS splits read and write units only for some calls; DynamoDB Local reports just the total.
      const total = entry.CapacityUnits ?? 0;
      read += entry.ReadCapacityUnits ?? (kind === 'read' ? total : 0);
      write += entry.WriteCapacityUnits ?? (kind === 'write' ? total : 0);
    }
    onCapacity(op, read, write);
  }

  async function measured<Out extends { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }>(
    op: string,
    kind: 'read' | 'write',
    call: () => Promise<Out>,
  ): Promise<Out> {
    try {
      const out = await call();
      report(op, kind, out.ConsumedCapacity);
      return out;
    } catch (error) {
      // A failed condition is still billed (at least one write unit, and our items stay under
      // 1 KB) but the error carries no ConsumedCapacity, so lost claims would otherwise look free.
      if (error instanceof ConditionalCheckFailedException) onCapacity?.(op, 0, 1);
      throw error;
    }
  }

  /** Writes the item unless something is at its key already: true when this call wrote it. */
  async function putIfAbsent(op: string, Item: Item): Promise<boolean> {
    try {
      await measured(op, 'write', () => doc.send(new PutCommand({ TableName, Item, ...ifAbsent(), ReturnConsumedCapacity: 'TOTAL' })));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async function getItem(op: string, key: { pk: string; sk: string }, projection?: string[]): Promise<Item | undefined> {
    const out = await measured(op, 'read', () =>
      doc.send(
        new GetCommand({
          TableName,
          Key: key,
          // Callers read what they just wrote (save then find), so no eventually consistent reads.
          ConsistentRead: true,
          ...(projection && { ProjectionExpression: projection.map((name) => `#${name}`).join(', '), ExpressionAttributeNames: namesFor(...projection) }),
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    return out.Item;
  }

  /** Follows LastEvaluatedKey until the query is exhausted or `max` items are in hand. */
  async function queryAll(op: string, shape: QueryShape, max = Number.POSITIVE_INFINITY): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const remaining = max - items.length;
      const out = await measured(op, 'read', () =>
        doc.send(
          new QueryCommand({
            ...shape,
            TableName,
            ExclusiveStartKey: startKey,
            ...(Number.isFinite(remaining) && { Limit: remaining }),
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey && items.length < max);
    return items;
  }

  function queryPrefix(op: string, personId: string, prefix: string): Promise<Item[]> {
    return queryAll(op, {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: namesFor(PK, SK),
      ExpressionAttributeValues: { ':pk': personPk(personId), ':prefix': prefix },
      ConsistentRead: true,
    });
  }

  /** Runs a conditional update; false when the condition did not hold. */
  async function updateIf(op: string, update: ConditionalUpdate): Promise<Item | false> {
    try {
      const out = await measured(op, 'write', () =>
        doc.send(
          new UpdateCommand({
            TableName,
            Key: update.key,
            UpdateExpression: update.expression,
            ConditionExpression: update.condition,
            ExpressionAttributeNames: update.names,
            ExpressionAttributeValues: update.values,
            ReturnValues: update.returnNew ? 'ALL_NEW' : update.returnOld ? 'ALL_OLD' : 'NONE',
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      return out.Attributes ?? {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** A write into a living person's partition (person-guard.ts): false when its own condition failed. */
  function guarded(op: string, personId: string, items: readonly TransactItem[]): Promise<boolean> {
    return writeForLivingPerson(doc, TableName, personId, items, (consumed) => report(op, 'write', consumed));
  }

  /** Reads many items by key (batchGetItems), each request measured. Items come back in no particular order. */
  function batchGet(op: string, keys: readonly { pk: string; sk: string }[], projection?: string[]): Promise<Item[]> {
    return batchGetItems(doc, TableName, keys, { projection, measure: (call) => measured(op, 'read', call) });
  }

  return { doc, TableName, report, measured, putIfAbsent, getItem, queryAll, queryPrefix, updateIf, guarded, batchGet };
}

interface ConditionalUpdate {
  key: { pk: string; sk: string };
  expression: string;
  condition: string;
  names: Record<string, string>;
  values: Item;
  returnNew?: boolean;
  /** The item as it was before the write comes back (no extra read). */
  returnOld?: boolean;
}

/** Code-unit order, which is DynamoDB's byte order for the ASCII our keys use (localeCompare is not). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function ifDefined<T, R>(value: T | undefined, build: (value: T) => R): R | undefined {
  return value === undefined ? undefined : build(value);
}

export function namesFor(...attributes: string[]): Record<string, string> {
  return Object.fromEntries(attributes.map((name) => [`#${name}`, name]));
}

/** The client every adapter talks through: a plain client is wrapped so optional fields may be undefined. */
export function documentClient(client: DynamoDBDocumentClient | DynamoDBClient): DynamoDBDocumentClient {
  return client instanceof DynamoDBDocumentClient
    ? client
    : DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * Reads many items by key, 100 to a request (DynamoDB's limit), a few requests at once; keys
 * DynamoDB leaves unprocessed (throttling) are asked again with backoff, a bounded number of
 * times. Strongly consistent unless told otherwise: callers mostly read what they just wrote.
 * `measure` wraps each request, for callers that bill them. Items come back in no particular order.
 */
export async function batchGetItems(
  doc: DynamoDBDocumentClient,
  TableName: string,
  keys: readonly { pk: string; sk: string }[],
  options: { consistent?: boolean; projection?: string[]; measure?: <Out extends { ConsumedCapacity?: ConsumedCapacity[] }>(call: () => Promise<Out>) => Promise<Out> } = {},
): Promise<Item[]> {
  const { consistent = true, projection, measure = (call) => call() } = options;
  // BatchGetItem refuses a request naming one key twice.
  const unique = [...new Map(keys.map((key) => [`${key.pk}\n${key.sk}`, key])).values()];
  const requests: { pk: string; sk: string }[][] = [];
  for (let start = 0; start < unique.length; start += BATCH_GET_KEYS) requests.push(unique.slice(start, start + BATCH_GET_KEYS));
  const pages = await mapWithConcurrency(requests, BULK_CONCURRENCY, async (first) => {
    const items: Item[] = [];
    let pending: Item[] = first;
    for (let round = 0; pending.length > 0; round++) {
      if (round > UNPROCESSED_ROUNDS) throw new Error('DynamoDB kept keys of a batch read unprocessed');
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
      const out = await measure(() =>
        doc.send(
          new BatchGetCommand({
            RequestItems: {
              [TableName]: {
                Keys: pending,
                ConsistentRead: consistent,
                ...(projection && { ProjectionExpression: projection.map((name) => `#${name}`).join(', '), ExpressionAttributeNames: namesFor(...projection) }),
              },
            },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      items.push(...(out.Responses?.[TableName] ?? []));
      pending = out.UnprocessedKeys?.[TableName]?.Keys ?? [];
    }
    return items;
  });
  return pages.flat();
}
