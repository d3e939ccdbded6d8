import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { closeBrowser, launchChromium, openPage } from '../support/browser';
import { createWholeApiHandler as createApiHandler } from '../support/whole-api';
import { serveApiHandler } from '../../infra/local/http-server';
import { freePort } from '../../infra/local/net';
import { cachedJwks, cognitoIssuer, cognitoTokenVerifier } from '../../shared/adapters/cognito-jwks';
import { signJwt } from '../../shared/adapters/local-jwt';
import { awsAuthenticator } from '../../shared/app/counselors/counselor-auth';
import { COUNSELOR_API_SCOPE } from '../../shared/domain/counselor';
import { expectAccessible } from '../support/axe';
import { memoryServices, type MemoryServices } from '../support/memory-services';

/**
 * The hosted sign-in in a real browser (Debian's chromium): the counselor presses "Sign in with
 * your counselor account", signs in on a fake Cognito page, and lands on the dashboard. The fake
 * Cognito runs on 127.0.0.1 but the browser reaches it as `cognito.test` (a host-resolver rule),
 * so the return to /auth/callback is a real cross-site navigation: the state cookie must be
 * SameSite=Lax for the browser to send it there, and this test would fail with Strict.
 */

jest.setTimeout(120_000);
const NOW = new Date();
const POOL_ID = 'us-east-1_TestPool1';
const ISSUER = cognitoIssuer(POOL_ID);
const CLIENT_ID = 'clientabc123';
const KID = 'cognito-test-key';

let poolKey: KeyObject;
let cognito: http.Server;
let cognitoPort: number;
let services: MemoryServices;
let app: { url: string; stop(): Promise<void> };
let browser: Browser;
const issuedCodes = new Map<string, { challenge: string; redirectUri: string }>();
let codeCounter = 0;

const accessToken = () => {
  const now = Math.floor(NOW.getTime() / 1000);
  return signJwt(
    { alg: 'RS256', kid: KID },
    {
      sub: 'c1',
      iss: ISSUER,
      client_id: CLIENT_ID,
      token_use: 'access',
      scope: `openid email ${COUNSELOR_API_SCOPE}`,
      iat: now - 5,
      exp: now + 3600,
      'custom:orgId': 'org-a',
      'custom:counselorId': 'c1',
      'custom:role': 'counselor',
    },
    poolKey,
  );
};

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Cognito, as much of it as the flow touches: the authorize page, its login post, the token endpoint, the keys. */
function fakeCognito(): http.Server {
  const publicJwk = poolKey.export({ format: 'jwk' });
  const jwks = JSON.stringify({ keys: [{ kty: 'RSA', n: publicJwk.n, e: publicJwk.e, kid: KID, alg: 'RS256', use: 'sig' }] });
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://cognito.test');
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      if (req.method === 'GET' && url.pathname === `/${POOL_ID}/.well-known/jwks.json`) return void res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
      if (req.method === 'GET' && url.pathname === '/oauth2/authorize') {
        const q = url.searchParams;
        if (q.get('client_id') !== CLIENT_ID || q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256') return void res.writeHead(400).end('bad authorize request');
        const hidden = ['redirect_uri', 'state', 'code_challenge'].map((k) => `<input type="hidden" name="${k}" value="${escape(q.get(k) ?? '')}">`).join('');
        return void res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(`<!doctype html><title>Fake Cognito</title><form method="post" action="/login">${hidden}<label>Email <input name="email"></label><label>Password <input name="password" type="password"></label><button type="submit">Sign in</button></form>`);
      }
      if (req.method === 'POST' && url.pathname === '/login') {
        const form = new URLSearchParams(body);
        const code = `code-${++codeCounter}`;
        issuedCodes.set(code, { challenge: form.get('code_challenge')!, redirectUri: form.get('redirect_uri')! });
        const back = new URL(form.get('redirect_uri')!);
        back.search = new URLSearchParams({ code, state: form.get('state')! }).toString();
        return void res.writeHead(302, { location: back.toString() }).end();
      }
      if (req.method === 'POST' && url.pathname === '/oauth2/token') {
        const form = Object.fromEntries(new URLSearchParams(body));
        const issued = issuedCodes.get(form.code ?? '');
        issuedCodes.delete(form.code ?? '');
        const valid =
          issued &&
          form.client_id === CLIENT_ID &&
          form.redirect_uri === issued.redirectUri &&
          createHash('sha256').update(form.code_verifier ?? '').digest('base64url') === issued.challenge;
        if (!valid) return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: accessToken(), token_type: 'Bearer', expires_in: 3600 }));
      }
      res.writeHead(404).end();
    });
  });
}

