import * as z from 'zod';
import { RecordId, type CounselorRole } from '../../domain/counselor';
import type { CounselorStore } from '../../ports/counselor';

/**
 * Cognito's pre-token-generation trigger (event version 2, the one that can add claims to ACCESS
 * tokens). Cognito access tokens carry no user attributes, yet the counselor API reads the
 * organisation from `custom:orgId` (shared/app/counselors/counselor-auth.ts): this puts it there, with our
 * counselor id and the role, for counselors the organisation has. The user can set none of the
 * attributes it reads: the client may not write `custom:orgId` or `custom:counselorId`
 * (infra/counselors.ts).
 *
 * It is also the gate: Cognito fails a sign-in or refresh whose trigger fails, so a user whose
 * attributes name no counselor record (removed by their organisation, or never added) is refused
 * a token outright, rather than handed one that every route would then refuse.
 */

/** The user-pool attribute holding the counselor's organisation. */
export const ORG_ATTRIBUTE = 'custom:orgId';
/**
 * The user-pool attribute holding the counselor's id in our records (the id `matchcoach counselor
 * add` or the API minted), which the organisation's record must match.
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

export type CounselorAccessClaims = { 'custom:orgId': string; 'custom:counselorId': string; 'custom:role': CounselorRole };

/** Why no token: the attributes name no organisation and record, or the organisation has no such counselor. */
type TokenRefusal = 'no_counselor_attributes' | 'no_counselor_record';
export type TokenDecision = { status: 'issue'; claims: CounselorAccessClaims } | { status: 'refuse'; reason: TokenRefusal };

/**
 * The claims a counselor's access token gets, from the organisation's record: the role is the
 * record's (what the organisation's admins set through the API), whatever Cognito group the user
 * is in, so that a demotion or a removal takes effect at the next refresh at the latest.
 */
export async function decideCounselorToken(deps: { counselors: Pick<CounselorStore, 'getCounselor'> }, event: PreTokenGenerationV2Event): Promise<TokenDecision> {
  const orgId = RecordId.safeParse(event.request.userAttributes[ORG_ATTRIBUTE]);
  const counselorId = RecordId.safeParse(event.request.userAttributes[COUNSELOR_ID_ATTRIBUTE]);
  if (!orgId.success || !counselorId.success) return { status: 'refuse', reason: 'no_counselor_attributes' };
  const record = await deps.counselors.getCounselor(orgId.data, counselorId.data);
  if (!record || record.orgId !== orgId.data || record.counselorId !== counselorId.data) return { status: 'refuse', reason: 'no_counselor_record' };
  return { status: 'issue', claims: { 'custom:orgId': record.orgId, 'custom:counselorId': record.counselorId, 'custom:role': record.role } };
}

/** The event with its response filled in, as Cognito expects it back. */
export function withCounselorClaims(event: PreTokenGenerationV2Event, claims: CounselorAccessClaims): PreTokenGenerationV2Event {
  return {
    ...event,
    response: {
      ...event.response,
      claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: claims } },
    },
  };
}

/**
 * What a refused user reads: Cognito shows the trigger's error on its sign-in page. It says what
 * to do and nothing about which check failed or whether the organisation exists.
 */
export const TOKEN_REFUSED_MESSAGE = 'This account is not (or no longer) a counselor of an organisation in Match Coach. Ask your organisation\'s admin.';
