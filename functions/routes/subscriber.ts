import * as z from 'zod';
import type { Services } from '../../shared/adapters/services';
import { SnsEnvelope } from '../../shared/adapters/sns';
import { receiveSesNotification } from '../../shared/app/subscription/ses-notifications';
import { confirmEmail, peekConfirmation } from '../../shared/app/subscription/confirm-email';
import { offersWhatsApp, preferencesUrl, type InvalidLink, type SubscriptionDeps } from '../../shared/app/subscription/deps';
import { checkPreferencesLink, eraseMyData } from '../../shared/app/subscription/erase-my-data';
import { formEcho, seasonChoices } from '../../shared/app/subscription/form-fields';
import { updatePreferences } from '../../shared/app/subscription/save-preferences';
import { subscribe } from '../../shared/app/subscription/sign-up';
import { checkUnsubscribeLink, unsubscribe } from '../../shared/app/subscription/unsubscribe';
import { viewPreferences } from '../../shared/app/subscription/view-preferences';
import { calendarFeed, resetCalendarLink } from '../../shared/app/my-plan/calendar-feed';
import { errorLogFields } from '../../shared/domain/errors';
import type { Logger } from '../../shared/ports';
import { answerJoinRequest, viewJoinRequest, type JoinDeps } from '../../shared/app/organisations/join-request';
import { chooseOrganisation } from '../../shared/app/organisations/organisations-of-person';
import * as pages from '../../web/pages';
import { errorJson, json, problemAsJson } from '../http';
import { BadRequest, formFields } from '../request';
import type { HttpResult, Route, RouteContext } from '../router';

/**
 * What a person reaches by email and browser (pages from web/), and SES's bounce and complaint
 * events. Public addresses (they go into provider consoles, keep them stable): `/`, `/subscribe`,
 * `/check-your-inbox`, `/confirm/<token>`, `/preferences/<token>`, `/unsubscribe/<token>`,
 * `/calendar/<token>.ics`, `POST /webhooks/ses`. Every route: parse, one use case, one page.
 */

const depsOf = (services: Services, log: Logger): SubscriptionDeps => ({
  store: services.store,
  email: services.email,
  sms: services.sms,
  clock: services.clock,
  log,
  tokenSecret: services.tokenSecret,
  publicBaseUrl: services.publicBaseUrl,
  postalAddress: services.settings.postalAddress,
  counselors: services.counselors,
  engagement: services.engagement,
  ...(services.smsCountryCodes && { smsCountryCodes: services.smsCountryCodes }),
  ...(services.publicForms && { publicForms: services.publicForms }),
  ...(services.whatsapp && services.whatsappSetup && { whatsapp: services.whatsapp, whatsappSetup: services.whatsappSetup }),
});

/** Real time, whatever the services' clock says: the floor is about what a caller can measure. */
const waitUntil = (deadline: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())));

const joinDepsOf = (services: Services, log: Logger): JoinDeps => ({
  store: services.store,
  counselors: services.counselors,
  engagement: services.engagement,
  clock: services.clock,
  log,
  tokenSecret: services.tokenSecret,
});

/** The form, or the page that says it could not be read (nothing changes either way). */
function readForm(ctx: RouteContext): Record<string, string> | HttpResult {
  try {
    return formFields(ctx.event);
  } catch (error) {
    if (error instanceof BadRequest) return pages.badFormPage(error.message);
    throw error;
  }
}
const isResult = (value: object): value is HttpResult => typeof (value as HttpResult).statusCode === 'number';
const linkProblem = (outcome: InvalidLink) => pages.linkProblemPage(outcome.reason);

/** SNS's own limit is 256 KB per message; the envelope adds a little. */
const MAX_SNS_BYTES = 300 * 1024;

