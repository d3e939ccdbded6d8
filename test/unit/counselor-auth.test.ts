import fs from 'node:fs';
import path from 'node:path';
import { CLOCK_SKEW_SECONDS, LOCAL_AUDIENCE, LOCAL_ISSUER, localIssuer } from '../../shared/adapters/local-jwt';
import { awsAuthenticator, principalFromClaims } from '../../shared/app/counselors/counselor-auth';
import { COUNSELOR_API_SCOPE } from '../../shared/domain/counselor';
import { createCounselorServices } from '../../shared/adapters/counselor-services';
import { parseConfig } from '../../shared/config';
import { localSettings } from '../../infra/local/settings';
import { counselorEvent, foreignKey, testIssuer, type TestIssuer } from '../support/counselor-tokens';

const NOW = new Date('2026-10-01T12:00:00.000Z');
const nowSeconds = NOW.getTime() / 1000;
const clock = { now: () => NOW };
const ASHA = { counselorId: 'c-asha', orgId: 'org-a', role: 'admin' as const };

let issuer: TestIssuer;
beforeAll(() => {
  issuer = testIssuer();
});
afterAll(() => issuer.remove());

const authenticate = (token: string | undefined, headers: Record<string, string> = {}) =>
  issuer.authenticator(clock).authenticate(counselorEvent('GET', '/counselor/cohorts', { ...(token !== undefined && { token }), headers }));

/** A well-formed payload, for forging variants of it. */
const payload = (overrides: Record<string, unknown> = {}) => ({
  sub: 'c-asha',
  'custom:orgId': 'org-a',
  'custom:role': 'admin',
  scope: COUNSELOR_API_SCOPE,
  iss: LOCAL_ISSUER,
  aud: LOCAL_AUDIENCE,
  iat: nowSeconds,
  nbf: nowSeconds,
  exp: nowSeconds + 3600,
  token_use: 'access',
  ...overrides,
});

