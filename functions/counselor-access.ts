import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import type { CounselorServices } from '../shared/adapters/counselor-services';
import { requireAdmin } from '../shared/app/counselors/audit';
import { currentCounselor } from '../shared/app/counselors/counselor-auth';
import type { CounselorPrincipal } from '../shared/domain/counselor';
import * as pages from '../web/counselor-pages';
import { errorPage, errorResponse, problemAsPage, problemResponse, type Problem, type ProblemRenderers } from './http';
import { BadRequest, formFields } from './request';
import type { HttpResult, Route, RouteContext } from './router';

/**
 * Who is calling the counselors' side, decided in this one place for every route that shows or
 * changes an organisation's data: the JSON API, the dashboard pages, reports, CSV exports, member
 * timelines and settings, and the two ways of signing in. A request counts as a counselor's only
 * when its token verifies (signature, issuer, audience, expiry, scope: the authenticator) AND the
 * organisation still has that counselor's record, whose role is the role (currentCounselor). So a
 * removed counselor's token, still unexpired, opens nothing, and neither does a validly signed
 * token naming a counselor who never existed.
 *
 * Where the token comes from: an `Authorization: Bearer` header, or the dashboard's session cookie
 * (a browser cannot send a header from a link). The cookie is taken on reads (GET, HEAD), and on
 * the dashboard's own forms (counselorForm) only with three checks that no other site can pass:
 * the browser says the post came from our own page (Sec-Fetch-Site), the cookie is SameSite=Strict
 * (never sent on another site's post), and the form carries a token only our page could have
 * written (formToken: an HMAC of this counselor's session). The JSON API takes the header alone.
 */

export interface CounselorRouteContext extends RouteContext<CounselorServices> {
  principal: CounselorPrincipal;
}

// ---- The session cookie -------------------------------------------------------------------------------

const SESSION_COOKIE = 'mc_counselor';
/** On https the `__Host-` prefix also pins the cookie to this exact host and Path=/. */
const sessionCookieName = (secure: boolean) => (secure ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE);

/** A JWT's three base64url parts; anything else is not worth a verification. */
export const TokenText = z.string().trim().max(8192).regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/, 'that does not look like an access token');

const headerOf = (event: APIGatewayProxyEventV2, name: string) => Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];

/** Cookies arrive in `event.cookies` from API Gateway and in the Cookie header from the local server. */
function cookieToken(event: APIGatewayProxyEventV2): string | undefined {
  const pairs = [...(event.cookies ?? []), ...(headerOf(event, 'cookie')?.split(';') ?? [])];
  for (const pair of pairs) {
    const cut = pair.indexOf('=');
    const name = pair.slice(0, cut).trim();
    if (name === SESSION_COOKIE || name === `__Host-${SESSION_COOKIE}`) {
      const parsed = TokenText.safeParse(pair.slice(cut + 1).trim());
      if (parsed.success) return parsed.data;
    }
  }
  return undefined;
}

/** The same event with the token as its Bearer header, for the one verifier. */
const withBearer = (event: APIGatewayProxyEventV2, token: string): APIGatewayProxyEventV2 => ({
  ...event,
  headers: { ...Object.fromEntries(Object.entries(event.headers ?? {}).filter(([k]) => k.toLowerCase() !== 'authorization')), authorization: `Bearer ${token}` },
});

export const isSecure = (services: Pick<CounselorServices, 'publicBaseUrl'>) => services.publicBaseUrl.startsWith('https:');
export const basePath = (services: Pick<CounselorServices, 'publicBaseUrl'>) => new URL(services.publicBaseUrl).pathname.replace(/\/$/, '');

export function sessionCookie(services: Pick<CounselorServices, 'publicBaseUrl'>, token: string, maxAge: number): string {
  const secure = isSecure(services);
  return [`${sessionCookieName(secure)}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAge}`, ...(secure ? ['Secure'] : [])].join('; ');
}

// ---- The decision ---------------------------------------------------------------------------------------

/**
 * - `signed-in`: a verified token and a current record; the principal carries the record's role.
 * - `refused`: a token was presented and is not (or no longer) good: expired, forged, or its
 *   counselor removed or never there.
 * - `none`: nothing presented at all (a browser that never signed in).
 */
type CounselorAccess = { status: 'signed-in'; principal: CounselorPrincipal } | { status: 'refused' } | { status: 'none' };

