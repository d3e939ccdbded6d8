import * as z from 'zod';
import { COUNSELOR_API_SCOPE, CounselorRole, RecordId, type CounselorPrincipal } from '../../domain/counselor';
import type { Clock, Logger } from '../../ports';
import { silentLogger } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import type { CounselorRequest, CounselorTokenVerifier } from '../../ports/counselor-tokens';

/**
 * Who is calling the counselor API. In AWS, API Gateway's JWT authorizer has already checked the
 * Cognito access token (issuer, audience, expiry, scope) before the function runs, and hands over
 * its claims, except on the dashboard, whose cookie the authorizer never sees: there the Cognito
 * token is checked here against the pool's keys. Locally, the same checks run here against the
 * local issuer. The verifier is a port (shared/ports/counselor-tokens.ts), given by the
 * composition root (shared/adapters/counselor-services.ts). Either way the organisation and role come from the
 * verified claims and nothing else.
 */

export interface CounselorAuthenticator {
  /** The caller, or undefined when the request carries no acceptable token (a 401). */
  authenticate(request: CounselorRequest): Promise<CounselorPrincipal | undefined>;
}

/** The Cognito group that makes a counselor an admin of their org (infra/counselors.ts). */
const ADMIN_GROUP = 'admins';

/**
 * API Gateway hands claims over as strings: an array claim such as `cognito:groups` arrives as
 * `[admins counselors]`. Both forms are read.
 */
const listClaim = z
  .union([z.array(z.string()), z.string()])
  .optional()
  .transform((value) => (value === undefined ? [] : Array.isArray(value) ? value : value.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean)));

const Claims = z.object({
  sub: RecordId.optional(),
  'custom:counselorId': RecordId.optional(),
  'custom:orgId': RecordId,
  'custom:role': CounselorRole.optional(),
  'cognito:groups': listClaim,
  scope: z.string().optional(),
});

/**
 * The principal a set of verified claims describes, or undefined when they lack the org, an id
 * or the counselor scope. Admin comes from the `custom:role` claim or the Cognito admins group.
 */
export function principalFromClaims(claims: unknown, authorizerScopes: string[] = []): CounselorPrincipal | undefined {
  const parsed = Claims.safeParse(claims);
  if (!parsed.success) return undefined;
  const c = parsed.data;
  const counselorId = c['custom:counselorId'] ?? c.sub;
  if (!counselorId) return undefined;
  const scopes = [...new Set([...(c.scope ? c.scope.split(' ').filter(Boolean) : []), ...authorizerScopes])];
  if (!scopes.includes(COUNSELOR_API_SCOPE)) return undefined;
  const role = c['custom:role'] ?? (c['cognito:groups'].includes(ADMIN_GROUP) ? 'admin' : 'counselor');
  return { counselorId, orgId: c['custom:orgId'], role, scopes };
}

/**
 * AWS. On /counselor/... API Gateway's JWT authorizer has verified the token, and its claims are
 * used. Elsewhere (the dashboard under /dashboard, whose browser sends a cookie, not a header, so
 * it sits on the public `$default` route) there are no authorizer claims: the token is verified
 * here by `cognito`, the pool's verifier, with the same checks as the local one (RS256 only,
 * signature, issuer, client, expiry, not-before, access token, scope). Without `cognito` such
 * requests get nobody.
 */
export function awsAuthenticator(cognito?: CounselorTokenVerifier, clock?: Clock, log: Logger = silentLogger): CounselorAuthenticator {
  return {
    async authenticate(request) {
      const jwt = (request.requestContext as { authorizer?: { jwt?: { claims?: unknown; scopes?: unknown } } } | undefined)?.authorizer?.jwt;
      if (jwt?.claims) {
        const scopes = Array.isArray(jwt.scopes) ? jwt.scopes.filter((s): s is string => typeof s === 'string') : [];
        return principalFromClaims(jwt.claims, scopes);
      }
      if (!cognito || !clock) return undefined;
      const token = bearerToken(request);
      return token ? verifiedPrincipal(token, cognito, clock, log) : undefined;
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
function bearerToken(request: CounselorRequest): string | undefined {
  const header = Object.entries(request.headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  return header ? /^Bearer ([^\s]+)$/i.exec(header.trim())?.[1] : undefined;
}

/** Every check of the verifier, then the principal the claims describe; undefined (and why, in the log) otherwise. */
async function verifiedPrincipal(token: string, verifier: CounselorTokenVerifier, clock: Clock, log: Logger): Promise<CounselorPrincipal | undefined> {
  const verdict = await verifier.verify(token, { requiredScopes: [COUNSELOR_API_SCOPE], now: clock.now() });
  if (verdict.ok) return principalFromClaims(verdict.claims);
  // Nobody is signed in until the keys can be read; the next request fetches them again.
  if (verdict.keysUnavailable) log.error('counselor signing keys unavailable', { reason: verdict.reason });
  // The reason only: a token is a credential and never goes into a log.
  else log.info('counselor token rejected', { reason: verdict.reason });
  return undefined;
}

/**
 * Local stack: the bearer token verified here by the local issuer's verifier, with every check the
 * AWS authorizer makes. Authorizer claims in the request are ignored: locally nothing upstream
 * has checked them.
 */
export function localAuthenticator(verifier: CounselorTokenVerifier, clock: Clock, log: Logger = silentLogger): CounselorAuthenticator {
  return {
    async authenticate(request) {
      const token = bearerToken(request);
      return token ? verifiedPrincipal(token, verifier, clock, log) : undefined;
    },
  };
}

/**
 * The counselor a verified token names, as the organisation's records say now, or undefined.
 * A signature only proves who Cognito (or the local issuer) said the caller was when the token was
 * made: since then an admin may have removed them (their token lives on until it expires) or
 * changed their role, and a token may name a record that never existed. So the record decides:
 * no record in that organisation, no access; and the record's role, not the token's, is the role
 * (a demoted admin is a counselor at once, a promoted one an admin).
 */
export async function currentCounselor(counselors: Pick<CounselorStore, 'getCounselor'>, claimed: CounselorPrincipal): Promise<CounselorPrincipal | undefined> {
  const record = await counselors.getCounselor(claimed.orgId, claimed.counselorId);
  if (!record || record.orgId !== claimed.orgId || record.counselorId !== claimed.counselorId) return undefined;
  return { ...claimed, role: record.role };
}

/** Denies everyone: the default where no authenticator is configured. */
export const noCounselorAccess: CounselorAuthenticator = { authenticate: async () => undefined };
