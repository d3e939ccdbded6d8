import { handler } from '../../functions/counselor-token';
import { principalFromClaims } from '../../shared/app/counselor-auth';
import { counselorAccessClaims, withCounselorClaims, PreTokenGenerationV2Event } from '../../shared/app/counselor-token-claims';
import { COUNSELOR_API_SCOPE } from '../../shared/domain/counselor';

/** A V2_0 pre-token-generation event as Cognito sends it (trimmed to what a real one carries). */
const cognitoEvent = (attributes: Record<string, string>, groups: string[] = []) => ({
  version: '2',
  triggerSource: 'TokenGeneration_HostedAuth',
  region: 'us-east-1',
  userPoolId: 'us-east-1_Example',
  userName: 'a1b2c3',
  callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'client123' },
  request: {
    userAttributes: { sub: 'a1b2c3', email: 'asha@example.org', email_verified: 'true', ...attributes },
    groupConfiguration: { groupsToOverride: groups, iamRolesToOverride: [], preferredRole: null },
    scopes: ['openid', 'email', COUNSELOR_API_SCOPE],
  },
  response: { claimsAndScopeOverrideDetails: null },
});

describe('the pre-token-generation trigger (Cognito V2_0)', () => {
  test("an admin's access token gets custom:orgId and the admin role, and counselor-auth then reads the same principal", async () => {
    const answered = (await handler(cognitoEvent({ 'custom:orgId': 'org-a' }, ['admins', 'counselors']))) as any;
    const added = answered.response.claimsAndScopeOverrideDetails.accessTokenGeneration.claimsToAddOrOverride;
    expect(added).toEqual({ 'custom:orgId': 'org-a', 'custom:role': 'admin' });
    // The token Cognito then issues: its own claims plus ours, read exactly as on AWS.
    const accessToken = { sub: 'a1b2c3', client_id: 'client123', token_use: 'access', scope: `openid email ${COUNSELOR_API_SCOPE}`, 'cognito:groups': ['admins', 'counselors'], ...added };
    expect(principalFromClaims(accessToken)).toEqual({ counselorId: 'a1b2c3', orgId: 'org-a', role: 'admin', scopes: ['openid', 'email', COUNSELOR_API_SCOPE] });
    // The rest of the event goes back as it came.
    expect(answered.request).toEqual(cognitoEvent({ 'custom:orgId': 'org-a' }, ['admins', 'counselors']).request);
    expect(answered.userPoolId).toBe('us-east-1_Example');
  });

  test("the counselor's id in our records goes into the token when the admin set it; the principal then names that record, not the Cognito sub", async () => {
    const answered = (await handler(cognitoEvent({ 'custom:orgId': 'org-a', 'custom:counselorId': 'k7xq2' }, ['counselors']))) as any;
    const added = answered.response.claimsAndScopeOverrideDetails.accessTokenGeneration.claimsToAddOrOverride;
    expect(added).toEqual({ 'custom:orgId': 'org-a', 'custom:role': 'counselor', 'custom:counselorId': 'k7xq2' });
    expect(principalFromClaims({ sub: 'a1b2c3', scope: COUNSELOR_API_SCOPE, ...added })?.counselorId).toBe('k7xq2');
    // Not a valid id: left out (the principal falls back to sub, which names no record: a 401).
    expect(counselorAccessClaims({ 'custom:orgId': 'org-a', 'custom:counselorId': 'a#b' }, [])).toEqual({ 'custom:orgId': 'org-a', 'custom:role': 'counselor' });
  });

  test('outside the admins group the role is counselor', () => {
    expect(counselorAccessClaims({ 'custom:orgId': 'org-b' }, ['counselors'])).toEqual({ 'custom:orgId': 'org-b', 'custom:role': 'counselor' });
    expect(counselorAccessClaims({ 'custom:orgId': 'org-b' }, [])).toEqual({ 'custom:orgId': 'org-b', 'custom:role': 'counselor' });
    // Group names are exact: a look-alike group grants nothing.
    expect(counselorAccessClaims({ 'custom:orgId': 'org-b' }, ['Admins', 'admins-old'])?.['custom:role']).toBe('counselor');
  });

  test('no org attribute, or one that is not a valid id: no claims are added, so the API answers 401 rather than guessing', async () => {
    const cases: Array<Record<string, string>> = [{}, { 'custom:orgId': '' }, { 'custom:orgId': 'org#b' }, { 'custom:orgId': 'x'.repeat(65) }, { orgId: 'org-a' }];
    for (const attributes of cases) {
      const event = PreTokenGenerationV2Event.parse(cognitoEvent(attributes, ['admins']));
      expect(withCounselorClaims(event)).toBe(event);
      const answered = (await handler(cognitoEvent(attributes, ['admins']))) as any;
      expect(answered.response.claimsAndScopeOverrideDetails).toBeNull();
      expect(principalFromClaims({ sub: 'a1b2c3', scope: COUNSELOR_API_SCOPE, 'cognito:groups': ['admins'] })).toBeUndefined();
    }
  });

  test('an event that is not a V2 token-generation event is refused (Cognito then fails that sign-in), never answered without checks', async () => {
    const v1 = { ...cognitoEvent({ 'custom:orgId': 'org-a' }), version: '1' };
    await expect(handler(v1)).rejects.toThrow('not understood');
    await expect(handler({ ...cognitoEvent({ 'custom:orgId': 'org-a' }), triggerSource: 'PreSignUp_SignUp' })).rejects.toThrow('not understood');
    await expect(handler({ ...cognitoEvent({}), request: { userAttributes: { 'custom:orgId': 7 } } })).rejects.toThrow('not understood');
    await expect(handler(undefined)).rejects.toThrow('not understood');
  });
});
