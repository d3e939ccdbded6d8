import type { CounselorServices } from '../../shared/adapters/counselor-services';
import { readAudit, recordAudit } from '../../shared/app/counselors/audit';
import { addCounselor } from '../../shared/app/cohorts/add-counselor';
import { changeCounselorRole } from '../../shared/app/cohorts/change-counselor-role';
import { addMembers } from '../../shared/app/cohorts/add-members';
import { createCohort } from '../../shared/app/cohorts/create-cohort';
import { eraseMember } from '../../shared/app/cohorts/erase-member';
import { getCohort, listCohorts } from '../../shared/app/cohorts/get-cohort';
import { listCounselors } from '../../shared/app/cohorts/list-counselors';
import { removeMember } from '../../shared/app/cohorts/remove-member';
import { sendInvitations } from '../../shared/app/cohorts/send-invitations';
import { updateCohort } from '../../shared/app/cohorts/update-cohort';
import type { CohortDeps } from '../../shared/app/cohorts/deps';
import { MAX_CSV_BYTES, importCsv } from '../../shared/app/cohorts/csv-import';
import { cohortPage, parseCohortPageQuery } from '../../shared/app/members/cohort-page';
import { markContacted } from '../../shared/app/members/mark-contacted';
import { viewMember } from '../../shared/app/members/member-page';
import { resumeMemberCoaching } from '../../shared/app/members/resume-member-coaching';
import { removeCounselorEverywhere } from '../../shared/app/counselors/counselor-removal';
import { updateCounselorSettings } from '../../shared/app/counselors/counselor-settings';
import { CounselorSettings } from '../../shared/domain/counselor';
import { DomainError } from '../../shared/domain/errors';
import { counselorRoute } from '../counselor-access';
import { notSentFromHere } from '../../shared/adapters/not-sent-from-here';
import { json, problemAsJson } from '../http';
import { requestHeader } from '../request';
import type { Route, RouteContext } from '../router';

/**
 * The counselor API, JSON under /counselor/. Every route goes through counselorRoute
 * (functions/counselor-access.ts): 401 without the token of a counselor the org still has, 403 on
 * admin routes for others; the caller's org comes from the token, so a cohort or member of another
 * org is "not found" (404).
 */

/**
 * What the member use cases need. This function sends nothing (invitations are queued for the
 * dispatcher) and holds no provider credentials, so its senders refuse loudly: a use case that
 * started sending from here would fail its request (nothing half done) and its tests.
 */
export const cohortDeps = (services: CounselorServices): CohortDeps => ({
  store: services.store,
  counselors: services.counselors,
  engagement: services.engagement,
  email: notSentFromHere,
  sms: notSentFromHere,
  clock: services.clock,
  log: services.log,
  tokenSecret: services.tokenSecret,
  publicBaseUrl: services.publicBaseUrl,
  postalAddress: services.postalAddress,
});

/** Invitations queued within an import request (a few writes each); API Gateway gives a request 29 seconds. */
export const INLINE_INVITATIONS = 200;

/** A JSON member list of 500 fits well within this. */
const MAX_JSON_BYTES = 1024 * 1024;

function body(ctx: RouteContext<CounselorServices>, limit: number): Buffer {
  const raw = ctx.event.body ?? '';
  const bytes = ctx.event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > limit) throw new TooLarge(limit);
  return bytes;
}
/** A 413 through the one error mapper, with the limit named. */
class TooLarge extends DomainError {
  constructor(readonly limit: number) {
    super('too_large', `the request body is larger than ${limit / 1024 / 1024} MB`);
  }
}

function jsonBody(ctx: RouteContext<CounselorServices>): unknown {
  const type = requestHeader(ctx.event, 'content-type').toLowerCase();
  if (!type.startsWith('application/json')) throw new DomainError('validation', 'send JSON (content-type: application/json)');
  try {
    return JSON.parse(body(ctx, MAX_JSON_BYTES).toString('utf8'));
  } catch (error) {
    if (error instanceof TooLarge) throw error;
    throw new DomainError('validation', 'the body is not valid JSON');
  }
}

