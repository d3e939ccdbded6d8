import { createCounselorTokenHandler } from '../../functions/counselor-token';
import { createMemoryCounselorStore } from '../../shared/adapters/memory/memory-counselor-store';
import { currentCounselor, principalFromClaims } from '../../shared/app/counselors/counselor-auth';
import { TOKEN_REFUSED_MESSAGE } from '../../shared/app/counselors/counselor-token-claims';
import { COUNSELOR_API_SCOPE, type Counselor } from '../../shared/domain/counselor';
import type { CounselorStore } from '../../shared/ports/counselor';
import { silentLogger } from '../../shared/ports';

/**
 * Cognito's pre-token-generation trigger: claims for counselors the organisation has, from their
 * record (the role included), and a refusal (which fails the sign-in) for anyone else: removed,
 * never added, or without the attributes that name a record. On the memory twin of the counselor
 * store, which passes the same contract as the DynamoDB one the trigger uses in AWS.
 */

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

const NOW = '2027-01-20T12:00:00.000Z';
const record = (orgId: string, counselorId: string, role: 'admin' | 'counselor'): Counselor => ({
  counselorId,
  orgId,
  role,
  email: `${counselorId}@example.org`,
  settings: { crisisAlerts: true, weeklyDigest: true },
  createdAt: NOW,
});

let counselors: CounselorStore;
let handler: ReturnType<typeof createCounselorTokenHandler>;
beforeEach(async () => {
  counselors = createMemoryCounselorStore();
  await counselors.saveCounselor(record('org-a', 'k7xq2', 'admin'));
  await counselors.saveCounselor(record('org-a', 'c-plain', 'counselor'));
  handler = createCounselorTokenHandler(counselors, silentLogger);
});

const claimsOf = (answered: any) => answered.response.claimsAndScopeOverrideDetails.accessTokenGeneration.claimsToAddOrOverride;

describe('the pre-token-generation trigger (Cognito V2_0)', () => {
  test("a counselor the organisation has gets its org, id and role in the access token, and the API then reads the same principal", async () => {
    const event = cognitoEvent({ 'custom:orgId': 'org-a', 'custom:counselorId': 'k7xq2' }, ['counselors']);
    const answered = await handler(event);
    const added = claimsOf(answered);
    expect(added).toEqual({ 'custom:orgId': 'org-a', 'custom:counselorId': 'k7xq2', 'custom:role': 'admin' });
    // The token Cognito then issues: its own claims plus ours, read exactly as on AWS, and still current.
    const accessToken = { sub: 'a1b2c3', client_id: 'client123', token_use: 'access', scope: `openid email ${COUNSELOR_API_SCOPE}`, 'cognito:groups': ['counselors'], ...added };
    const principal = principalFromClaims(accessToken);
    expect(principal).toEqual({ counselorId: 'k7xq2', orgId: 'org-a', role: 'admin', scopes: ['openid', 'email', COUNSELOR_API_SCOPE] });
    expect(await currentCounselor(counselors, principal!)).toEqual(principal);
    // The rest of the event goes back as it came.
    expect(answered.request).toEqual(event.request);
    expect(answered.userPoolId).toBe('us-east-1_Example');
  });

  test("the role is the organisation's record's, not the Cognito group's", async () => {
    expect(claimsOf(await handler(cognitoEvent({ 'custom:orgId': 'org-a', 'custom:counselorId': 'c-plain' }, ['admins', 'counselors'])))['custom:role']).toBe('counselor');
    await counselors.saveCounselor(record('org-a', 'k7xq2', 'counselor'));
    expect(claimsOf(await handler(cognitoEvent({ 'custom:orgId': 'org-a', 'custom:counselorId': 'k7xq2' }, ['admins'])))['custom:role']).toBe('counselor');
  });

  test('a removed counselor is refused a token (Cognito fails that sign-in or refresh) with words that reveal nothing', async () => {
    const event = cognitoEvent({ 'custom:orgId': 'org-a', 'custom:counselorId': 'c-plain' });
    await expect(handler(event)).resolves.toBeDefined();
    await counselors.deleteCounselor('org-a', 'c-plain');
    await expect(handler(event)).rejects.toThrow(TOKEN_REFUSED_MESSAGE);
  });

  test('attributes naming a record that never existed, or one in another organisation, are refused', async () => {
    await counselors.saveCounselor(record('org-b', 'c-b', 'admin'));
    for (const attributes of [
      { 'custom:orgId': 'org-a', 'custom:counselorId': 'c-never' },
      { 'custom:orgId': 'org-b', 'custom:counselorId': 'k7xq2' },
      { 'custom:orgId': 'org-zzz', 'custom:counselorId': 'c-b' },
    ]) {
      await expect(handler(cognitoEvent(attributes, ['admins']))).rejects.toThrow(TOKEN_REFUSED_MESSAGE);
    }
  });

  test('without both attributes, or with ids that are not ids, no token is issued', async () => {
    const cases: Array<Record<string, string>> = [
      {},
      { 'custom:orgId': 'org-a' },
      { 'custom:counselorId': 'k7xq2' },
      { 'custom:orgId': '', 'custom:counselorId': 'k7xq2' },
      { 'custom:orgId': 'org#a', 'custom:counselorId': 'k7xq2' },
      { 'custom:orgId': 'org-a', 'custom:counselorId': 'k7#xq2' },
      { 'custom:orgId': 'x'.repeat(65), 'custom:counselorId': 'k7xq2' },
      { orgId: 'org-a', counselorId: 'k7xq2' },
    ];
    for (const attributes of cases) await expect(handler(cognitoEvent(attributes, ['admins']))).rejects.toThrow(TOKEN_REFUSED_MESSAGE);
  });

  test('an event that is not a V2 token-generation event is refused (Cognito then fails that sign-in), never answered without checks', async () => {
    const good = { 'custom:orgId': 'org-a', 'custom:counselorId': 'k7xq2' };
    const v1 = { ...cognitoEvent(good), version: '1' };
    await expect(handler(v1)).rejects.toThrow('not understood');
    await expect(handler({ ...cognitoEvent(good), triggerSource: 'PreSignUp_SignUp' })).rejects.toThrow('not understood');
    await expect(handler({ ...cognitoEvent({}), request: { userAttributes: { 'custom:orgId': 7 } } })).rejects.toThrow('not understood');
    await expect(handler(undefined)).rejects.toThrow('not understood');
  });

  test('a store that cannot answer fails the sign-in (no token on a guess)', async () => {
    const unreachable: Pick<CounselorStore, 'getCounselor'> = {
      getCounselor: async () => {
        throw new Error('the table could not be reached');
      },
    };
    await expect(createCounselorTokenHandler(unreachable, silentLogger)(cognitoEvent({ 'custom:orgId': 'org-a', 'custom:counselorId': 'k7xq2' }))).rejects.toThrow();
  });
});
