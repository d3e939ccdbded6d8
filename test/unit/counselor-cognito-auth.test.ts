import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWholeApiHandler as createApiHandler } from '../support/whole-api';
import { cachedJwks, cognitoIssuer, cognitoJwksUrl, cognitoTokenVerifier } from '../../shared/adapters/cognito-jwks';
import { signJwt } from '../../shared/adapters/local-jwt';
import { createCounselorServices } from '../../shared/adapters/counselor-services';
import { awsAuthenticator } from '../../shared/app/counselors/counselor-auth';
import { parseConfig } from '../../shared/config';
import { COUNSELOR_API_SCOPE } from '../../shared/domain/counselor';
import { localSettings } from '../../infra/local/settings';
import { counselorEvent } from '../support/counselor-tokens';
import { memoryServices } from '../support/memory-services';

/**
 * On AWS the dashboard's cookie never passes API Gateway's JWT authorizer (browsers send a cookie,
 * not a bearer header, so /dashboard is on the public `$default` route): the API function verifies
 * the Cognito access token itself against the pool's published keys. Here the "pool" is a fake
 * JWKS server on 127.0.0.1 serving a key made for the test, and the tokens are shaped like
 * Cognito's (no `aud`, `client_id`, `token_use: access`, the scope string).
 */

const POOL_ID = 'us-east-1_TestPool1';
const ISSUER = cognitoIssuer(POOL_ID);
const CLIENT_ID = 'clientabc123';
const KID = 'cognito-test-key';
const NOW = new Date('2027-01-20T12:00:00.000Z');
const nowSeconds = NOW.getTime() / 1000;
const clock = { now: () => NOW };

let poolKey: KeyObject;
let server: http.Server;
let jwksUrl: string;
let jwksRequests = 0;
/** What the fake pool answers next: its keys, an error status, or nothing at all (a hang). */
let mode: 'keys' | 'error' | 'hang' | 'garbage' = 'keys';
/** Keys the pool publishes besides its first (a rotation adds one before signing with it). */
let addedKeys: object[] = [];
const hanging: http.ServerResponse[] = [];

