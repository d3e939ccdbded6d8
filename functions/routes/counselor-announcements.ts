import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import type { CounselorServices } from '../../shared/adapters/counselor-services';
import { previewAnnouncement, sendAnnouncement, type AnnounceDeps } from '../../shared/app/announcements/announce';
import { DomainError, describeIssues } from '../../shared/domain/errors';
import * as pages from '../../web/announcement-pages';
import { counselorForm, counselorPage, counselorRoute, formTokenOf, type CounselorRouteContext } from '../counselor-access';
import { json } from '../http';
import { BadRequest, rawBody, requestHeader } from '../request';
import type { Route } from '../router';

/**
 * Announcements to members (admins only): JSON under /counselor/announcements, and the dashboard's
 * three steps (write, preview, send) under /dashboard/announcements. Through counselor-access like
 * every counselor route: 401 without a current counselor, 403 for a counselor who is not an
 * admin, another organisation's cohort not found.
 */

const depsOf = (services: CounselorServices): AnnounceDeps => ({
  store: services.store,
  counselors: services.counselors,
  clock: services.clock,
  log: services.log,
  ...(services.smsCountryCodes && { smsCountryCodes: services.smsCountryCodes }),
});

/** The JSON body: the announcement, and to carry a large send on, the id of the one begun. */
const SendBody = z.object({ announcementId: z.uuid().optional() }).passthrough();

function jsonOf(event: APIGatewayProxyEventV2): unknown {
  if (!requestHeader(event, 'content-type').toLowerCase().startsWith('application/json')) throw new DomainError('validation', 'send JSON (content-type: application/json)');
  try {
    return JSON.parse(rawBody(event).toString('utf8'));
  } catch (error) {
    if (error instanceof BadRequest) throw new DomainError('too_large', error.message);
    throw new DomainError('validation', 'the body is not valid JSON');
  }
}

/** The form, read as it was sent: the cohorts and visa tracks are repeated fields. */
function readDraftForm(event: APIGatewayProxyEventV2): Record<string, string> {
  const type = requestHeader(event, 'content-type').toLowerCase();
  if (type !== '' && !type.startsWith('application/x-www-form-urlencoded')) throw new BadRequest('expected a form');
  const params = new URLSearchParams(rawBody(event).toString('utf8'));
  return { ...Object.fromEntries(params), cohort: params.getAll('cohort').join('\n'), visa: params.getAll('visa').join('\n') };
}

const DraftForm = z.object({
  text: z.string().max(4000).default(''),
  subject: z.string().max(400).default(''),
  details: z.string().max(8000).default(''),
  cohort: z.string().max(4000).default(''),
  visa: z.string().max(200).default(''),
  countries: z.string().max(200).default(''),
  seasons: z.string().max(100).default(''),
  channel: z.enum(['both', 'sms', 'whatsapp', 'email']).default('both'),
  edit: z.literal('yes').optional(),
  announcementId: z.uuid().optional(),
});

function draftOf(fields: Record<string, string>): pages.AnnouncementDraft & { edit?: boolean; announcementId?: string } {
  const parsed = DraftForm.safeParse(fields);
  if (!parsed.success) throw new DomainError('validation', describeIssues(parsed.error.issues));
  const f = parsed.data;
  const lines = (s: string) => s.split('\n').map((x) => x.trim()).filter(Boolean);
  return {
    text: f.text,
    subject: f.subject,
    details: f.details,
    cohortIds: lines(f.cohort),
    visaTracks: lines(f.visa),
    countries: f.countries,
    seasons: f.seasons,
    channel: f.channel,
    ...(f.edit && { edit: true }),
    ...(f.announcementId && { announcementId: f.announcementId }),
  };
}

const tokenOf = (ctx: CounselorRouteContext) => {
  const token = formTokenOf(ctx.services, ctx.event, ctx.principal);
  return token ? { formToken: token } : {};
};

export const counselorAnnouncementRoutes: Route<CounselorServices>[] = [
  counselorRoute('POST', '/counselor/announcements/preview', async (ctx) =>
    json(200, { preview: await previewAnnouncement(depsOf(ctx.services), { kind: 'organisation', principal: ctx.principal }, jsonOf(ctx.event)) }),
  { admin: true }),

  counselorRoute('POST', '/counselor/announcements', async (ctx) => {
    const body = jsonOf(ctx.event);
    const parsed = SendBody.safeParse(body);
    if (!parsed.success) throw new DomainError('validation', describeIssues(parsed.error.issues));
    const { announcementId, ...input } = parsed.data;
    return json(200, { sent: await sendAnnouncement(depsOf(ctx.services), { kind: 'organisation', principal: ctx.principal }, input, { ...(announcementId && { announcementId }) }) });
  }, { admin: true }),

  counselorPage('/dashboard/announcements', async (ctx, base) => {
    if (ctx.principal.role !== 'admin') throw new DomainError('forbidden', 'Only an admin of your organisation can send announcements.');
    return pages.announcementFormPage({ base, principal: ctx.principal, cohorts: await ctx.services.counselors.listCohorts(ctx.principal.orgId), ...tokenOf(ctx) });
  }),

  counselorForm('/dashboard/announcements/preview', async (ctx, base) => {
    const draft = draftOf(ctx.fields);
    const cohorts = await ctx.services.counselors.listCohorts(ctx.principal.orgId);
    if (draft.edit) return pages.announcementFormPage({ base, principal: ctx.principal, cohorts, draft, ...tokenOf(ctx) });
    try {
      const preview = await previewAnnouncement(depsOf(ctx.services), { kind: 'organisation', principal: ctx.principal }, pages.draftToInput(draft));
      return pages.announcementPreviewPage({ base, principal: ctx.principal, draft, preview, ...tokenOf(ctx) });
    } catch (error) {
      // A problem with what was written: the form again, with it and what to change.
      if (error instanceof DomainError && error.code === 'validation') return pages.announcementFormPage({ base, principal: ctx.principal, cohorts, draft, error: error.message, status: 400, ...tokenOf(ctx) });
      throw error;
    }
  }, { admin: true, readForm: readDraftForm }),

  counselorForm('/dashboard/announcements/send', async (ctx, base) => {
    const draft = draftOf(ctx.fields);
    const sent = await sendAnnouncement(depsOf(ctx.services), { kind: 'organisation', principal: ctx.principal }, pages.draftToInput(draft), { ...(draft.announcementId && { announcementId: draft.announcementId }) });
    return pages.announcementSentPage({ base, principal: ctx.principal, draft, sent, ...tokenOf(ctx) });
  }, { admin: true, readForm: readDraftForm }),
];