export const counselorRoutes: Route<CounselorServices>[] = [
  counselorRoute('GET', '/counselor/me', async ({ services, principal }) => {
    const [counselor, org] = await Promise.all([
      services.counselors.getCounselor(principal.orgId, principal.counselorId),
      services.counselors.getOrganisation(principal.orgId),
    ]);
    return json(200, { counselor: counselor && { ...counselor, role: principal.role }, organisation: org ?? { orgId: principal.orgId } });
  }),

  counselorRoute(
    'PUT',
    '/counselor/me/settings',
    async (ctx) => {
      const parsed = CounselorSettings.partial().strict().safeParse(jsonBody(ctx));
      if (!parsed.success) return problemAsJson({ status: 400, code: 'validation', message: 'settings are crisisAlerts and weeklyDigest, each true or false' });
      return json(200, { settings: await updateCounselorSettings(ctx.services, ctx.principal, parsed.data) });
    },
  ),

  counselorRoute('GET', '/counselor/cohorts', async ({ services, principal }) => json(200, { cohorts: await listCohorts(services, principal) })),

  counselorRoute(
    'POST',
    '/counselor/cohorts',
    async (ctx) => json(201, { cohort: await createCohort(cohortDeps(ctx.services), ctx.principal, jsonBody(ctx)) }),
  ),

  counselorRoute('GET', '/counselor/cohorts/:cohortId', async ({ services, principal, params }) =>
    json(200, { cohort: await getCohort(services, principal, params.cohortId!) }),
  ),

  counselorRoute(
    'PUT',
    '/counselor/cohorts/:cohortId',
    async (ctx) => json(200, { cohort: await updateCohort(cohortDeps(ctx.services), ctx.principal, ctx.params.cohortId!, jsonBody(ctx)) }),
  ),

  // A page of members at a time (filters and exact search as on the dashboard): a cohort of any size costs a page.
  counselorRoute('GET', '/counselor/cohorts/:cohortId/members', async ({ services, principal, params, event }) => {
    const query = parseCohortPageQuery(Object.fromEntries(new URLSearchParams(event.rawQueryString ?? '')));
    const view = await cohortPage(services, principal, params.cohortId!, query);
    return json(200, { members: view.rows, ...(view.next && { next: view.next }), ...(view.search && { search: view.search }) });
  }),

  counselorRoute('GET', '/counselor/cohorts/:cohortId/members/:personId', async ({ services, principal, params }) => {
    const { cohort, ...view } = await viewMember(services, principal, params.cohortId!, params.personId!);
    return json(200, { member: { ...view, cohortId: cohort.cohortId } });
  }),

  counselorRoute('POST', '/counselor/cohorts/:cohortId/members/:personId/contacted', async (ctx) =>
    json(200, { contacted: await markContacted(ctx.services, ctx.principal, ctx.params.cohortId!, ctx.params.personId!, jsonBody(ctx)) }),
  ),

  counselorRoute('POST', '/counselor/cohorts/:cohortId/members/:personId/resume', async ({ services, principal, params }) =>
    json(200, await resumeMemberCoaching(services, principal, params.cohortId!, params.personId!)),
  ),

  counselorRoute(
    'POST',
    '/counselor/cohorts/:cohortId/members',
    async (ctx) => json(200, await addMembers(cohortDeps(ctx.services), ctx.principal, ctx.params.cohortId!, jsonBody(ctx))),
  ),

  counselorRoute(
    'POST',
    '/counselor/cohorts/:cohortId/import',
    async (ctx) => {
      const deps = cohortDeps(ctx.services);
      // The cohort is checked before the body: another org's id is a 404 whatever was sent.
      await getCohort(deps, ctx.principal, ctx.params.cohortId!);
      const type = requestHeader(ctx.event, 'content-type').toLowerCase();
      if (type && !type.startsWith('text/csv') && !type.startsWith('text/plain') && !type.startsWith('application/octet-stream')) {
        return problemAsJson({ status: 415, code: 'unsupported_media_type', message: 'send the CSV file itself as the body (content-type: text/csv)' });
      }
      const report = await importCsv(deps, ctx.principal, ctx.params.cohortId!, body(ctx, MAX_CSV_BYTES));
      if (report.fileError) return json(400, { error: 'bad_file', message: report.fileError, rows: [], summary: report.summary });
      // Queueing a large file's invitations would outlast the request: the first ones are queued
      // now, the rest with POST .../invitations (or `matchcoach import`, which queues them all).
      // The dispatcher sends what is queued at the providers' pace.
      const now = report.toInvite.slice(0, INLINE_INVITATIONS);
      const invitations = await sendInvitations(deps, ctx.principal, ctx.params.cohortId!, now);
      const { toInvite, ...rest } = report;
      return json(200, { ...rest, invitations: { ...invitations, stillToInvite: toInvite.length - now.length } });
    },
  ),

  counselorRoute('POST', '/counselor/cohorts/:cohortId/invitations', async ({ services, principal, params }) =>
    json(200, { invitations: await sendInvitations(cohortDeps(services), principal, params.cohortId!) }),
  ),

  counselorRoute('DELETE', '/counselor/cohorts/:cohortId/members/:personId', async ({ services, principal, params }) =>
    json(200, { removed: true, ...(await removeMember(cohortDeps(services), principal, params.cohortId!, params.personId!)) }),
  ),

  counselorRoute('POST', '/counselor/cohorts/:cohortId/members/:personId/erase', async ({ services, principal, params }) =>
    json(200, { erased: true, ...(await eraseMember(cohortDeps(services), principal, params.cohortId!, params.personId!)) }),
  ),

  counselorRoute('GET', '/counselor/audit', async ({ services, principal, event }) => {
    const limit = Number(new URLSearchParams(event.rawQueryString ?? '').get('limit') ?? 200);
    return json(200, { entries: await readAudit(services, principal, Number.isFinite(limit) ? limit : 200) });
  }, { admin: true }),

  counselorRoute('GET', '/counselor/counselors', async ({ services, principal }) => json(200, { counselors: await listCounselors(services, principal) }), { admin: true }),

  counselorRoute(
    'POST',
    '/counselor/counselors',
    async (ctx) => {
      const { counselor, created } = await addCounselor(ctx.services, ctx.principal, jsonBody(ctx));
      return json(created ? 201 : 200, { counselor, created });
    },
    { admin: true },
  ),

  counselorRoute(
    'PUT',
    '/counselor/counselors/:counselorId',
    async (ctx) => json(200, { counselor: await changeCounselorRole(ctx.services, ctx.principal, ctx.params.counselorId!, jsonBody(ctx)) }),
    { admin: true },
  ),

  counselorRoute(
    'DELETE',
    '/counselor/counselors/:counselorId',
    async ({ services, principal, params }) => {
      const { accounts } = await removeCounselorEverywhere({ counselors: services.counselors, accounts: services.counselorAccounts, clock: services.clock, log: services.log }, principal, params.counselorId!);
      return json(200, { removed: true, accountsDisabled: accounts });
    },
    { admin: true },
  ),
];