const SAFE_METHODS = new Set(['GET', 'HEAD']);
const hasAuthorizerClaims = (event: APIGatewayProxyEventV2) =>
  Boolean((event.requestContext as { authorizer?: { jwt?: { claims?: unknown } } } | undefined)?.authorizer?.jwt?.claims);

async function counselorAccess(services: Pick<CounselorServices, 'counselorAuth' | 'counselors'>, event: APIGatewayProxyEventV2, options: { cookieOnPost?: boolean } = {}): Promise<CounselorAccess> {
  const fromHeader = Boolean(headerOf(event, 'authorization')) || hasAuthorizerClaims(event);
  const cookie = SAFE_METHODS.has(event.requestContext?.http?.method ?? 'GET') || options.cookieOnPost ? cookieToken(event) : undefined;
  if (!fromHeader && !cookie) return { status: 'none' };
  const claimed = fromHeader ? await services.counselorAuth.authenticate(event) : await services.counselorAuth.authenticate(withBearer(event, cookie!));
  const principal = claimed && (await currentCounselor(services.counselors, claimed));
  return principal ? { status: 'signed-in', principal } : { status: 'refused' };
}

/** The access a token pasted into the sign-in page (or handed back by Cognito) would give. */
export async function accessOfToken(services: Pick<CounselorServices, 'counselorAuth' | 'counselors'>, event: APIGatewayProxyEventV2, token: string): Promise<CounselorPrincipal | undefined> {
  if (!TokenText.safeParse(token).success) return undefined;
  const claimed = await services.counselorAuth.authenticate(withBearer(event, token));
  return claimed && currentCounselor(services.counselors, claimed);
}

// ---- Answers -----------------------------------------------------------------------------------------------

const UNAUTHORIZED: Problem = {
  status: 401,
  code: 'unauthorized',
  message: 'Sign in as a counselor: this needs a valid access token of a counselor in your organisation.',
  headers: { 'www-authenticate': 'Bearer' },
};
const NO_LONGER_SIGNED_IN = 'Your sign-in is no longer valid: it expired, or your access was removed. Sign in again, or ask your admin.';

/** The sign-in page in place, with a 401 and why, and the stale session cookie cleared. */
function signInAgainPage(ctx: RouteContext<CounselorServices>): HttpResult {
  const page = pages.signInPage({ base: basePath(ctx.services), status: 401, error: NO_LONGER_SIGNED_IN, hostedSignIn: ctx.services.counselorSignIn !== undefined });
  return cookieToken(ctx.event) ? { ...page, headers: { ...page.headers, 'set-cookie': sessionCookie(ctx.services, '', 0) } } : page;
}

/** Errors on the counselors' side: pages in the dashboard's own frame where it has one. */
const counselorRenderers = (ctx: RouteContext<CounselorServices>): ProblemRenderers => ({
  html: (problem) => (problem.status === 401 ? signInAgainPage(ctx) : problem.status === 404 ? pages.dashboardNotFoundPage(basePath(ctx.services)) : undefined),
});

/** A browser sees the sign-in page; an API client the JSON 401. */
const unauthorized = (ctx: RouteContext<CounselorServices>): HttpResult => problemResponse(ctx.event, UNAUTHORIZED, counselorRenderers(ctx));

/**
 * A route for counselors only: 401 without a current counselor, 403 on an admin route for others;
 * errors become responses through the one mapper (a page for a browser, JSON otherwise).
 */
export function counselorRoute(
  method: Route['method'],
  path: string,
  handler: (ctx: CounselorRouteContext) => Promise<HttpResult>,
  options: { admin?: boolean } = {},
): Route<CounselorServices> {
  return {
    method,
    path,
    async handler(ctx) {
      const access = await counselorAccess(ctx.services, ctx.event);
      if (access.status !== 'signed-in') return unauthorized(ctx);
      try {
        if (options.admin) requireAdmin(access.principal, 'do this');
        return await handler({ ...ctx, principal: access.principal });
      } catch (error) {
        return errorResponse(error, ctx.log, ctx.event, counselorRenderers(ctx));
      }
    },
  };
}

/**
 * A dashboard page (GET): a browser that never signed in is sent to the sign-in page; one whose
 * token is refused gets that page in place with a 401 and the reason; a record of another
 * organisation (or none) is the dashboard's "not found" page.
 */
