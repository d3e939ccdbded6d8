import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Local twins accept any credentials; real AWS uses the function's role. */
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The table's client: DynamoDB Local when an endpoint is set, else AWS with the function's role. */
export const dynamoClientOf = (config: { DYNAMODB_ENDPOINT?: string | undefined }) =>
  new DynamoDBClient(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT, region: 'us-east-1', credentials: localCredentials } : {});
