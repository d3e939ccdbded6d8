import * as z from 'zod';
import { RecordId } from '../domain/counselor';

/**
 * Cognito's pre-token-generation trigger (event version 2, the one that can add claims to ACCESS
 * tokens). Cognito access tokens carry no user attributes, yet the counselor API reads the
 * organisation from `custom:orgId` (shared/app/counselor-auth.ts): this puts it there, with the
 * role and our counselor id, from the user's own attributes and groups. The user can set none of
 * them: the client may not write `custom:orgId` or `custom:counselorId` (infra/counselors.ts) and
 * groups are the pool admin's.
 */

/** The Cognito group that makes a counselor an admin (infra/counselors.ts COUNSELOR_GROUPS). */
export const ADMINS_GROUP = 'admins';
/** The user-pool attribute holding the counselor's organisation. */
export const ORG_ATTRIBUTE = 'custom:orgId';
/**
 * The user-pool attribute holding the counselor's id in our records (the id `matchcoach counselor
 * add` or the API minted). Without it the principal's id is the Cognito `sub`, which names no
 * counselor record, so every /counselor route would answer 401.
 */
export const COUNSELOR_ID_ATTRIBUTE = 'custom:counselorId';

/** The parts of the V2_0 event we read; everything else Cognito sends is kept as it came. */
export const PreTokenGenerationV2Event = z.looseObject({
  version: z.literal('2'),
  triggerSource: z.string().startsWith('TokenGeneration_'),
  userPoolId: z.string().min(1),
  request: z.looseObject({
    userAttributes: z.record(z.string(), z.string()),
    groupConfiguration: z
      .looseObject({ groupsToOverride: z.array(z.string()).optional() })
      .optional(),
  }),
  response: z.looseObject({}).nullish(),
});
export type PreTokenGenerationV2Event = z.infer<typeof PreTokenGenerationV2Event>;

export type CounselorAccessClaims = { 'custom:orgId': string; 'custom:role': 'admin' | 'counselor'; 'custom:counselorId'?: string };

/**
 * The claims a counselor's access token gets: the org and role exactly as principalFromClaims
 * reads them. None for a user without a valid org id: their token then fails the API's check
 * (a 401) rather than the sign-in, so an admin can still sign in and fix the account.
 */
export function counselorAccessClaims(userAttributes: Record<string, string>, groups: readonly string[]): CounselorAccessClaims | undefined {
  const orgId = RecordId.safeParse(userAttributes[ORG_ATTRIBUTE]);
  if (!orgId.success) return undefined;
  const counselorId = RecordId.safeParse(userAttributes[COUNSELOR_ID_ATTRIBUTE]);
  return {
    'custom:orgId': orgId.data,
    'custom:role': groups.includes(ADMINS_GROUP) ? 'admin' : 'counselor',
    ...(counselorId.success && { 'custom:counselorId': counselorId.data }),
  };
}

/** The event with its response filled in, as Cognito expects it back. */
export function withCounselorClaims(event: PreTokenGenerationV2Event): PreTokenGenerationV2Event {
  const claims = counselorAccessClaims(event.request.userAttributes, event.request.groupConfiguration?.groupsToOverride ?? []);
  if (!claims) return event;
  return {
    ...event,
    response: {
      ...event.response,
      claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: claims } },
    },
  };
}
