import * as z from 'zod';
import { jwtVerifier, type Jwk, type Jwks, type JwksSource } from './local-jwt';
import type { CounselorTokenVerifier } from '../ports/counselor-tokens';

/**
 * The signing keys of the counselors' Cognito user pool, for verifying their tokens in the API
 * function itself (the dashboard's cookie, which API Gateway's authorizer never sees). Fetched
 * once per container and kept: Cognito's keys are published at a fixed address and do not rotate
 * on their own. A failed fetch is not kept, so the next request tries again; until then nobody is
 * signed in (a 401, never a 5xx and never an unchecked token).
 */

/** Cognito's issuer for a pool: the region is the part of the pool id before the underscore. */
export function cognitoIssuer(userPoolId: string): string {
  const region = userPoolId.split('_')[0];
  return `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
}

export const cognitoJwksUrl = (userPoolId: string) => `${cognitoIssuer(userPoolId)}/.well-known/jwks.json`;

/** Far above a real key set (two keys, about 1 KB); a bigger answer is not a key set. */
const MAX_JWKS_BYTES = 64 * 1024;

/** The keys as published: RSA signing keys only; anything else in the set is ignored. */
const PublishedJwks = z.object({
  keys: z.array(
    z.looseObject({
      kty: z.string(),
      kid: z.string().min(1).max(256),
      n: z.string().optional(),
      e: z.string().optional(),
      alg: z.string().optional(),
      use: z.string().optional(),
    }),
  ),
});

class JwksUnavailable extends Error {}

export interface JwksSourceOptions {
  /** Milliseconds before a fetch is abandoned: a hung request must not hold a page for 20 s. */
  timeoutMs: number;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  /** For tests; Date.now otherwise. */
  now?: () => number;
}

/** The least time between two fetches of the key set asked for by tokens naming an unknown key. */
const REFRESH_COOLDOWN_MS = 30_000;

/**
 * The pool's keys: fetched on the first call and kept. Cognito adds a key before it signs with it,
 * so a token naming a key we do not hold asks for a refresh (`refresh: true`); one refresh at most
 * every REFRESH_COOLDOWN_MS, so tokens with made-up key ids cannot make us fetch on every request.
 * A refresh that fails keeps the keys we had.
 */
export function cachedJwks(url: string, options: JwksSourceOptions): JwksSource {
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  let kept: Promise<Jwks> | undefined;
  let fetchedAt = 0;
  const load = async (): Promise<Jwks> => {
    let response: Response;
    try {
      response = await fetchImpl(url, { signal: AbortSignal.timeout(options.timeoutMs), headers: { accept: 'application/json' }, redirect: 'error' });
    } catch (error) {
      throw new JwksUnavailable(`key set not fetched: ${error instanceof Error ? error.name : typeof error}`);
    }
    if (!response.ok) throw new JwksUnavailable(`key set answered ${response.status}`);
    const text = await response.text().catch(() => {
      throw new JwksUnavailable('key set body not read');
    });
    if (text.length > MAX_JWKS_BYTES) throw new JwksUnavailable('key set too large');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new JwksUnavailable('key set is not JSON');
    }
    const parsed = PublishedJwks.safeParse(body);
    if (!parsed.success) throw new JwksUnavailable('key set not understood');
    const keys = parsed.data.keys
      .filter((k) => k.kty === 'RSA' && k.n && k.e && (k.alg === undefined || k.alg === 'RS256') && (k.use === undefined || k.use === 'sig'))
      .map((k): Jwk => ({ kty: 'RSA', n: k.n!, e: k.e!, kid: k.kid, alg: 'RS256', use: 'sig' }));
    if (keys.length === 0) throw new JwksUnavailable('key set holds no RS256 signing key');
    return { keys };
  };
  const fetchNow = (onFailure: (error: unknown) => Promise<Jwks>) => {
    fetchedAt = now();
    const fetched: Promise<Jwks> = load().catch(onFailure);
    kept = fetched;
    return fetched;
  };
  return ({ refresh = false } = {}) => {
    if (!kept) {
      return fetchNow((error) => {
        kept = undefined; // the next request tries again
        throw error;
      });
    }
    if (refresh && now() - fetchedAt >= REFRESH_COOLDOWN_MS) {
      const previous = kept;
      return fetchNow(() => previous);
    }
    return kept;
  };
}

/** How the counselors' function checks a Cognito access token itself (routes without the authorizer). */
export interface CognitoVerification {
  /** `https://cognito-idp.<region>.amazonaws.com/<poolId>` (cognitoIssuer). */
  issuer: string;
  /** The counselors' app client: Cognito access tokens name it in `client_id` (they carry no `aud`). */
  clientId: string;
  /** The pool's signing keys, kept and refreshed for a key they lack (cachedJwks). */
  jwks: JwksSource;
}

/** The pool's token verifier, for awsAuthenticator. */
export const cognitoTokenVerifier = (cognito: CognitoVerification): CounselorTokenVerifier => jwtVerifier({ jwks: cognito.jwks, issuer: cognito.issuer, audience: cognito.clientId });