beforeAll(async () => {
  poolKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const publicJwk = { ...poolKey.export({ format: 'jwk' }) };
  const jwk = { kty: 'RSA', n: publicJwk.n, e: publicJwk.e, kid: KID, alg: 'RS256', use: 'sig' };
  server = http.createServer((req, res) => {
    jwksRequests += 1;
    if (req.url !== `/${POOL_ID}/.well-known/jwks.json`) return void res.writeHead(404).end();
    if (mode === 'hang') return void hanging.push(res);
    if (mode === 'error') return void res.writeHead(503).end('busy');
    res.writeHead(200, { 'content-type': 'application/json' });
    // Cognito publishes two keys (access and id tokens); an unusable entry is ignored, not fatal.
    res.end(mode === 'garbage' ? '{"keys": "no"}' : JSON.stringify({ keys: [jwk, { kty: 'EC', kid: 'ec-key', crv: 'P-256', x: 'a', y: 'b' }, ...addedKeys] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${POOL_ID}/.well-known/jwks.json`;
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  mode = 'keys';
  jwksRequests = 0;
  addedKeys = [];
});

/** An access token as Cognito issues it (after our pre-token-generation trigger added the org). */
const cognitoClaims = (overrides: Record<string, unknown> = {}) => ({
  sub: 'c1',
  'cognito:groups': ['counselors'],
  iss: ISSUER,
  version: 2,
  client_id: CLIENT_ID,
  token_use: 'access',
  scope: `openid email ${COUNSELOR_API_SCOPE}`,
  auth_time: nowSeconds - 60,
  iat: nowSeconds - 60,
  exp: nowSeconds + 3600,
  jti: 'jti-1',
  username: 'c1',
  'custom:orgId': 'org-a',
  'custom:role': 'counselor',
  ...overrides,
});
const token = (overrides: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key: KeyObject = poolKey) =>
  signJwt({ alg: 'RS256', kid: KID, ...header }, cognitoClaims(overrides), key);

const authenticator = (timeoutMs = 2_000, now?: () => number) =>
  awsAuthenticator(cognitoTokenVerifier({ issuer: ISSUER, clientId: CLIENT_ID, jwks: cachedJwks(jwksUrl, { timeoutMs, ...(now && { now }) }) }), clock);
const bearer = (t: string) => counselorEvent('GET', '/dashboard', { token: t });

describe('Cognito access tokens verified in the API function (AWS, no authorizer on the route)', () => {
  test('a valid token: the principal from its claims; the pool keys are fetched once for many requests', async () => {
    const auth = authenticator();
    for (let i = 0; i < 5; i++) {
      expect(await auth.authenticate(bearer(token()))).toEqual({ counselorId: 'c1', orgId: 'org-a', role: 'counselor', scopes: ['openid', 'email', COUNSELOR_API_SCOPE] });
    }
    expect(jwksRequests).toBe(1);
  });

  test.each([
    ['expired', () => token({ exp: nowSeconds - 120 })],
    ['not yet valid', () => token({ nbf: nowSeconds + 600 })],
    ['no expiry', () => token({ exp: undefined })],
    ['wrong issuer (another pool)', () => token({ iss: cognitoIssuer('us-east-1_OtherPool') })],
    ['wrong issuer (the local issuer)', () => token({ iss: 'https://matchcoach.local/counselor-issuer' })],
    ['wrong client', () => token({ client_id: 'someoneelse' })],
    ['an id token (aud = our client, token_use id)', () => token({ client_id: undefined, aud: CLIENT_ID, token_use: 'id' })],
    ['missing the counselor scope', () => token({ scope: 'openid email' })],
    ['no organisation claim', () => token({ 'custom:orgId': undefined })],
    ['bad signature (a key not the pool’s, same kid)', () => token({}, {}, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)],
    ['unknown kid', () => token({}, { kid: 'not-a-pool-key' })],
    ['payload altered after signing', () => {
      const [h, , s] = token().split('.');
      return `${h}.${Buffer.from(JSON.stringify(cognitoClaims({ 'custom:orgId': 'org-b' }))).toString('base64url')}.${s}`;
    }],
    ['alg none', () => `${Buffer.from(JSON.stringify({ alg: 'none', kid: KID })).toString('base64url')}.${Buffer.from(JSON.stringify(cognitoClaims())).toString('base64url')}.`],
    ['alg HS256', () => token({}, { alg: 'HS256' })],
    ['not a JWT', () => 'not.a.jwt'],
  ])('%s: not signed in', async (_case, make) => {
    expect(await authenticator().authenticate(bearer(make()))).toBeUndefined();
  });

  describe('a key the pool adds later (Cognito publishes a new key, then signs with it)', () => {
    const rotatedKey = () => {
      const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const publicJwk = key.export({ format: 'jwk' });
      return { key, jwk: { kty: 'RSA', n: publicJwk.n, e: publicJwk.e, kid: 'rotated-key', alg: 'RS256', use: 'sig' } };
    };

    test('its token is accepted: the keys are fetched again once, then kept', async () => {
      let now = 0;
      const auth = authenticator(2_000, () => now);
      expect(await auth.authenticate(bearer(token()))).toMatchObject({ orgId: 'org-a' });
      const rotated = rotatedKey();
      addedKeys = [rotated.jwk];
      now += 60_000;
      for (let i = 0; i < 3; i++) {
        expect(await auth.authenticate(bearer(token({}, { kid: 'rotated-key' }, rotated.key)))).toMatchObject({ counselorId: 'c1', orgId: 'org-a' });
      }
      expect(await auth.authenticate(bearer(token()))).toMatchObject({ orgId: 'org-a' });
      expect(jwksRequests).toBe(2);
    });

    test('made-up key ids make us fetch at most once every 30 seconds, and are refused', async () => {
      let now = 0;
      const auth = authenticator(2_000, () => now);
      expect(await auth.authenticate(bearer(token()))).toMatchObject({ orgId: 'org-a' });
      for (let i = 0; i < 5; i++) expect(await auth.authenticate(bearer(token({}, { kid: `made-up-${i}` })))).toBeUndefined();
      expect(jwksRequests).toBe(1);
      now += 30_000;
      for (let i = 0; i < 5; i++) expect(await auth.authenticate(bearer(token({}, { kid: `made-up-again-${i}` })))).toBeUndefined();
      expect(jwksRequests).toBe(2);
    });

    test('a refresh that fails keeps the keys we had: their tokens still pass, the unknown one is refused', async () => {
      let now = 0;
      const auth = authenticator(2_000, () => now);
      expect(await auth.authenticate(bearer(token()))).toMatchObject({ orgId: 'org-a' });
      mode = 'error';
      now += 60_000;
      expect(await auth.authenticate(bearer(token({}, { kid: 'rotated-key' }, rotatedKey().key)))).toBeUndefined();
      expect(await auth.authenticate(bearer(token()))).toMatchObject({ orgId: 'org-a' });
      expect(jwksRequests).toBe(2);
    });
  });

  test('the authorizer’s claims, where API Gateway verified them, are used as before (no key fetch)', async () => {
    const event = counselorEvent('GET', '/counselor/me');
    (event.requestContext as any).authorizer = { jwt: { claims: { sub: 'c2', 'custom:orgId': 'org-b', scope: COUNSELOR_API_SCOPE }, scopes: [] } };
    expect(await authenticator().authenticate(event)).toMatchObject({ counselorId: 'c2', orgId: 'org-b' });
    expect(jwksRequests).toBe(0);
  });

  test('the pool unreachable, slow or answering nonsense: nobody is signed in, and the next request fetches again', async () => {
    for (const failing of ['error', 'garbage', 'hang'] as const) {
      mode = failing;
      jwksRequests = 0;
      const auth = authenticator(1_000);
      expect(await auth.authenticate(bearer(token()))).toBeUndefined();
      mode = 'keys';
      expect(await auth.authenticate(bearer(token()))).toMatchObject({ orgId: 'org-a' });
      expect(jwksRequests).toBe(2);
    }
  });

  test('no token, or no Cognito settings: nobody, and nothing fetched', async () => {
    expect(await authenticator().authenticate(counselorEvent('GET', '/dashboard'))).toBeUndefined();
    expect(await awsAuthenticator().authenticate(bearer(token()))).toBeUndefined();
    expect(jwksRequests).toBe(0);
  });
});

describe('the dashboard on AWS: the cookie is accepted through the API handler', () => {
  const handlerWith = async () => {
    const services = memoryServices();
    services.at(NOW.toISOString());
    services.counselorAuth = authenticator();
    // The counselor the tokens name: a verified token opens nothing without the organisation's record.
    await services.counselors.saveCounselor({ counselorId: 'c1', orgId: 'org-a', email: 'c@org-a.example.org', role: 'counselor', settings: { crisisAlerts: true, weeklyDigest: true }, createdAt: NOW.toISOString() });
    return createApiHandler(Promise.resolve(services));
  };
  /** API Gateway hands cookies over in `event.cookies`, not in a header. */
  const withApiGatewayCookie = (path: string, cookie: string) => ({ ...counselorEvent('GET', path), cookies: [`__Host-mc_counselor=${cookie}`] });

  test('a valid Cognito token in the cookie opens the dashboard', async () => {
    const answer = await (await handlerWith())(withApiGatewayCookie('/dashboard', token()));
    expect(answer.statusCode).toBe(200);
    expect(String(answer.body)).toContain('<');
  });

  test('an expired, foreign or unsigned token in the cookie gets the sign-in page (401) and the cookie cleared', async () => {
    const handle = await handlerWith();
    for (const bad of [token({ exp: nowSeconds - 120 }), token({ client_id: 'someoneelse' }), token({}, { alg: 'none' })]) {
      const answer = await handle(withApiGatewayCookie('/dashboard', bad));
      expect(answer.statusCode).toBe(401);
      expect(String(answer.body)).toContain('Counselor sign-in');
      expect(String(answer.headers?.['set-cookie'])).toMatch(/mc_counselor=; .*Max-Age=0/);
    }
  });

  test('signing in with a pasted Cognito token sets the session cookie', async () => {
    const event = counselorEvent('POST', '/dashboard/sign-in', {
      rawBody: new URLSearchParams({ token: token() }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const answer = await (await handlerWith())(event);
    expect(answer.statusCode).toBe(303);
    expect(String(answer.headers?.['set-cookie'])).toMatch(/^__Host-mc_counselor=/);
  });
});

describe('configuration', () => {
  const awsEnv = () => {
    const { LOCAL_COUNSELOR_JWT_DIR: _dir, DYNAMODB_ENDPOINT: _db, SES_ENDPOINT: _ses, TWILIO_API_BASE: _tw, ...aws } = localSettings({ MATCHCOACH_DATA_DIR: '/tmp/unused-haws' }).env;
    return aws;
  };

  test('the pool id and client id are parsed; one without the other, or a malformed one, is refused at start', () => {
    const config = parseConfig({ ...awsEnv(), COUNSELOR_USER_POOL_ID: POOL_ID, COUNSELOR_CLIENT_ID: CLIENT_ID });
    expect(config.COUNSELOR_USER_POOL_ID).toBe(POOL_ID);
    expect(config.COUNSELOR_JWKS_TIMEOUT_MS).toBe(3000);
    expect(() => parseConfig({ ...awsEnv(), COUNSELOR_USER_POOL_ID: POOL_ID })).toThrow(/COUNSELOR_CLIENT_ID/);
    expect(() => parseConfig({ ...awsEnv(), COUNSELOR_USER_POOL_ID: 'https://evil.example/x', COUNSELOR_CLIENT_ID: CLIENT_ID })).toThrow(/COUNSELOR_USER_POOL_ID/);
    expect(() => parseConfig({ ...awsEnv(), COUNSELOR_USER_POOL_ID: POOL_ID, COUNSELOR_CLIENT_ID: 'a b' })).toThrow(/COUNSELOR_CLIENT_ID/);
  });

  test('the issuer and key set address come from the pool id, as Cognito publishes them', () => {
    expect(cognitoIssuer('eu-west-2_AbC123')).toBe('https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_AbC123');
    expect(cognitoJwksUrl('eu-west-2_AbC123')).toBe('https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_AbC123/.well-known/jwks.json');
  });

  test('composition: with the pool configured, the API verifies tokens against that pool’s published keys, issuer and client', async () => {
    // The pool's real address is answered by the fake pool on 127.0.0.1: no request leaves the machine.
    const realFetch = global.fetch;
    const asked: string[] = [];
    const spy = jest.spyOn(global, 'fetch').mockImplementation((url, init) => {
      asked.push(String(url));
      return realFetch(jwksUrl, init);
    });
    try {
      const services = await createCounselorServices(parseConfig({ ...awsEnv(), COUNSELOR_USER_POOL_ID: POOL_ID, COUNSELOR_CLIENT_ID: CLIENT_ID }), { clock });
      expect(await services.counselorAuth.authenticate(counselorEvent('GET', '/dashboard'))).toBeUndefined();
      expect(asked).toEqual([]);
      expect(await services.counselorAuth.authenticate(bearer(token()))).toMatchObject({ counselorId: 'c1', orgId: 'org-a' });
      expect(await services.counselorAuth.authenticate(bearer(token({ client_id: 'someoneelse' })))).toBeUndefined();
      expect(asked).toEqual([cognitoJwksUrl(POOL_ID)]);
      // Without the pool settings (as before this change) a bearer token alone gets nobody.
      const unconfigured = await createCounselorServices(parseConfig(awsEnv()), { clock });
      expect(await unconfigured.counselorAuth.authenticate(bearer(token()))).toBeUndefined();
      expect(asked).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });
});