describe('local counselor tokens', () => {
  test('a token from the local issuer names the counselor, org, role and scope', async () => {
    expect(await authenticate(issuer.tokenFor(ASHA, {}, NOW))).toEqual({ counselorId: 'c-asha', orgId: 'org-a', role: 'admin', scopes: [COUNSELOR_API_SCOPE] });
    // The forging helper itself makes acceptable tokens, so the rejections below are each for their one fault.
    expect(await authenticate(issuer.forge({ alg: 'RS256', typ: 'JWT', kid: issuer.kid }, payload()))).toMatchObject({ orgId: 'org-a' });
  });

  test.each([
    ['expired', () => issuer.forge({ alg: 'RS256', kid: issuer.kid }, payload({ exp: nowSeconds - CLOCK_SKEW_SECONDS - 1 }))],
    ['without an expiry', () => issuer.forge({ alg: 'RS256', kid: issuer.kid }, payload({ exp: undefined }))],
    ['not yet valid', () => issuer.forge({ alg: 'RS256', kid: issuer.kid }, payload({ nbf: nowSeconds + CLOCK_SKEW_SECONDS + 60 }))],
    ['for another audience', () => issuer.forge({ alg: 'RS256', kid: issuer.kid }, payload({ aud: 'some-other-app' }))],
    ['from another issuer', () => issuer.forge({ alg: 'RS256', kid: issuer.kid }, payload({ iss: 'https://evil.example/issuer' }))],
    ['without the counselor scope', () => issuer.forge({ alg: 'RS256', kid: issuer.kid }, payload({ scope: 'openid email' }))],
    ['an id token, not an access token', () => issuer.forge({ alg: 'RS256', kid: issuer.kid }, payload({ token_use: 'id' }))],
    ['signed by another key', () => issuer.forge({ alg: 'RS256', kid: issuer.kid }, payload(), foreignKey())],
    ['with a tampered payload', () => {
      const [h, , s] = issuer.forge({ alg: 'RS256', kid: issuer.kid }, payload()).split('.');
      return `${h}.${Buffer.from(JSON.stringify(payload({ 'custom:orgId': 'org-b' }))).toString('base64url')}.${s}`;
    }],
    ['alg none, unsigned', () => `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload())).toString('base64url')}.`],
    ['alg none with a kid', () => `${Buffer.from(JSON.stringify({ alg: 'none', kid: issuer.kid })).toString('base64url')}.${Buffer.from(JSON.stringify(payload())).toString('base64url')}.`],
    ['HS256 with the public key as the secret', () => issuer.forgeHs256WithPublicKey(payload())],
    ['RS512 (only RS256 is accepted)', () => issuer.forge({ alg: 'RS512', kid: issuer.kid }, payload())],
    ['an unknown key id', () => issuer.forge({ alg: 'RS256', kid: 'not-our-key' }, payload())],
    ['without the org claim', () => issuer.forge({ alg: 'RS256', kid: issuer.kid }, payload({ 'custom:orgId': undefined }))],
    ['with an org id holding a key separator', () => issuer.forge({ alg: 'RS256', kid: issuer.kid }, payload({ 'custom:orgId': 'org-a#COHORT' }))],
    ['with an unknown role', () => issuer.forge({ alg: 'RS256', kid: issuer.kid }, payload({ 'custom:role': 'superuser' }))],
    ['malformed', () => 'not.a.jwt'],
    ['of two parts', () => 'abc.def'],
    ['empty', () => ''],
  ])('a token %s is refused', async (_what, make) => {
    expect(await authenticate(make())).toBeUndefined();
  });

  test('no Authorization header, another scheme, or authorizer claims without a token: refused locally', async () => {
    expect(await authenticate(undefined)).toBeUndefined();
    expect(await authenticate(undefined, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` })).toBeUndefined();
    const event = counselorEvent('GET', '/counselor/cohorts');
    (event.requestContext as any).authorizer = { jwt: { claims: { sub: 'c-x', 'custom:orgId': 'org-a', scope: COUNSELOR_API_SCOPE } } };
    expect(await issuer.authenticator(clock).authenticate(event)).toBeUndefined();
  });

  test('the key pair is made once and kept: a second start reads the same key, private to its owner', () => {
    const again = localIssuer(issuer.dir);
    expect(again.jwks).toEqual(issuer.jwks);
    const mode = fs.statSync(path.join(issuer.dir, 'counselor-jwt-key.json')).mode & 0o777;
    expect(mode).toBe(0o600);
    // The published key set holds the public half only.
    expect(Object.keys(issuer.jwks.keys[0]!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
  });
});

describe('AWS: claims from API Gateway’s JWT authorizer', () => {
  const awsEvent = (claims: Record<string, unknown> | undefined, scopes?: string[]) => {
    const event = counselorEvent('GET', '/counselor/cohorts');
    if (claims) (event.requestContext as any).authorizer = { jwt: { claims, ...(scopes && { scopes }) } };
    return awsAuthenticator().authenticate(event);
  };

  test('reads the org claim and the admins group, in the string form API Gateway passes arrays', async () => {
    expect(await awsEvent({ sub: 'abc-123', 'custom:orgId': 'org-a', 'cognito:groups': '[counselors admins]', scope: `openid ${COUNSELOR_API_SCOPE}` })).toEqual({
      counselorId: 'abc-123',
      orgId: 'org-a',
      role: 'admin',
      scopes: ['openid', COUNSELOR_API_SCOPE],
    });
    expect(await awsEvent({ sub: 'abc-124', 'custom:orgId': 'org-a', 'cognito:groups': ['counselors'] }, [COUNSELOR_API_SCOPE])).toMatchObject({ role: 'counselor' });
  });

  test('no authorizer, no org claim, or no scope: refused', async () => {
    expect(await awsEvent(undefined)).toBeUndefined();
    expect(await awsEvent({ sub: 'abc-123', scope: COUNSELOR_API_SCOPE })).toBeUndefined();
    expect(await awsEvent({ sub: 'abc-123', 'custom:orgId': 'org-a', scope: 'openid' })).toBeUndefined();
    expect(principalFromClaims({ 'custom:orgId': 'org-a', scope: COUNSELOR_API_SCOPE })).toBeUndefined();
  });
});

describe('which verifier the service uses', () => {
  test('the local stack verifies bearer tokens from its own issuer, made in its data directory', async () => {
    const env = { ...localSettings({ MATCHCOACH_DATA_DIR: issuer.dir }).env };
    const services = await createCounselorServices(parseConfig(env), { clock });
    const token = localIssuer(env.LOCAL_COUNSELOR_JWT_DIR).issue({ sub: 'c-asha', 'custom:orgId': 'org-a', scope: COUNSELOR_API_SCOPE }, { now: NOW });
    expect(await services.counselorAuth.authenticate(counselorEvent('GET', '/counselor/me', { token }))).toMatchObject({ counselorId: 'c-asha', orgId: 'org-a' });
  });

  test('in AWS (no local issuer, no DynamoDB Local) a bearer token alone gets nowhere: only the authorizer’s claims count', async () => {
    const { LOCAL_COUNSELOR_JWT_DIR: _dir, DYNAMODB_ENDPOINT: _db, SES_ENDPOINT: _ses, TWILIO_API_BASE: _tw, ...aws } = localSettings({ MATCHCOACH_DATA_DIR: issuer.dir }).env;
    const services = await createCounselorServices(parseConfig(aws), { clock });
    expect(await services.counselorAuth.authenticate(counselorEvent('GET', '/counselor/me', { token: issuer.tokenFor(ASHA, {}, NOW) }))).toBeUndefined();
    // A stray LOCAL_COUNSELOR_JWT_DIR without DynamoDB Local does not swap the verifier either.
    const stray = await createCounselorServices(parseConfig({ ...aws, LOCAL_COUNSELOR_JWT_DIR: issuer.dir }), { clock });
    expect(await stray.counselorAuth.authenticate(counselorEvent('GET', '/counselor/me', { token: issuer.tokenFor(ASHA, {}, NOW) }))).toBeUndefined();
  });
});
