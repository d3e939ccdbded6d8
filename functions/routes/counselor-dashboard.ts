import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { recordAudit } from '../../shared/app/counselors/audit';
import { getCohort } from '../../shared/app/cohorts/get-cohort';
import { sendInvitations } from '../../shared/app/cohorts/send-invitations';
import { MAX_CSV_BYTES, importCsv } from '../../shared/app/cohorts/csv-import';
import { DomainError } from '../../shared/domain/errors';
import { cohortMembersCsv, cohortWeeklyCsv } from '../../shared/app/members/cohort-export';
import { cohortPage, cohortsWithCounts, parseCohortPageQuery } from '../../shared/app/members/cohort-page';
import { markContacted } from '../../shared/app/members/mark-contacted';
import { viewMember } from '../../shared/app/members/member-page';
import { resumeMemberCoaching } from '../../shared/app/members/resume-member-coaching';
import { parseMultipartForm } from '../multipart-form';
import { INLINE_INVITATIONS, cohortDeps } from './counselor';
import { codeExchangeOf, type CounselorServices } from '../../shared/adapters/counselor-services';
import { finishHostedSignIn, type SignInFailure } from '../../shared/app/counselors/hosted-sign-in';
import {
  authorizeUrl,
  newSignInStart,
  sealSignInState,
  SIGN_IN_CALLBACK_PATH,
  SIGN_IN_START_PATH,
  SIGN_IN_STATE_SECONDS,
} from '../../shared/domain/sign-in-flow';
import * as pages from '../../web/counselor-pages';
import { accessOfToken, basePath, counselorForm, counselorPage, counselorRoute, formTokenOf, isSecure, sessionCookie, TokenText, type CounselorRouteContext } from '../counselor-access';
import { json, problemAsJson } from '../http';
import { BadRequest, formFields } from '../request';
import type { HttpResult, Route, RouteContext } from '../router';

type DashboardContext = RouteContext<CounselorServices>;

/**
 * The counselor dashboard (server-rendered pages under /dashboard) and the report's JSON and CSV
 * under the counselor API (/counselor/cohorts/<id>/report ...). Every route finds its caller
 * through functions/counselor-access.ts (a verified token of a counselor the organisation still
 * has), and the organisation from that token only.
 *
 * How a browser signs in. The API takes `Authorization: Bearer <token>`, which a browser cannot
 * send by itself from a link. The counselor pastes the token (`matchcoach counselor add` prints it)
 * once into the sign-in page; we verify it exactly as a Bearer header and, if it passes, keep the
 * token itself in a cookie: HttpOnly (no script can read it, and the pages run none), Secure when
 * the service is reached over https, SameSite=Strict (no other site can make the browser send it,
 * which is what stops cross-site form posts), Path=/, for no longer than the token lives. On every
 * request the cookie's token goes through the very same verifier as a Bearer header (signature,
 * issuer, audience, expiry, scope) and the same check of the counselor's record, so the server
 * keeps no session: removing the counselor's record ends every session of theirs at once.
 * Sign-out clears the cookie.
 *
 * On AWS there is also Cognito's hosted sign-in (/auth/start, /auth/callback below: authorization
 * code with PKCE), which ends by setting this same cookie with the access token Cognito issued,
 * verified first like any other. Locally those two routes answer 404.
 */

const MAX_SESSION_SECONDS = 12 * 3600;
/** What the member page says after a form (a redirect back with ?done=...). */
const DoneQuery = z.enum(['contacted', 'resumed', 'not-held']).optional();
/** The form token for pages that render forms (a browser's session only: API clients use the header). */
const formTokenIn = (ctx: CounselorRouteContext) => {
  const token = formTokenOf(ctx.services, ctx.event, ctx.principal);
  return token ? { formToken: token } : {};
};
const SignInForm = z.object({ token: TokenText });
const headerOf = (event: APIGatewayProxyEventV2, name: string) => Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];

