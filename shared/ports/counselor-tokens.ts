/**
 * What counselor sign-in needs from the outside (shared/app/counselors/counselor-auth.ts), as ports: the
 * parts of a request it reads, and something that checks a counselor's access token. The
 * composition roots (shared/adapters/counselor-services.ts, test support) pass the verifier in:
 * the local issuer's, or the Cognito pool's.
 */

/** The parts of an HTTP request sign-in reads. An API Gateway HTTP API event is one. */
export interface CounselorRequest {
  headers?: Record<string, string | undefined>;
  /** API Gateway's: `authorizer.jwt.claims` and `.scopes` when its JWT authorizer checked the token. */
  requestContext?: unknown;
}

type TokenClaims = Record<string, unknown>;

/** A token's verdict. `keysUnavailable`: the signing keys could not be read, so nothing was checked. */
type TokenVerdict = { ok: true; claims: TokenClaims } | { ok: false; reason: string; keysUnavailable?: boolean };

/**
 * Checks a counselor's access token with every check API Gateway's JWT authorizer makes: RS256
 * only, the signature against the issuer's keys, issuer, audience (or Cognito's client_id),
 * expiry and not-before (with a little clock skew), an access token, and each required scope.
 * Answers a verdict for anything a caller sent; throws only on a fault of its own.
 */
export interface CounselorTokenVerifier {
  verify(token: string, options: { requiredScopes: string[]; now: Date }): Promise<TokenVerdict>;
}

/** The identity provider's answer to an authorization code (the last step of a hosted sign-in). */
export type CodeExchange = { ok: true; accessToken: string } | { ok: false; reason: string };

/** Trades an authorization code and its PKCE verifier for an access token (Cognito's token endpoint in AWS). */
export type CodeExchanger = (code: string, codeVerifier: string) => Promise<CodeExchange>;
