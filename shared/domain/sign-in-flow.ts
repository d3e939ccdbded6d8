import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';

/**
 * The pure parts of the counselors' hosted sign-in on AWS: OAuth 2.0 authorization code with PKCE
 * (RFC 7636, S256). /auth/start makes a random `state` and `code_verifier`, keeps both in a short
 * cookie signed with a key derived from TOKEN_SECRET (the same HMAC-SHA256 style as
 * shared/domain/tokens.ts), and sends the browser to Cognito with the verifier's challenge.
 * /auth/callback checks that the `state` Cognito hands back is the one in the cookie (so another
 * site cannot finish a sign-in it started) and proves to the token endpoint, with the verifier,
 * that it is the same party that started it (so a stolen code is worth nothing).
 *
 * The cookie is signed, not encrypted: the verifier is a secret between this browser and us, and
 * the cookie never leaves this browser except to us (HttpOnly, Secure, our host only).
 */

/** Where Cognito sends the browser back; the app client registers `<PublicBaseUrl>` + this. */
export const SIGN_IN_CALLBACK_PATH = '/auth/callback';
/** Where the dashboard's "Sign in" button leads: makes the state and verifier, then off to Cognito. */
export const SIGN_IN_START_PATH = '/auth/start';

/** Ten minutes: long enough to type a password and an authenticator code, short for a stolen cookie. */
export const SIGN_IN_STATE_SECONDS = 10 * 60;

/** The scopes the app client allows (infra/counselors.ts); the counselor scope is what the API checks. */
const SIGN_IN_SCOPES = ['openid', 'email', 'matchcoach/counselor'] as const;

/** 32 random bytes as base64url: 43 characters, inside RFC 7636's 43..128 unreserved characters. */
const randomToken = () => randomBytes(32).toString('base64url');

export interface SignInStart {
  state: string;
  codeVerifier: string;
}

export const newSignInStart = (): SignInStart => ({ state: randomToken(), codeVerifier: randomToken() });

/** RFC 7636 4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
export const pkceChallenge = (codeVerifier: string): string => createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');

/** A key for this purpose only, so a state cookie can never pass as a person's link token or the reverse. */
const stateKey = (secret: string) => createHmac('sha256', secret).update('matchcoach counselor sign-in state v1').digest();
const sign = (secret: string, encoded: string) => createHmac('sha256', stateKey(secret)).update(encoded).digest('base64url');

const Unreserved = z.string().regex(/^[A-Za-z0-9_-]{43,128}$/);
const StatePayload = z.object({ s: Unreserved, v: Unreserved, exp: z.number().int().positive() });

/** The cookie value: `<payload>.<signature>`, both base64url. */
export function sealSignInState(secret: string, start: SignInStart, now: Date, lifetimeSeconds = SIGN_IN_STATE_SECONDS): string {
  const payload = { s: start.state, v: start.codeVerifier, exp: Math.floor(now.getTime() / 1000) + lifetimeSeconds };
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${encoded}.${sign(secret, encoded)}`;
}

export type SignInStateCheck = { ok: true; start: SignInStart } | { ok: false; reason: 'missing' | 'malformed' | 'bad_signature' | 'expired' | 'state_mismatch' };

/** Constant time for equal lengths; different lengths differ anyway (and the length is no secret). */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The sign-in the cookie holds, if the cookie is ours, unexpired, and names the `state` Cognito
 * returned. Every failure says which, for the log; the person sees one short reason.
 */
export function openSignInState(secret: string, cookie: string | undefined, returnedState: string, now: Date): SignInStateCheck {
  if (!cookie) return { ok: false, reason: 'missing' };
  if (cookie.length > 1024 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(cookie)) return { ok: false, reason: 'malformed' };
  const [encoded, signature] = cookie.split('.') as [string, string];
  if (!sameSecret(sign(secret, encoded), signature)) return { ok: false, reason: 'bad_signature' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const parsed = StatePayload.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  if (parsed.data.exp * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  if (!sameSecret(parsed.data.s, returnedState)) return { ok: false, reason: 'state_mismatch' };
  return { ok: true, start: { state: parsed.data.s, codeVerifier: parsed.data.v } };
}

export interface HostedSignIn {
  /** The pool's hosted sign-in domain, `https://<prefix>.auth.<region>.amazoncognito.com`. */
  signInBaseUrl: string;
  clientId: string;
  /** `<PublicBaseUrl>/auth/callback`, exactly as registered on the app client. */
  redirectUri: string;
}

const endpoint = (signInBaseUrl: string, path: string) => `${signInBaseUrl.replace(/\/+$/, '')}${path}`;

/** Where /auth/start sends the browser. */
export function authorizeUrl(hosted: HostedSignIn, start: SignInStart): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: hosted.clientId,
    redirect_uri: hosted.redirectUri,
    scope: SIGN_IN_SCOPES.join(' '),
    state: start.state,
    code_challenge: pkceChallenge(start.codeVerifier),
    code_challenge_method: 'S256',
  });
  return `${endpoint(hosted.signInBaseUrl, '/oauth2/authorize')}?${query.toString()}`;
}

export const tokenEndpoint = (hosted: HostedSignIn) => endpoint(hosted.signInBaseUrl, '/oauth2/token');

/** The token request's form body (a public client: no secret, the verifier proves who asks). */
export function tokenRequestBody(hosted: HostedSignIn, code: string, codeVerifier: string): string {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: hosted.clientId,
    code,
    redirect_uri: hosted.redirectUri,
    code_verifier: codeVerifier,
  }).toString();
}