/** How long the cookie may live: until the token expires (read unverified, only to size the cookie), at most 12 hours. */
function sessionSeconds(token: string, now: Date): number {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp?: unknown };
    if (typeof payload.exp === 'number') return Math.max(0, Math.min(MAX_SESSION_SECONDS, Math.floor(payload.exp - now.getTime() / 1000)));
  } catch {
    // Not readable: the verifier already accepted it, so fall back to the cap.
  }
  return MAX_SESSION_SECONDS;
}

/**
 * Browsers say where a form post came from (Sec-Fetch-Site); one from another site is refused
 * before anything happens. SameSite=Strict already keeps the cookie off such posts; this also
 * stops another site from signing a browser in with a token of its choosing.
 */
const crossSite = (event: APIGatewayProxyEventV2) => {
  const site = headerOf(event, 'sec-fetch-site');
  return site !== undefined && site !== 'same-origin' && site !== 'none';
};

// ---- Hosted sign-in on AWS (OAuth 2.0 authorization code with PKCE) ----------------------------------

/**
 * The state and PKCE verifier between /auth/start and /auth/callback. SameSite=Lax, not Strict:
 * the callback is a top-level navigation from Cognito's domain, on which a Strict cookie is not
 * sent. Lax still keeps it off other sites' subrequests and posts, and it is signed, lives ten
 * minutes, and is cleared by the callback whatever happens.
 */
const SIGN_IN_STATE_COOKIE = 'mc_sign_in';
const stateCookieName = (secure: boolean) => (secure ? `__Host-${SIGN_IN_STATE_COOKIE}` : SIGN_IN_STATE_COOKIE);

function stateCookie(services: CounselorServices, value: string, maxAge: number): string {
  const secure = isSecure(services);
  return [`${stateCookieName(secure)}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAge}`, ...(secure ? ['Secure'] : [])].join('; ');
}

function cookieValue(event: APIGatewayProxyEventV2, names: readonly string[]): string | undefined {
  const pairs = [...(event.cookies ?? []), ...(headerOf(event, 'cookie')?.split(';') ?? [])];
  for (const pair of pairs) {
    const cut = pair.indexOf('=');
    if (cut > 0 && names.includes(pair.slice(0, cut).trim())) return pair.slice(cut + 1).trim();
  }
  return undefined;
}

/** What Cognito may put on the callback: a code and our state, or an error (`access_denied`, ...). */
const CallbackQuery = z.union([
  z.object({ error: z.string().min(1).max(200) }),
  z.object({ code: z.string().regex(/^[A-Za-z0-9._~-]{1,1024}$/), state: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/) }),
]);

const SIGN_IN_AGAIN = 'Please sign in again.';

/** Any failed callback: the sign-in page, a short reason, a 4xx, no session, and the state cookie gone. */
/** What the sign-in page says when the callback fails, by why. */
const CALLBACK_FAILURE_WORDS: Record<SignInFailure, string> = {
  state_stale: 'That sign-in took too long or started in another browser.',
  state_foreign: 'That sign-in did not start here.',
  exchange_failed: 'We could not finish signing you in.',
  not_accepted: 'Your account is not set up for the dashboard yet; ask your admin.',
};

function callbackFailed(ctx: DashboardContext, status: 400 | 401, reason: string, logReason: string): HttpResult {
  ctx.log.info('counselor hosted sign-in failed', { reason: logReason });
  const page = pages.signInPage({ base: basePath(ctx.services), status, error: `${reason} ${SIGN_IN_AGAIN}`, hostedSignIn: true });
  return { ...page, headers: { ...page.headers, 'set-cookie': stateCookie(ctx.services, '', 0) } };
}

