import http from 'node:http';
import path from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '../shared/adapters/dynamo/table';

/** What every benchmark section gets: DynamoDB Local's endpoint and clients, and a progress line. */
export interface BenchContext {
  dynamoEndpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  log(line: string): void;
  /** A fresh table with Match Coach's layout (keys.ts); `drop` deletes it to free DynamoDB Local's memory. */
  table(name: string): Promise<{ tableName: string; drop(): Promise<void> }>;
}

export const REPO_ROOT = path.resolve(__dirname, '..');
export const TSX_CLI = path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs');

export function createContext(dynamoEndpoint: string, log: (line: string) => void): BenchContext & { close(): void } {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const client = new DynamoDBClient({
    endpoint: dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: { httpAgent },
  });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    dynamoEndpoint,
    client,
    doc,
    log,
    async table(name) {
      const tableName = `bench-${name}-${Date.now().toString(36)}`;
      await ensureTable(client, tableName);
      return { tableName, drop: async () => void (await client.send(new DeleteTableCommand({ TableName: tableName }))) };
    },
    close() {
      client.destroy();
      httpAgent.destroy();
    },
  };
}