const ConfirmForm = z.object({ confirm: z.literal('yes') });
const JoinForm = z.object({ answer: z.enum(['yes', 'no']), share_email: z.literal('yes').optional(), share_phone: z.literal('yes').optional() });
const PreferencesAction = z.object({ action: z.enum(['save', 'delete', 'delete-confirmed', 'reset-calendar', 'stop-sharing', 'start-sharing']) });
/** The confirmation page's calendar link: the preference centre's calendar section (its buttons subscribe). */
const calendarSectionUrl = (deps: SubscriptionDeps, personId: string) => `${preferencesUrl(deps, personId)}#calendar`;
/** RFC 8058's body, or the button on our own page. */
const UnsubscribeForm = z.union([z.object({ 'List-Unsubscribe': z.literal('One-Click') }), z.object({ unsubscribe: z.literal('page') })]);

const text = (statusCode: number, body: string): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
  body,
});

export const subscriberRoutes: Route[] = [
  {
    method: 'GET',
    path: '/',
    handler: async ({ services, log }) => pages.signupPage({ seasons: seasonChoices(services.clock.now()), whatsappOffered: offersWhatsApp(depsOf(services, log)) }),
  },
  {
    method: 'POST',
    path: '/subscribe',
    async handler(ctx) {
      const fields = readForm(ctx);
      if (isResult(fields)) return fields;
      const started = Date.now();
      const outcome = await subscribe(depsOf(ctx.services, ctx.log), fields, { address: ctx.event.requestContext?.http?.sourceIp ?? 'unknown' });
      if (outcome.status === 'invalid') {
        return pages.signupPage({
          status: 400,
          values: formEcho(fields),
          errors: outcome.errors,
          seasons: seasonChoices(ctx.services.clock.now()),
          whatsappOffered: offersWhatsApp(depsOf(ctx.services, ctx.log)),
          ...(outcome.proposedWhatsApp && { proposedWhatsApp: true }),
        });
      }
      if (outcome.status === 'too-many') return pages.tooManySignUpsPage();
      // Whoever the address belongs to, the answer takes the same time: new people's work (a
      // person created, an email sent) is the slow path, and the floor is set above it.
      await waitUntil(started + (ctx.services.publicForms?.responseFloorMs ?? 0));
      // Post/redirect/get: a reload does not send the form again. Same answer for every address.
      return { statusCode: 303, headers: { location: 'check-your-inbox', 'cache-control': 'no-store' }, body: '' };
    },
  },
  { method: 'GET', path: '/check-your-inbox', handler: async () => pages.checkInboxPage() },
  {
    method: 'GET',
    path: '/confirm/:token',
    async handler(ctx) {
      const deps = depsOf(ctx.services, ctx.log);
      const outcome = await peekConfirmation(deps, ctx.params.token!);
      if (outcome.status === 'invalid-link') return linkProblem(outcome);
      if (outcome.status === 'not-pending') return pages.notPendingPage();
      // A link used before hands out nothing: the preferences link went with the first press.
      if (outcome.status === 'already-confirmed') return pages.confirmedPage({ already: true });
      return pages.confirmPromptPage();
    },
  },
  {
    method: 'POST',
    path: '/confirm/:token',
    async handler(ctx) {
      const fields = readForm(ctx);
      if (isResult(fields)) return fields;
      if (!ConfirmForm.safeParse(fields).success) return pages.badFormPage('The confirmation button was not pressed.');
      const deps = depsOf(ctx.services, ctx.log);
      const outcome = await confirmEmail(deps, ctx.params.token!);
      if (outcome.status === 'invalid-link') return linkProblem(outcome);
      if (outcome.status === 'not-pending') return pages.notPendingPage();
      if (outcome.status === 'already-confirmed') return pages.confirmedPage({ already: true });
      return pages.confirmedPage({
        already: false,
        links: { preferencesUrl: preferencesUrl(deps, outcome.personId), calendarUrl: calendarSectionUrl(deps, outcome.personId) },
        ...(outcome.orgName && { orgName: outcome.orgName }),
      });
    },
  },
  {
    method: 'GET',
    path: '/join/:token',
    async handler(ctx) {
      const view = await viewJoinRequest(joinDepsOf(ctx.services, ctx.log), ctx.params.token!);
      return view.status === 'invalid-link' ? linkProblem(view) : pages.joinPage(view);
    },
  },
  {
    method: 'POST',
    path: '/join/:token',
    async handler(ctx) {
      const fields = readForm(ctx);
      if (isResult(fields)) return fields;
      const answer = JoinForm.safeParse(fields);
      if (!answer.success) return pages.badFormPage('Choose yes or no.');
      const yes = answer.data.answer === 'yes';
      const share = yes ? { email: answer.data.share_email === 'yes', phone: answer.data.share_phone === 'yes' } : {};
      const view = await answerJoinRequest(joinDepsOf(ctx.services, ctx.log), ctx.params.token!, yes ? 'accepted' : 'declined', share);
      if (view.status === 'invalid-link') return linkProblem(view);
      return pages.joinPage(view);
    },
  },
  {
    method: 'GET',
    path: '/preferences/:token',
    async handler(ctx) {
      const outcome = await viewPreferences(depsOf(ctx.services, ctx.log), ctx.params.token!);
      return outcome.status === 'ok' ? pages.preferencesPage({ view: outcome.view }) : linkProblem(outcome);
    },
  },
  {
    method: 'POST',
    path: '/preferences/:token',
    async handler(ctx) {
      const fields = readForm(ctx);
      if (isResult(fields)) return fields;
      const action = PreferencesAction.safeParse(fields);
      if (!action.success) return pages.badFormPage('The form did not say what to do.');
      const deps = depsOf(ctx.services, ctx.log);
      const token = ctx.params.token!;
      if (action.data.action === 'delete') {
        const check = await checkPreferencesLink(deps, token);
        return check.status === 'ok' ? pages.deleteConfirmPage() : linkProblem(check);
      }
      if (action.data.action === 'delete-confirmed') {
        const erased = await eraseMyData(deps, token);
        return erased.status === 'erased' ? pages.erasedPage() : linkProblem(erased);
      }
      if (action.data.action === 'stop-sharing' || action.data.action === 'start-sharing') {
        const chosen = await chooseOrganisation(joinDepsOf(ctx.services, ctx.log), token, fields);
        if (chosen.status === 'invalid-link') return linkProblem(chosen);
        if (chosen.status === 'invalid') return pages.badFormPage('The form did not say which organisation.');
        const view = await viewPreferences(deps, token);
        return view.status === 'ok' ? pages.preferencesPage({ view: view.view }) : linkProblem(view);
      }
      if (action.data.action === 'reset-calendar') {
        const reset = await resetCalendarLink(deps, token);
        if (reset.status !== 'reset') return linkProblem(reset);
        const view = await viewPreferences(deps, token);
        return view.status === 'ok' ? pages.preferencesPage({ view: view.view, calendarReset: true }) : linkProblem(view);
      }
      const outcome = await updatePreferences(deps, token, fields, { address: ctx.event.requestContext?.http?.sourceIp ?? 'unknown' });
      if (outcome.status === 'invalid-link') return linkProblem(outcome);
      if (outcome.status === 'invalid') return pages.preferencesPage({ status: 400, view: outcome.view, errors: outcome.errors, values: formEcho(fields) });
      return pages.preferencesPage({ view: outcome.view, saved: true, notes: outcome.notes });
    },
  },
  {
    method: 'GET',
    path: '/unsubscribe/:token',
    async handler(ctx) {
      const check = await checkUnsubscribeLink(depsOf(ctx.services, ctx.log), ctx.params.token!);
      return check.status === 'ok' ? pages.unsubscribePromptPage() : linkProblem(check);
    },
  },
  {
    method: 'POST',
    path: '/unsubscribe/:token',
    async handler(ctx) {
      const fields = readForm(ctx);
      if (isResult(fields)) return fields;
      const form = UnsubscribeForm.safeParse(fields);
      if (!form.success) return pages.badFormPage('Expected List-Unsubscribe=One-Click (RFC 8058) or the button on this page.');
      const deps = depsOf(ctx.services, ctx.log);
      const source = 'List-Unsubscribe' in form.data ? 'one-click' : 'unsubscribe-page';
      const outcome = await unsubscribe(deps, ctx.params.token!, source);
      if (outcome.status === 'invalid-link') return linkProblem(outcome);
      // RFC 8058: 200, no redirect, whatever state the person was in.
      return pages.unsubscribedPage({
        already: outcome.status === 'already-unsubscribed',
        ...(outcome.personId && { preferencesUrl: preferencesUrl(deps, outcome.personId) }),
      });
    },
  },
  {
    method: 'GET',
    path: '/calendar/:file',
    async handler(ctx) {
      const file = ctx.params.file!;
      if (!file.endsWith('.ics')) return text(404, 'Not found.');
      const outcome = await calendarFeed({ ...depsOf(ctx.services, ctx.log) }, file.slice(0, -'.ics'.length));
      if (outcome.status !== 'ok') {
        return text(outcome.reason === 'expired' ? 410 : outcome.reason === 'unknown_person' ? 404 : 400, 'This calendar link does not work. Open your Match Coach preferences for a fresh one.');
      }
      return {
        statusCode: 200,
        headers: {
          'content-type': 'text/calendar; charset=utf-8',
          'content-disposition': 'inline; filename="match-coach.ics"',
          // Calendar apps poll; the feed is personal, so only the person's own app may cache it.
          'cache-control': 'private, max-age=3600',
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'no-referrer',
        },
        body: outcome.ics,
      };
    },
  },
  { method: 'POST', path: '/webhooks/ses', handler: (ctx) => sesWebhook(ctx) },
];

