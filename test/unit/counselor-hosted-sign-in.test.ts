import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createWholeApiHandler as createApiHandler } from '../support/whole-api';
import type { HttpResult } from '../../functions/router';
import { cachedJwks, cognitoIssuer, cognitoTokenVerifier } from '../../shared/adapters/cognito-jwks';
import { signJwt } from '../../shared/adapters/local-jwt';
import { createCounselorServices } from '../../shared/adapters/counselor-services';
import { awsAuthenticator } from '../../shared/app/counselors/counselor-auth';
import { parseConfig } from '../../shared/config';
import { COUNSELOR_API_SCOPE } from '../../shared/domain/counselor';
import { serveApiHandler } from '../../infra/local/http-server';
import { localSettings } from '../../infra/local/settings';
import { counselorEvent } from '../support/counselor-tokens';
import { memoryServices, TEST_PUBLIC_BASE_URL, type MemoryServices } from '../support/memory-services';

/**
 * The counselors' hosted sign-in on AWS, end to end through the API handler, against a fake
 * Cognito on 127.0.0.1: its token endpoint checks the PKCE verifier against the challenge the
 * browser brought to /oauth2/authorize (as Cognito does), hands each code out once, and signs
 * access tokens shaped like Cognito's with a key made for the test, published on its JWKS address.
 */

const POOL_ID = 'us-east-1_TestPool1';
const ISSUER = cognitoIssuer(POOL_ID);
const CLIENT_ID = 'clientabc123';
const KID = 'cognito-test-key';
const NOW = new Date('2027-01-20T12:00:00.000Z');
const nowSeconds = NOW.getTime() / 1000;
const REDIRECT_URI = `${TEST_PUBLIC_BASE_URL}/auth/callback`;

let poolKey: KeyObject;
let server: http.Server;
let cognitoBase: string;
/** What the token endpoint does next. */
type TokenMode = 'ok' | 'error-400' | 'error-500' | 'garbage' | 'hang' | 'foreign-key' | 'no-scope' | 'other-client' | 'not-bearer';
let tokenMode: TokenMode = 'ok';
/** Codes "issued" by the fake authorize step: each names the PKCE challenge it was issued for. */
const issuedCodes = new Map<string, string>();
const tokenRequests: { headers: http.IncomingHttpHeaders; form: Record<string, string> }[] = [];
const hanging: http.ServerResponse[] = [];
let codeCounter = 0;

const cognitoClaims = (overrides: Record<string, unknown> = {}) => ({
  sub: 'c1',
  'cognito:groups': ['counselors'],
  iss: ISSUER,
  version: 2,
  client_id: CLIENT_ID,
  token_use: 'access',
  scope: `openid email ${COUNSELOR_API_SCOPE}`,
  auth_time: nowSeconds - 5,
  iat: nowSeconds - 5,
  exp: nowSeconds + 3600,
  jti: 'jti-1',
  username: 'c1',
  'custom:orgId': 'org-a',
  'custom:counselorId': 'c1',
  'custom:role': 'counselor',
  ...overrides,
});
const accessToken = (overrides: Record<string, unknown> = {}, key: KeyObject = poolKey) => signJwt({ alg: 'RS256', kid: KID }, cognitoClaims(overrides), key);

function answerToken(form: Record<string, string>, res: http.ServerResponse): void {
  const challenge = issuedCodes.get(form.code ?? '');
  issuedCodes.delete(form.code ?? '');
  const valid =
    challenge !== undefined &&
    form.grant_type === 'authorization_code' &&
    form.client_id === CLIENT_ID &&
    form.redirect_uri === REDIRECT_URI &&
    createHash('sha256').update(form.code_verifier ?? '').digest('base64url') === challenge;
  const send = (status: number, body: string) => void res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  if (tokenMode === 'hang') return void hanging.push(res);
  if (tokenMode === 'error-500') return send(500, '{"error":"internal"}');
  if (!valid || tokenMode === 'error-400') return send(400, '{"error":"invalid_grant"}');
  if (tokenMode === 'garbage') return send(200, '{"access_token": 42}');
  const token =
    tokenMode === 'foreign-key'
      ? accessToken({}, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)
      : tokenMode === 'no-scope'
        ? accessToken({ scope: 'openid email' })
        : tokenMode === 'other-client'
          ? accessToken({ client_id: 'someoneelse' })
          : accessToken();
  send(200, JSON.stringify({ access_token: token, id_token: 'unused', refresh_token: 'unused', token_type: tokenMode === 'not-bearer' ? 'mac' : 'Bearer', expires_in: 3600 }));
}

