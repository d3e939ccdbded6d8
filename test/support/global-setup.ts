import { startDynamoLocal, type RunningDynamo } from '../../infra/local/dynamo-local';
import { freePort } from '../../infra/local/net';

/** Where the running DynamoDB Local is kept between globalSetup and globalTeardown (same process). */
export const DYNAMO_LOCAL_HANDLE = Symbol.for('matchcoach.test.dynamoLocal');
export const DYNAMO_ENDPOINT_ENV = 'MATCHCOACH_TEST_DYNAMO_ENDPOINT';

type WithHandle = typeof globalThis & { [DYNAMO_LOCAL_HANDLE]?: RunningDynamo };

/**
 * Jest globalSetup for the integration tier: one in-memory DynamoDB Local for the whole run, on a
 * free port. Test workers are started after this and inherit the endpoint through the environment.
 */
export default async function startTestDynamo(): Promise<void> {
  const holder = globalThis as WithHandle;
  // Watch mode runs globalSetup again; reuse what is still running.
  let running = holder[DYNAMO_LOCAL_HANDLE];
  if (!running) {
    running = await startDynamoLocal({ port: await freePort() });
    holder[DYNAMO_LOCAL_HANDLE] = running;
  }
  process.env[DYNAMO_ENDPOINT_ENV] = running.endpoint;
}
