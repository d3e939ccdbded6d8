import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { ensureTable } from '../../shared/adapters/dynamo/table';
import { createDynamoContext, type DynamoContext } from '../../shared/adapters/dynamo/dynamo-context';
import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { DYNAMO_ENDPOINT_ENV } from './global-setup';
import type { PortUnderTest } from './store-ports';
import { createCounselorContext, type CounselorContext, type DynamoCounselorStoreOptions } from '../../shared/adapters/dynamo/counselor-context';
import { createDynamoCounselorStore } from '../../shared/adapters/dynamo/counselor-store';
import type { CounselorPortUnderTest } from './counselor-ports';

export interface TestTable {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** Deletes the table and closes the client's connections. */
  drop(): Promise<void>;
}

/** The endpoint of the DynamoDB Local that the integration tier's globalSetup started. */
export function testDynamoEndpoint(): string {
  const endpoint = process.env[DYNAMO_ENDPOINT_ENV];
  if (!endpoint) {
    throw new Error(`${DYNAMO_ENDPOINT_ENV} is not set: run integration tests through jest's integration project (its globalSetup starts DynamoDB Local)`);
  }
  return endpoint;
}

/** A client for the test DynamoDB Local: any credentials do, and keep-alive avoids a TCP connect per request. */
function testDynamoClient(): { client: DynamoDBClient; close(): void } {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const client = new DynamoDBClient({
    endpoint: testDynamoEndpoint(),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: { httpAgent },
  });
  return {
    client,
    close() {
      client.destroy();
      httpAgent.destroy();
    },
  };
}

/** A fresh, uniquely named Match Coach table, so tests never see each other's items. */
export async function testTable(): Promise<TestTable> {
  const { client, close } = testDynamoClient();
  const tableName = `matchcoach-test-${randomUUID()}`;
  await ensureTable(client, tableName);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    client,
    doc,
    tableName,
    async drop() {
      try {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      } finally {
        close();
      }
    },
  };
}

/** A port's DynamoDB repository, and the DynamoDB store, on one fresh table (store-ports.ts). */
export function dynamoPort<Port>(build: (shared: DynamoContext) => Port): () => Promise<PortUnderTest<Port>> {
  return async () => {
    const table = await testTable();
    const options = { client: table.doc, tableName: table.tableName };
    return { port: build(createDynamoContext(options)), store: createDynamoStore(options), teardown: table.drop };
  };
}

/** A counselor port's DynamoDB repository, the DynamoDB counselor store and the Store, on one fresh table (counselor-ports.ts). */
export function dynamoCounselorPort<Port>(build: (shared: CounselorContext, options: DynamoCounselorStoreOptions) => Port): () => Promise<CounselorPortUnderTest<Port>> {
  return async () => {
    const table = await testTable();
    const options = { client: table.doc, tableName: table.tableName };
    return {
      port: build(createCounselorContext(options), options),
      store: createDynamoCounselorStore(options),
      people: createDynamoStore(options),
      teardown: table.drop,
    };
  };
}