const signInFlowRoutes: Route<CounselorServices>[] = [
  {
    method: 'GET',
    path: SIGN_IN_START_PATH,
    async handler(ctx) {
      const hosted = ctx.services.counselorSignIn?.hosted;
      if (!hosted) return problemAsJson({ status: 404, code: 'not_found', message: 'No such page.' });
      const start = newSignInStart();
      const sealed = sealSignInState(ctx.services.tokenSecret, start, ctx.services.clock.now());
      return {
        statusCode: 302,
        headers: { location: authorizeUrl(hosted, start), 'cache-control': 'no-store', 'set-cookie': stateCookie(ctx.services, sealed, SIGN_IN_STATE_SECONDS) },
        body: '',
      };
    },
  },
  {
    method: 'GET',
    path: SIGN_IN_CALLBACK_PATH,
    async handler(ctx) {
      const signIn = ctx.services.counselorSignIn;
      if (!signIn) return problemAsJson({ status: 404, code: 'not_found', message: 'No such page.' });
      const query = CallbackQuery.safeParse(Object.fromEntries(new URLSearchParams(ctx.event.rawQueryString ?? '')));
      if (!query.success) return callbackFailed(ctx, 400, 'That sign-in link was incomplete.', 'callback query malformed');
      if ('error' in query.data) return callbackFailed(ctx, 401, 'The sign-in was cancelled or refused.', `provider error ${query.data.error.replace(/[^a-z_]/g, '').slice(0, 64)}`);
      const { code, state } = query.data;
      const cookie = cookieValue(ctx.event, [SIGN_IN_STATE_COOKIE, `__Host-${SIGN_IN_STATE_COOKIE}`]);
      const signedIn = await finishHostedSignIn(
        {
          tokenSecret: ctx.services.tokenSecret,
          clock: ctx.services.clock,
          exchange: codeExchangeOf(signIn),
          // The same verifier as every request (signature, issuer, client, expiry, scope, the record).
          accept: (token) => accessOfToken(ctx.services, ctx.event, token),
        },
        { code, state, stateCookie: cookie },
      );
      if (!signedIn.ok) return callbackFailed(ctx, signedIn.status, CALLBACK_FAILURE_WORDS[signedIn.failure], signedIn.logReason);
      const { accessToken: token, principal } = signedIn;
      ctx.log.info('counselor signed in (hosted)', { orgId: principal.orgId, counselorId: principal.counselorId });
      // A page that moves on by itself, not a 303: see signedInPage for why.
      const page = pages.signedInPage({ base: basePath(ctx.services) });
      return {
        ...page,
        // (The callback's address carries the code; the page's no-referrer policy keeps it from the next request.)
        // Two Set-Cookie headers: API Gateway takes them in `cookies`; so does the local server.
        cookies: [sessionCookie(ctx.services, token, sessionSeconds(token, ctx.services.clock.now())), stateCookie(ctx.services, '', 0)],
      };
    },
  },
];

const pageDeps = (services: CounselorServices) => ({ store: services.store, counselors: services.counselors, engagement: services.engagement, clock: services.clock, log: services.log });

const redirect = (location: string, headers: Record<string, string> = {}): HttpResult => ({ statusCode: 303, headers: { location, 'cache-control': 'no-store', ...headers }, body: '' });
const forbidden = (): HttpResult => ({ statusCode: 403, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: 'This form must be sent from the Match Coach page itself.' });
const queryOf = (event: APIGatewayProxyEventV2) => Object.fromEntries(new URLSearchParams(event.rawQueryString ?? ''));

/** A CSV download; exporting people's figures is an action an admin can see in the audit log. */
async function csvExport(ctx: CounselorRouteContext, part: 'members' | 'weekly'): Promise<HttpResult> {
  const { principal } = ctx;
  const cohortId = ctx.params.cohortId!;
  const { csv, rows } = part === 'members' ? await cohortMembersCsv(pageDeps(ctx.services), principal, cohortId) : await cohortWeeklyCsv(pageDeps(ctx.services), principal, cohortId);
  await recordAudit({ counselors: ctx.services.counselors, clock: ctx.services.clock }, principal, 'report.export', { kind: 'cohort', id: cohortId }, { part, rows });
  const day = ctx.services.clock.now().toISOString().slice(0, 10);
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="cohort-${cohortId.replace(/[^A-Za-z0-9._-]/g, '_')}-${part}-${day}.csv"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
    body: csv,
  };
}

