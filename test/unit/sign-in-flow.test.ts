import fc from 'fast-check';
import {
  authorizeUrl,
  newSignInStart,
  openSignInState,
  pkceChallenge,
  sameSecret,
  sealSignInState,
  SIGN_IN_STATE_SECONDS,
  tokenEndpoint,
  tokenRequestBody,
  type HostedSignIn,
} from '../../shared/domain/sign-in-flow';
import { issueToken } from '../../shared/domain/tokens';

/** The pure half of the hosted sign-in: PKCE, the signed state cookie, the URLs and the token request. */

const SECRET = 'test-only-token-secret-0123456789-abcdefghij';
const NOW = new Date('2027-01-20T12:00:00.000Z');
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const hosted: HostedSignIn = {
  signInBaseUrl: 'https://matchcoach-dev-1a2b.auth.us-east-1.amazoncognito.com',
  clientId: 'clientabc123',
  redirectUri: 'https://coach.example.test/auth/callback',
};

describe('PKCE (RFC 7636, S256)', () => {
  test('the challenge of the RFC’s own example verifier is the RFC’s answer', () => {
    // RFC 7636, Appendix B.
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  test('state and verifier are fresh, unreserved, 43+ characters, and never the same twice', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const start = newSignInStart();
      for (const value of [start.state, start.codeVerifier]) {
        expect(value).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
        expect(seen.has(value)).toBe(false);
        seen.add(value);
      }
    }
  });
});

describe('the state cookie', () => {
  test('round trip: the cookie opens to the same state and verifier when Cognito returns that state', () => {
    const start = newSignInStart();
    const cookie = sealSignInState(SECRET, start, NOW);
    expect(openSignInState(SECRET, cookie, start.state, later(60))).toEqual({ ok: true, start });
  });

  test('refused: missing, another state, expired, another secret, altered, not ours at all', () => {
    const start = newSignInStart();
    const cookie = sealSignInState(SECRET, start, NOW);
    const [payload, signature] = cookie.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ s: start.state, v: newSignInStart().codeVerifier, exp: 9_999_999_999 })).toString('base64url');
    expect(openSignInState(SECRET, undefined, start.state, NOW)).toEqual({ ok: false, reason: 'missing' });
    expect(openSignInState(SECRET, cookie, newSignInStart().state, NOW)).toEqual({ ok: false, reason: 'state_mismatch' });
    expect(openSignInState(SECRET, cookie, '', NOW)).toEqual({ ok: false, reason: 'state_mismatch' });
    expect(openSignInState(SECRET, cookie, start.state, later(SIGN_IN_STATE_SECONDS))).toEqual({ ok: false, reason: 'expired' });
    expect(openSignInState(SECRET, cookie, start.state, later(SIGN_IN_STATE_SECONDS - 1))).toMatchObject({ ok: true });
    expect(openSignInState(`${SECRET}-other`, cookie, start.state, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(openSignInState(SECRET, `${forged}.${signature}`, start.state, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(openSignInState(SECRET, `${payload}.`, start.state, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(openSignInState(SECRET, 'x'.repeat(2000), start.state, NOW)).toEqual({ ok: false, reason: 'malformed' });
    // A person's link token, signed with the same TOKEN_SECRET, is no state cookie: the key is derived per purpose.
    expect(openSignInState(SECRET, issueToken(SECRET, 'preferences', 'p1', NOW), start.state, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  test('property: any altered character of the cookie is refused', () => {
    const start = newSignInStart();
    const cookie = sealSignInState(SECRET, start, NOW);
    fc.assert(
      fc.property(fc.nat({ max: cookie.length - 1 }), fc.constantFrom(...'AQgw_-.9'), (at, replacement) => {
        fc.pre(cookie[at] !== replacement);
        const altered = cookie.slice(0, at) + replacement + cookie.slice(at + 1);
        expect(openSignInState(SECRET, altered, start.state, NOW).ok).toBe(false);
      }),
    );
  });

  test('sameSecret compares whole values', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('abc', 'abcd')).toBe(false);
  });
});

describe('the URLs and the token request', () => {
  test('authorize: code flow, our client, the registered redirect, the three scopes, state and the S256 challenge', () => {
    const start = newSignInStart();
    const url = new URL(authorizeUrl(hosted, start));
    expect(`${url.origin}${url.pathname}`).toBe(`${hosted.signInBaseUrl}/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: hosted.clientId,
      redirect_uri: hosted.redirectUri,
      scope: 'openid email matchcoach/counselor',
      state: start.state,
      code_challenge: pkceChallenge(start.codeVerifier),
      code_challenge_method: 'S256',
    });
    // The verifier itself never goes to the browser's address bar.
    expect(url.toString()).not.toContain(start.codeVerifier);
  });

  test('a trailing slash on the sign-in base does not double up', () => {
    expect(tokenEndpoint({ ...hosted, signInBaseUrl: `${hosted.signInBaseUrl}/` })).toBe(`${hosted.signInBaseUrl}/oauth2/token`);
  });

  test('token request: the form fields of RFC 6749 4.1.3 and RFC 7636 4.5, no secret', () => {
    const body = new URLSearchParams(tokenRequestBody(hosted, 'the-code', 'the-verifier'));
    expect(Object.fromEntries(body)).toEqual({
      grant_type: 'authorization_code',
      client_id: hosted.clientId,
      code: 'the-code',
      redirect_uri: hosted.redirectUri,
      code_verifier: 'the-verifier',
    });
  });
});