/** The API's own requests to `cognito.test` go to the fake on 127.0.0.1, as the browser's do. */
const toFake = (input: string | URL | Request) => String(input instanceof Request ? input.url : input).replace(`http://cognito.test:${cognitoPort}`, `http://127.0.0.1:${cognitoPort}`);

beforeAll(async () => {
  poolKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  cognito = fakeCognito();
  await new Promise<void>((resolve) => cognito.listen(0, '127.0.0.1', resolve));
  cognitoPort = (cognito.address() as AddressInfo).port;

  const port = await freePort();
  services = memoryServices({ publicBaseUrl: `http://127.0.0.1:${port}` });
  // One clock for the tokens, the verifier and the cookie's lifetime.
  services.at(NOW.toISOString());
  services.counselorAuth = awsAuthenticator(cognitoTokenVerifier({ issuer: ISSUER, clientId: CLIENT_ID, jwks: cachedJwks(`http://127.0.0.1:${cognitoPort}/${POOL_ID}/.well-known/jwks.json`, { timeoutMs: 5_000 }) }), services.clock);
  services.counselorSignIn = {
    hosted: { signInBaseUrl: `http://cognito.test:${cognitoPort}`, clientId: CLIENT_ID, redirectUri: `http://127.0.0.1:${port}/auth/callback` },
    timeoutMs: 5_000,
    fetch: (input, init) => fetch(toFake(input), init),
  };
  // The counselor the tokens name: a verified token opens nothing without the organisation's record.
  await services.counselors.saveCounselor({ counselorId: 'c1', orgId: 'org-a', email: 'c1@org-a.example.org', role: 'counselor', settings: { crisisAlerts: true, weeklyDigest: true }, createdAt: NOW.toISOString() });
  await services.counselors.saveCohort({ cohortId: 'spring', orgId: 'org-a', name: 'Spring mentoring', season: 2027, sequenceIds: ['core'], anchorOverrides: {}, archived: false, createdAt: NOW.toISOString(), updatedAt: NOW.toISOString() });
  app = await serveApiHandler(createApiHandler(Promise.resolve(services)), port);
  browser = await launchChromium({ waitMs: 60_000, extraArgs: ['--host-resolver-rules=MAP cognito.test 127.0.0.1'] });
});

afterAll(async () => {
  await closeBrowser(browser);
  await app?.stop();
  await new Promise<void>((resolve) => (cognito ? cognito.close(() => resolve()) : resolve()));
});

test('a counselor signs in through the hosted page and lands on their dashboard', async () => {
  const { context, page } = await openPage(browser);
  try {
    await page.goto(`${app.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in');
    await expectAccessible(browser, page, 'sign-in with the hosted option');
    await page.getByRole('link', { name: 'Sign in with your counselor account' }).click();
    await page.waitForURL(/cognito\.test/);
    expect(new URL(page.url()).pathname).toBe('/oauth2/authorize');
    await page.getByLabel('Email').fill('c1@example.org');
    await page.getByLabel('Password').fill('a password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${app.url}/dashboard`);
    expect(await page.locator('h1').textContent()).toBe('Your cohorts');
    expect(await page.getByRole('link', { name: 'Spring mentoring' }).count()).toBe(1);
    await expectAccessible(browser, page, 'dashboard after the hosted sign-in');

    const cookies = await context.cookies(app.url);
    const session = cookies.find((c) => c.name === 'mc_counselor');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    // The state cookie did its work and is gone.
    expect(cookies.find((c) => c.name === 'mc_sign_in')).toBeUndefined();
  } finally {
    await context.close();
  }
});

test('a callback in a browser that did not start the sign-in: the sign-in page with a reason, no session', async () => {
  const { context, page } = await openPage(browser);
  try {
    const answer = await page.goto(`${app.url}/auth/callback?code=code-stolen&state=${'a'.repeat(43)}`);
    expect(answer?.status()).toBe(400);
    expect(await page.getByRole('alert').textContent()).toContain('started in another browser');
    await expectAccessible(browser, page, 'sign-in with a reason');
    expect((await context.cookies(app.url)).find((c) => c.name === 'mc_counselor')).toBeUndefined();
  } finally {
    await context.close();
  }
});
