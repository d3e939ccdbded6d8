import type { RunningDynamo } from '../../infra/local/dynamo-local';
import { DYNAMO_ENDPOINT_ENV, DYNAMO_LOCAL_HANDLE } from './global-setup';

/** Jest globalTeardown for the integration tier: stops the DynamoDB Local that globalSetup started. */
export default async function stopTestDynamo(): Promise<void> {
  const holder = globalThis as typeof globalThis & { [DYNAMO_LOCAL_HANDLE]?: RunningDynamo };
  const running = holder[DYNAMO_LOCAL_HANDLE];
  delete holder[DYNAMO_LOCAL_HANDLE];
  // A stale endpoint would point the next watch-mode run at a stopped process.
  delete process.env[DYNAMO_ENDPOINT_ENV];
  await running?.stop();
}