/** The counselors' emails by id, for "who noted this" on a member's page (colleagues in the same organisation). */
async function counselorNames(ctx: CounselorRouteContext): Promise<Map<string, string>> {
  return new Map((await ctx.services.counselors.listCounselors(ctx.principal.orgId)).map((c) => [c.counselorId, c.email]));
}

/** The dashboard's CSV upload: a multipart form with the file and the form token, bounded like the API's import. */
const readUpload = (event: APIGatewayProxyEventV2): Record<string, string> & { __file?: never } => {
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (body.length > MAX_CSV_BYTES + 64 * 1024) throw new BadRequest(`the file is larger than ${MAX_CSV_BYTES / 1024 / 1024} MB: split it into smaller files`);
  const type = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  if (!type.toLowerCase().startsWith('multipart/form-data')) throw new BadRequest('choose a file and press Upload');
  const parsed = parseMultipartForm(body, type, { files: ['file'] });
  if (!parsed.ok) throw new BadRequest(parsed.reason);
  uploads.set(event, parsed.files.file);
  return parsed.fields;
};
/** The uploaded file of a request, set by readUpload for the handler that follows it. */
const uploads = new WeakMap<APIGatewayProxyEventV2, Buffer | undefined>();

export const counselorDashboardRoutes: Route<CounselorServices>[] = [
  { method: 'GET', path: '/dashboard/sign-in', handler: async (ctx) => pages.signInPage({ base: basePath(ctx.services), hostedSignIn: ctx.services.counselorSignIn !== undefined }) },
  ...signInFlowRoutes,
  {
    method: 'POST',
    path: '/dashboard/sign-in',
    async handler(ctx) {
      if (crossSite(ctx.event)) return forbidden();
      const base = basePath(ctx.services);
      let fields: Record<string, string>;
      try {
        fields = formFields(ctx.event);
      } catch (error) {
        if (error instanceof BadRequest) return pages.signInPage({ base, status: 400, error: 'We could not read that form. Please paste your token again.' });
        throw error;
      }
      const parsed = SignInForm.safeParse(fields);
      if (!parsed.success) return pages.signInPage({ base, status: 400, error: 'That does not look like an access token. Paste the whole token, with nothing before or after it.' });
      const token = parsed.data.token;
      const principal = await accessOfToken(ctx.services, ctx.event, token);
      if (!principal) return pages.signInPage({ base, status: 401, error: 'That token was not accepted: it may have expired, or it is not of a counselor your organisation has. Ask your admin for a new one.' });
      ctx.log.info('counselor signed in', { orgId: principal.orgId, counselorId: principal.counselorId });
      return redirect(pages.dashboardPaths(base).home, { 'set-cookie': sessionCookie(ctx.services, token, sessionSeconds(token, ctx.services.clock.now())) });
    },
  },
  {
    method: 'POST',
    path: '/dashboard/sign-out',
    async handler(ctx) {
      if (crossSite(ctx.event)) return forbidden();
      const page = pages.signInPage({ base: basePath(ctx.services), signedOut: true });
      return { ...page, headers: { ...page.headers, 'set-cookie': sessionCookie(ctx.services, '', 0) } };
    },
  },
  counselorPage('/dashboard', async (ctx, base) => pages.cohortListPage({ base, principal: ctx.principal, cohorts: await cohortsWithCounts(pageDeps(ctx.services), ctx.principal) })),
  counselorPage('/dashboard/cohorts/:cohortId', async (ctx, base) => {
    const query = parseCohortPageQuery(queryOf(ctx.event));
    const view = await cohortPage(pageDeps(ctx.services), ctx.principal, ctx.params.cohortId!, query);
    return pages.cohortPage({ base, principal: ctx.principal, view, ...formTokenIn(ctx) });
  }),
  counselorPage('/dashboard/cohorts/:cohortId/members/:personId', async (ctx, base) => {
    const view = await viewMember(pageDeps(ctx.services), ctx.principal, ctx.params.cohortId!, ctx.params.personId!);
    const done = DoneQuery.safeParse(queryOf(ctx.event).done);
    return pages.memberPage({ base, principal: ctx.principal, view, counselorNames: await counselorNames(ctx), ...(done.success && done.data && { done: done.data }), ...formTokenIn(ctx) });
  }),
  counselorPage('/dashboard/cohorts/:cohortId/report.csv', (ctx) => csvExport(ctx, 'members')),
  counselorPage('/dashboard/cohorts/:cohortId/weekly.csv', (ctx) => csvExport(ctx, 'weekly')),

  counselorForm(
    '/dashboard/cohorts/:cohortId/import',
    async (ctx, base) => {
      const deps = cohortDeps(ctx.services);
      const cohort = await getCohort(deps, ctx.principal, ctx.params.cohortId!);
      const file = uploads.get(ctx.event);
      if (!file || file.length === 0) throw new DomainError('validation', 'Choose a CSV file to upload, then press Upload.');
      const report = await importCsv(deps, ctx.principal, cohort.cohortId, file);
      if (report.fileError) return pages.importReportPage({ base, principal: ctx.principal, cohort, report });
      // As the API's import: the first invitations now, the rest later; the dispatcher sends them at the providers' pace.
      const now = report.toInvite.slice(0, INLINE_INVITATIONS);
      const invitations = await sendInvitations(deps, ctx.principal, cohort.cohortId, now);
      return pages.importReportPage({ base, principal: ctx.principal, cohort, report: { ...report, invitations: { ...invitations, stillToInvite: report.toInvite.length - now.length } } });
    },
    { readForm: readUpload },
  ),
  counselorForm('/dashboard/cohorts/:cohortId/members/:personId/contacted', async (ctx, base) => {
    await markContacted(pageDeps(ctx.services), ctx.principal, ctx.params.cohortId!, ctx.params.personId!, { via: ctx.fields.via, ...(ctx.fields.note ? { note: ctx.fields.note } : {}) });
    return redirect(`${pages.dashboardPaths(base).member(ctx.params.cohortId!, ctx.params.personId!)}?done=contacted`);
  }),
  counselorForm('/dashboard/cohorts/:cohortId/members/:personId/resume', async (ctx, base) => {
    const { resumed } = await resumeMemberCoaching(pageDeps(ctx.services), ctx.principal, ctx.params.cohortId!, ctx.params.personId!);
    return redirect(`${pages.dashboardPaths(base).member(ctx.params.cohortId!, ctx.params.personId!)}?done=${resumed ? 'resumed' : 'not-held'}`);
  }),

  counselorRoute('GET', '/counselor/cohorts/:cohortId/report', async (ctx) => {
    const view = await cohortPage(pageDeps(ctx.services), ctx.principal, ctx.params.cohortId!, parseCohortPageQuery({ size: '10' }));
    const { cohort, figures, silent } = view;
    return json(200, { cohort: { cohortId: cohort.cohortId, name: cohort.name, season: cohort.season, archived: cohort.archived }, figures, silent });
  }),
  counselorRoute('GET', '/counselor/cohorts/:cohortId/report.csv', (ctx) => csvExport(ctx, 'members')),
  counselorRoute('GET', '/counselor/cohorts/:cohortId/weekly.csv', (ctx) => csvExport(ctx, 'weekly')),
  counselorRoute('GET', '/counselor/cohorts/:cohortId/members/:personId/timeline', async (ctx) => {
    const view = await viewMember(pageDeps(ctx.services), ctx.principal, ctx.params.cohortId!, ctx.params.personId!);
    return json(200, { personId: view.personId, firstName: view.firstName, consent: view.channels, supportHold: view.supportHold, timeline: view.timeline });
  }),
];
