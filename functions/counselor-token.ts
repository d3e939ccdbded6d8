import { createLogger } from '../shared/adapters/logger';
import { PreTokenGenerationV2Event, withCounselorClaims } from '../shared/app/counselor-token-claims';

/**
 * Cognito's pre-token-generation trigger (V2_0) on the counselors' user pool: puts the counselor's
 * organisation and role into the access token (shared/app/counselor-token-claims.ts). Cognito
 * calls it synchronously on every sign-in and refresh; an error fails that sign-in, so a malformed
 * event is refused loudly rather than answered with a token missing its organisation.
 */
const log = createLogger('counselorToken');

export const handler = async (event: unknown): Promise<PreTokenGenerationV2Event> => {
  const parsed = PreTokenGenerationV2Event.safeParse(event);
  if (!parsed.success) {
    // Field paths only: the event holds the user's email and attributes.
    log.error('pre token generation event not understood', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    throw new Error('pre token generation event not understood');
  }
  const answered = withCounselorClaims(parsed.data);
  if (answered === parsed.data) log.warn('counselor has no organisation attribute: token issued without custom:orgId', { triggerSource: parsed.data.triggerSource });
  return answered;
};