beforeAll(async () => {
  poolKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const publicJwk = poolKey.export({ format: 'jwk' });
  const jwks = JSON.stringify({ keys: [{ kty: 'RSA', n: publicJwk.n, e: publicJwk.e, kid: KID, alg: 'RS256', use: 'sig' }] });
  server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === `/${POOL_ID}/.well-known/jwks.json`) return void res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    if (req.method === 'POST' && req.url === '/oauth2/token') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const form = Object.fromEntries(new URLSearchParams(body));
        tokenRequests.push({ headers: req.headers, form });
        answerToken(form, res);
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cognitoBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let services: MemoryServices;
let handle: (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

beforeEach(async () => {
  tokenMode = 'ok';
  tokenRequests.length = 0;
  services = memoryServices();
  services.at(NOW.toISOString());
  services.counselorAuth = awsAuthenticator(cognitoTokenVerifier({ issuer: ISSUER, clientId: CLIENT_ID, jwks: cachedJwks(`${cognitoBase}/${POOL_ID}/.well-known/jwks.json`, { timeoutMs: 2_000 }) }), services.clock);
  services.counselorSignIn = { hosted: { signInBaseUrl: cognitoBase, clientId: CLIENT_ID, redirectUri: REDIRECT_URI }, timeoutMs: 2_000 };
  // The counselor the tokens name: a verified token opens nothing without the organisation's record.
  await services.counselors.saveCounselor({ counselorId: 'c1', orgId: 'org-a', email: 'c1@org-a.example.org', role: 'counselor', settings: { crisisAlerts: true, weeklyDigest: true }, createdAt: NOW.toISOString() });
  handle = createApiHandler(Promise.resolve(services));
});

/** Every Set-Cookie of an answer, from the header or API Gateway's `cookies`. */
const setCookies = (answer: HttpResult): string[] => [...(answer.cookies ?? []), ...(answer.headers?.['set-cookie'] ? [String(answer.headers['set-cookie'])] : [])];
/** The `name=value` part of a Set-Cookie, as the browser sends it back. */
const sentBack = (setCookie: string) => setCookie.split(';')[0]!;

/** The browser presses "Sign in": the redirect to Cognito and the state cookie. */
async function start() {
  const answer = await handle(counselorEvent('GET', '/auth/start'));
  expect(answer.statusCode).toBe(302);
  const location = new URL(String(answer.headers?.location));
  const [stateCookie] = setCookies(answer);
  return { answer, location, stateCookie: stateCookie! };
}

/** Cognito's hosted page: the counselor signs in and is sent back with a fresh code and the state. */
function cognitoSignsIn(location: URL): { code: string; state: string } {
  const code = `code-${++codeCounter}`;
  issuedCodes.set(code, location.searchParams.get('code_challenge')!);
  return { code, state: location.searchParams.get('state')! };
}

const callback = (query: string, cookie?: string) => handle({ ...counselorEvent('GET', '/auth/callback', { query }), ...(cookie ? { cookies: [cookie] } : {}) });
const callbackQuery = (returned: { code: string; state: string }) => new URLSearchParams(returned).toString();

/** A failed callback: the sign-in page, a 4xx, no session cookie, the state cookie cleared. */
function expectRefused(answer: HttpResult, status: number, words: RegExp) {
  expect(answer.statusCode).toBe(status);
  expect(answer.headers?.['content-type']).toMatch(/text\/html/);
  expect(String(answer.body)).toMatch(words);
  expect(String(answer.body)).toContain('Please sign in again.');
  const cookies = setCookies(answer);
  expect(cookies.some((c) => c.includes('mc_counselor'))).toBe(false);
  expect(cookies).toEqual([expect.stringMatching(/^__Host-mc_sign_in=; .*Max-Age=0/)]);
}

describe('GET /auth/start', () => {
  test('redirects to Cognito’s authorize endpoint with code flow, PKCE S256 and a state kept in a Lax, signed, 10-minute cookie', async () => {
    const { answer, location, stateCookie } = await start();
    expect(`${location.origin}${location.pathname}`).toBe(`${cognitoBase}/oauth2/authorize`);
    expect(location.searchParams.get('response_type')).toBe('code');
    expect(location.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(location.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(location.searchParams.get('scope')).toBe(`openid email ${COUNSELOR_API_SCOPE}`);
    expect(location.search).toContain('scope=openid+email+matchcoach%2Fcounselor');
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(answer.headers?.['cache-control']).toBe('no-store');
    const attributes = stateCookie.split('; ');
    expect(attributes[0]).toMatch(/^__Host-mc_sign_in=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Lax', 'Secure', 'Max-Age=600']));
    // The verifier is in the (HttpOnly) cookie only, never in the address Cognito sees.
    const kept = JSON.parse(Buffer.from(attributes[0]!.split('=')[1]!.split('.')[0]!, 'base64url').toString('utf8')) as { v: string };
    expect(location.toString()).not.toContain(kept.v);
  });

  test('each start has its own state and challenge', async () => {
    const first = await start();
    const second = await start();
    expect(first.location.searchParams.get('state')).not.toBe(second.location.searchParams.get('state'));
    expect(first.location.searchParams.get('code_challenge')).not.toBe(second.location.searchParams.get('code_challenge'));
  });
});

describe('GET /auth/callback', () => {
  test('the whole flow: code and verifier exchanged, token verified, the dashboard session set, the state cookie cleared, the dashboard opens', async () => {
    const { location, stateCookie } = await start();
    const returned = cognitoSignsIn(location);
    const answer = await callback(callbackQuery(returned), sentBack(stateCookie));

    // A page that moves on to the dashboard by itself (a same-site navigation, which carries the
    // Strict session cookie; a redirect chain that began on Cognito's site would not).
    expect(answer.statusCode).toBe(200);
    expect(answer.headers?.refresh).toBe('0; url=/dashboard');
    expect(answer.headers?.['referrer-policy']).toBe('no-referrer');
    expect(answer.headers?.['cache-control']).toBe('no-store');
    expect(String(answer.body)).toContain('href="/dashboard"');
    const [session, cleared] = setCookies(answer);
    expect(session!.split('; ')).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict', 'Secure']));
    expect(session).toMatch(/^__Host-mc_counselor=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+; /);
    // Sized to the token's life (one hour here), as the paste flow does.
    expect(session).toContain('Max-Age=3600');
    expect(cleared).toMatch(/^__Host-mc_sign_in=; .*Max-Age=0/);

    // What the token endpoint was asked: a public client's form, no Authorization header, the verifier.
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(tokenRequests[0]!.headers.authorization).toBeUndefined();
    expect(Object.keys(tokenRequests[0]!.form).sort()).toEqual(['client_id', 'code', 'code_verifier', 'grant_type', 'redirect_uri']);

    const dashboard = await handle({ ...counselorEvent('GET', '/dashboard'), cookies: [sentBack(session!)] });
    expect(dashboard.statusCode).toBe(200);
  });

  test('a code used twice: the second callback is refused (Cognito answers invalid_grant) and sets no session', async () => {
    const { location, stateCookie } = await start();
    const returned = cognitoSignsIn(location);
    expect((await callback(callbackQuery(returned), sentBack(stateCookie))).statusCode).toBe(200);
    expectRefused(await callback(callbackQuery(returned), sentBack(stateCookie)), 400, /could not finish signing you in/);
  });

  test('state problems are refused before Cognito is asked anything', async () => {
    const first = await start();
    const second = await start();
    const returned = cognitoSignsIn(first.location);
    // No cookie (another browser, or cookies blocked).
    expectRefused(await callback(callbackQuery(returned)), 400, /took too long or started in another browser/);
    // Another sign-in's cookie (what a forged callback link would meet).
    expectRefused(await callback(callbackQuery(returned), sentBack(second.stateCookie)), 400, /did not start here/);
    // A state that is not the cookie's.
    expectRefused(await callback(callbackQuery({ ...returned, state: second.location.searchParams.get('state')! }), sentBack(first.stateCookie)), 400, /did not start here/);
    // A cookie signed with another secret.
    const otherSecret = memoryServices({ tokenSecret: 'another-secret-of-at-least-32-characters!' });
    otherSecret.counselorSignIn = services.counselorSignIn;
    const foreign = setCookies(await createApiHandler(Promise.resolve(otherSecret))(counselorEvent('GET', '/auth/start')))[0]!;
    const foreignState = JSON.parse(Buffer.from(sentBack(foreign).split('=')[1]!.split('.')[0]!, 'base64url').toString('utf8')) as { s: string };
    expectRefused(await callback(callbackQuery({ ...returned, state: foreignState.s }), sentBack(foreign)), 400, /did not start here/);
    expect(tokenRequests).toHaveLength(0);
  });

  test('an expired state cookie (more than ten minutes on Cognito’s page) is refused', async () => {
    const { location, stateCookie } = await start();
    const returned = cognitoSignsIn(location);
    services.at(new Date(NOW.getTime() + 601_000).toISOString());
    expectRefused(await callback(callbackQuery(returned), sentBack(stateCookie)), 400, /took too long/);
    expect(tokenRequests).toHaveLength(0);
  });

  test('Cognito’s error= (the counselor cancelled, or the client is refused): the sign-in page, 401', async () => {
    const { stateCookie } = await start();
    expectRefused(await callback('error=access_denied&error_description=User+cancelled', sentBack(stateCookie)), 401, /cancelled or refused/);
    expect(tokenRequests).toHaveLength(0);
  });

  test.each([
    ['no query at all', ''],
    ['a code but no state', 'code=abc'],
    ['a state but no code', 'state=abc'],
    ['a code with characters no code has', 'code=%3Cscript%3E&state=abc'],
  ])('a malformed callback (%s): 400', async (_case, query) => {
    const { stateCookie } = await start();
    expectRefused(await callback(query, sentBack(stateCookie)), 400, /incomplete/);
    expect(tokenRequests).toHaveLength(0);
  });

  test.each<[TokenMode, number, RegExp]>([
    ['error-400', 400, /could not finish/],
    ['error-500', 400, /could not finish/],
    ['garbage', 400, /could not finish/],
    ['not-bearer', 400, /could not finish/],
    ['foreign-key', 401, /not set up for the dashboard/],
    ['no-scope', 401, /not set up for the dashboard/],
    ['other-client', 401, /not set up for the dashboard/],
  ])('the token endpoint answers %s: refused with a 4xx, no session', async (mode, status, words) => {
    tokenMode = mode;
    const { location, stateCookie } = await start();
    expectRefused(await callback(callbackQuery(cognitoSignsIn(location)), sentBack(stateCookie)), status, words);
    expect(tokenRequests).toHaveLength(1);
  });

  test('the token endpoint hangs: the exchange is abandoned at its timeout, a 400, no session', async () => {
    services.counselorSignIn = { ...services.counselorSignIn!, timeoutMs: 200 };
    tokenMode = 'hang';
    const { location, stateCookie } = await start();
    expectRefused(await callback(callbackQuery(cognitoSignsIn(location)), sentBack(stateCookie)), 400, /could not finish/);
  });
});

describe('the sign-in page and the local stack', () => {
  test('on AWS the sign-in page offers the hosted sign-in, and still the paste form', async () => {
    const page = await handle(counselorEvent('GET', '/dashboard/sign-in'));
    expect(String(page.body)).toContain('href="/auth/start"');
    expect(String(page.body)).toContain('name="token"');
  });

  test('without Cognito (local): no hosted link, /auth/start and /auth/callback are 404, the paste flow as before', async () => {
    const local = createApiHandler(Promise.resolve(memoryServices()));
    const page = await local(counselorEvent('GET', '/dashboard/sign-in'));
    expect(page.statusCode).toBe(200);
    expect(String(page.body)).not.toContain('/auth/start');
    expect(String(page.body)).toContain('name="token"');
    expect((await local(counselorEvent('GET', '/auth/start'))).statusCode).toBe(404);
    expect((await local(counselorEvent('GET', '/auth/callback', { query: 'code=a&state=b' }))).statusCode).toBe(404);
  });
});

describe('the local HTTP server, like API Gateway, sends each of `cookies` as its own Set-Cookie', () => {
  test('a successful callback through the local server reaches the browser with both cookies', async () => {
    const served = await serveApiHandler(handle, 0);
    try {
      const { location, stateCookie } = await start();
      const returned = cognitoSignsIn(location);
      const answer = await fetch(`${served.url}/auth/callback?${callbackQuery(returned)}`, { redirect: 'manual', headers: { cookie: sentBack(stateCookie) } });
      expect(answer.status).toBe(200);
      const cookies = answer.headers.getSetCookie();
      expect(cookies).toHaveLength(2);
      expect(cookies[0]).toMatch(/^__Host-mc_counselor=/);
      expect(cookies[1]).toMatch(/^__Host-mc_sign_in=; /);
    } finally {
      await served.stop();
    }
  });
});

describe('configuration', () => {
  const awsEnv = () => {
    const { LOCAL_COUNSELOR_JWT_DIR: _dir, DYNAMODB_ENDPOINT: _db, SES_ENDPOINT: _ses, TWILIO_API_BASE: _tw, ...aws } = localSettings({ MATCHCOACH_DATA_DIR: '/tmp/unused-hcb' }).env;
    return { ...aws, PUBLIC_BASE_URL: 'https://coach.example.org/prod' };
  };
  const SIGN_IN_BASE = 'https://matchcoach-prod-1a2b.auth.us-east-1.amazoncognito.com';

  test('COUNSELOR_SIGN_IN_BASE_URL must be an https URL', () => {
    expect(parseConfig({ ...awsEnv(), COUNSELOR_SIGN_IN_BASE_URL: SIGN_IN_BASE }).COUNSELOR_SIGN_IN_BASE_URL).toBe(SIGN_IN_BASE);
    expect(() => parseConfig({ ...awsEnv(), COUNSELOR_SIGN_IN_BASE_URL: 'http://matchcoach.auth.us-east-1.amazoncognito.com' })).toThrow(/COUNSELOR_SIGN_IN_BASE_URL/);
    expect(() => parseConfig({ ...awsEnv(), COUNSELOR_SIGN_IN_BASE_URL: 'not a url' })).toThrow(/COUNSELOR_SIGN_IN_BASE_URL/);
  });

  test('composition: the hosted sign-in exists only with the pool, the client and the sign-in base; the redirect is the public base + /auth/callback', async () => {
    const configured = await createCounselorServices(parseConfig({ ...awsEnv(), COUNSELOR_USER_POOL_ID: POOL_ID, COUNSELOR_CLIENT_ID: CLIENT_ID, COUNSELOR_SIGN_IN_BASE_URL: SIGN_IN_BASE }));
    expect(configured.counselorSignIn?.hosted).toEqual({ signInBaseUrl: SIGN_IN_BASE, clientId: CLIENT_ID, redirectUri: 'https://coach.example.org/prod/auth/callback' });
    expect((await createCounselorServices(parseConfig({ ...awsEnv(), COUNSELOR_USER_POOL_ID: POOL_ID, COUNSELOR_CLIENT_ID: CLIENT_ID }))).counselorSignIn).toBeUndefined();
    expect((await createCounselorServices(parseConfig({ ...awsEnv(), COUNSELOR_SIGN_IN_BASE_URL: SIGN_IN_BASE }))).counselorSignIn).toBeUndefined();
  });
});