export function counselorPage(path: string, render: (ctx: CounselorRouteContext, base: string) => Promise<HttpResult>): Route<CounselorServices> {
  return {
    method: 'GET',
    path,
    async handler(ctx) {
      const base = basePath(ctx.services);
      const access = await counselorAccess(ctx.services, ctx.event);
      if (access.status === 'none') return { statusCode: 303, headers: { location: pages.dashboardPaths(base).signIn, 'cache-control': 'no-store' }, body: '' };
      // Pages answer as pages whatever the Accept header says: these addresses are a browser's.
      if (access.status === 'refused') return problemAsPage(UNAUTHORIZED, counselorRenderers(ctx));
      try {
        return await render({ ...ctx, principal: access.principal }, base);
      } catch (error) {
        return errorPage(error, ctx.log, counselorRenderers(ctx));
      }
    },
  };
}

// ---- The dashboard's own forms --------------------------------------------------------------------------

/**
 * The token a dashboard form carries: an HMAC, under the service's link key, of this counselor in
 * this organisation and of their session (a hash of the cookie's token). Only a page we rendered
 * for this session has it; it changes with every sign-in and means nothing anywhere else.
 */
export function formToken(secret: string, principal: Pick<CounselorPrincipal, 'orgId' | 'counselorId'>, sessionToken: string): string {
  const session = createHash('sha256').update(sessionToken).digest('base64url');
  return createHmac('sha256', secret).update(`dashboard-form\n${principal.orgId}\n${principal.counselorId}\n${session}`).digest('base64url');
}

/** The form token for the session this request carries (for the pages that render forms). */
export const formTokenOf = (services: Pick<CounselorServices, 'tokenSecret'>, event: APIGatewayProxyEventV2, principal: CounselorPrincipal): string | undefined => {
  const session = cookieToken(event);
  return session ? formToken(services.tokenSecret, principal, session) : undefined;
};

const sameToken = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const FORM_NOT_OURS = 'This form must be sent from the Match Coach page itself. Open the page again and retry.';

export interface CounselorFormContext extends CounselorRouteContext {
  /** The form's fields (urlencoded or multipart), the form token already checked. */
  fields: Record<string, string>;
}

/**
 * A dashboard form (POST) for counselors only. Refused before anything happens: a post from
 * another site (Sec-Fetch-Site) or without our form token (403), no current counselor (the
 * sign-in page, 401), a non-admin on an admin form (403), a form we cannot read (400). `readForm`
 * reads a body of another kind (a file upload) and returns its fields; by default the form is
 * read with the ordinary size limit.
 */
export function counselorForm(
  path: string,
  handler: (ctx: CounselorFormContext, base: string) => Promise<HttpResult>,
  options: { admin?: boolean; readForm?: (event: APIGatewayProxyEventV2) => Record<string, string> } = {},
): Route<CounselorServices> {
  return {
    method: 'POST',
    path,
    async handler(ctx) {
      const base = basePath(ctx.services);
      const site = headerOf(ctx.event, 'sec-fetch-site');
      if (site !== undefined && site !== 'same-origin' && site !== 'none') return problemAsPage({ status: 403, code: 'forbidden', message: FORM_NOT_OURS }, counselorRenderers(ctx));
      const access = await counselorAccess(ctx.services, ctx.event, { cookieOnPost: true });
      if (access.status !== 'signed-in') return problemAsPage(UNAUTHORIZED, counselorRenderers(ctx));
      let fields: Record<string, string>;
      try {
        fields = (options.readForm ?? formFields)(ctx.event);
      } catch (error) {
        if (error instanceof BadRequest) return problemAsPage({ status: 400, code: 'validation', message: `We could not read that form: ${error.message}.` }, counselorRenderers(ctx));
        return errorPage(error, ctx.log, counselorRenderers(ctx));
      }
      // A browser's session is the cookie; the form must carry that session's token.
      const session = headerOf(ctx.event, 'authorization') ? undefined : cookieToken(ctx.event);
      if (session !== undefined) {
        const expected = formToken(ctx.services.tokenSecret, access.principal, session);
        if (typeof fields.form !== 'string' || !sameToken(fields.form, expected)) return problemAsPage({ status: 403, code: 'forbidden', message: FORM_NOT_OURS }, counselorRenderers(ctx));
      }
      try {
        if (options.admin) requireAdmin(access.principal, 'do this');
        return await handler({ ...ctx, principal: access.principal, fields }, base);
      } catch (error) {
        return errorPage(error, ctx.log, counselorRenderers(ctx));
      }
    },
  };
}