/**
 * SES events through SNS (shared/app/subscription/ses-notifications.ts decides; here the body is
 * read and the outcome answered). SNS messages may reach 256 KB, more than a form may (request.ts); this
 * bound is SNS's own.
 */
async function sesWebhook(ctx: RouteContext): Promise<HttpResult> {
  const { sesEvents } = ctx.services;
  const raw = ctx.event.body ? Buffer.from(ctx.event.body, ctx.event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  if (raw.length > MAX_SNS_BYTES) return problemAsJson({ status: 413, code: 'payload_too_large', message: 'an SNS message is at most 256 KB' });
  let envelope: SnsEnvelope;
  try {
    const parsed = SnsEnvelope.safeParse(JSON.parse(raw.toString('utf8')));
    if (!parsed.success) return problemAsJson({ status: 400, code: 'bad_request', message: 'expected an Amazon SNS message' });
    envelope = parsed.data;
  } catch (error) {
    if (error instanceof SyntaxError) return problemAsJson({ status: 400, code: 'bad_request', message: 'expected an Amazon SNS message (JSON)' });
    throw error;
  }
  const received = await receiveSesNotification(
    { sns: sesEvents.sns, ...(sesEvents.topicArn !== undefined && { topicArn: sesEvents.topicArn }), acceptUnsigned: sesEvents.acceptUnsigned, store: ctx.services.store, clock: ctx.services.clock, log: ctx.log },
    envelope,
  );
  switch (received.kind) {
    case 'refused':
      return problemAsJson({ status: 403, code: 'forbidden', message: 'missing or invalid SNS signature, or a message too old to accept' });
    case 'not_our_topic':
      return problemAsJson({ status: 400, code: 'bad_request', message: 'not the SES events topic' });
    case 'subscription_not_ours':
      return problemAsJson({ status: 400, code: 'bad_request', message: 'subscriptions are confirmed only for the configured SES events topic' });
    case 'subscribe_url_not_sns':
      return problemAsJson({ status: 400, code: 'bad_request', message: 'SubscribeURL must be an https URL on an SNS host' });
    case 'subscription_not_confirmed':
      return problemAsJson({ status: 502, code: 'upstream', message: 'could not confirm the subscription with SNS; it can be retried' });
    case 'subscribed':
      return json(200, { status: 'subscribed' });
    case 'unsubscribe_ignored':
      return json(200, { status: 'ignored' });
    case 'message_not_json':
      return problemAsJson({ status: 400, code: 'bad_request', message: 'the SNS Message is not JSON' });
    case 'event_not_understood':
      return problemAsJson({ status: 400, code: 'bad_request', message: received.message });
    case 'event':
      return json(200, received.outcome);
  }
}
