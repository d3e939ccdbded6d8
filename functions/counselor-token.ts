import { createLogger, withLambdaContext } from '../shared/adapters/logger';
import { createDynamoCounselorStore } from '../shared/adapters/dynamo/counselor-store';
import { dynamoClientOf } from '../shared/adapters/dynamo/client';
import { decideCounselorToken, PreTokenGenerationV2Event, TOKEN_REFUSED_MESSAGE, withCounselorClaims } from '../shared/app/counselors/counselor-token-claims';
import { config, CounselorTokenConfigSchema } from '../shared/config';
import type { Logger } from '../shared/ports';
import type { CounselorStore } from '../shared/ports/counselor';

/**
 * Cognito's pre-token-generation trigger (V2_0) on the counselors' user pool: puts the counselor's
 * organisation, id and role into the access token, only for a counselor the organisation has
 * (shared/app/counselors/counselor-token-claims.ts). Cognito calls it synchronously on every sign-in and
 * refresh; an error fails that sign-in, which is how a removed or unknown counselor is refused.
 */
const log = createLogger('counselorToken');

export function createCounselorTokenHandler(counselors: Pick<CounselorStore, 'getCounselor'>, logger: Logger = log) {
  return async (event: unknown): Promise<PreTokenGenerationV2Event> => {
    const parsed = PreTokenGenerationV2Event.safeParse(event);
    if (!parsed.success) {
      // Field paths only: the event holds the user's email and attributes.
      logger.error('pre token generation event not understood', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      throw new Error('pre token generation event not understood');
    }
    const decision = await decideCounselorToken({ counselors }, parsed.data);
    if (decision.status === 'refuse') {
      // Ids only when there are ids: this is who tried, for whoever reads the alarm.
      logger.warn('counselor token refused', { reason: decision.reason, triggerSource: parsed.data.triggerSource, userPoolId: parsed.data.userPoolId });
      throw new Error(TOKEN_REFUSED_MESSAGE);
    }
    return withCounselorClaims(parsed.data, decision.claims);
  };
}

let real: ReturnType<typeof createCounselorTokenHandler> | undefined;
/** Lambda's entry point: the table's client is made on the first sign-in, once per container. */
export const handler = withLambdaContext(log, (event: unknown) => {
  if (!real) {
    const settings = config(CounselorTokenConfigSchema);
    real = createCounselorTokenHandler(createDynamoCounselorStore({ client: dynamoClientOf(settings), tableName: settings.TABLE_NAME }));
  }
  return real(event);
});
