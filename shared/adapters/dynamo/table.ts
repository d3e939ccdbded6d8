import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { TABLE_DEFINITION } from './keys';

const ACTIVE_WAIT_MS = 60_000;
const POLL_MS = 200;

/**
 * Creates Match Coach's single table from TABLE_DEFINITION unless it exists, then waits until the
 * table and its due index are ACTIVE and TTL is on. Safe to call on every start (and from several
 * processes at once): an existing table is left as it is.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  if (!(await describeTable(client, tableName))) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
    } catch (error) {
      // Another process created it between our describe and create; waiting below is enough.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  const table = await waitUntilActive(client, tableName);
  const { name: dueIndex } = TABLE_DEFINITION.dueIndex;
  if (!table.GlobalSecondaryIndexes?.some((index) => index.IndexName === dueIndex)) {
    // Fail at start rather than on the first dispatcher tick: this module does not migrate tables.
    throw new Error(`table ${tableName} exists without the "${dueIndex}" index; it was not created by ensureTable`);
  }
  await ensureTimeToLive(client, tableName);
}

function createTableInput(tableName: string) {
  const { partitionKey, sortKey, dueIndex } = TABLE_DEFINITION;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [partitionKey, sortKey, dueIndex.partitionKey, dueIndex.sortKey].map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' as const },
      { AttributeName: sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: dueIndex.name,
        KeySchema: [
          { AttributeName: dueIndex.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: dueIndex.sortKey, KeyType: 'RANGE' as const },
        ],
        // The dispatcher only needs the keys to claim; the claim returns the whole item.
        Projection: { ProjectionType: 'KEYS_ONLY' as const },
      },
    ],
  };
}

async function describeTable(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<TableDescription> {
  const deadline = Date.now() + ACTIVE_WAIT_MS;
  for (;;) {
    const table = await describeTable(client, tableName);
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (table?.TableStatus === 'ACTIVE' && indexesActive) return table;
    if (Date.now() > deadline) throw new Error(`table ${tableName} did not become ACTIVE within ${ACTIVE_WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function ensureTimeToLive(client: DynamoDBClient, tableName: string): Promise<void> {
  const attribute = TABLE_DEFINITION.timeToLiveAttribute;
  const current = (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))).TimeToLiveDescription;
  const status = current?.TimeToLiveStatus;
  if (current?.AttributeName === attribute && (status === 'ENABLED' || status === 'ENABLING')) return;
  // DynamoDB refuses to enable TTL twice, so only ask when it is off.
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: attribute, Enabled: true } }),
  );
}
