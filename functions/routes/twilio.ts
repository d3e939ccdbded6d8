import * as z from 'zod';
import { recordDeliveryStatus } from '../../shared/app/dispatch/delivery-status';
import { handleWhatsAppRefusal } from '../../shared/app/dispatch/whatsapp-refusals';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import { handleInboundSms, MESSAGE_SID } from '../../shared/app/inbound/inbound-sms';
import { describeIssues } from '../../shared/domain/errors';
import { isSignedByTwilio } from '../../shared/domain/twilio-signature';
import { alertCounselorsOfCrisis } from '../../shared/app/counselors/counselor-alerts';
import { alertDepsOf } from '../counselor-alert-deps';
import { json, problemAsJson } from '../http';
import { BadRequest, formFields, publicUrlOf, requestHeader } from '../request';
import type { HttpResult, Route, RouteContext } from '../router';

/**
 * Twilio's webhooks: inbound texts and WhatsApp messages (one route: Twilio's `From` says which,
 * `whatsapp:+E164`; answered with TwiML on the same channel) and delivery status callbacks (with
 * WhatsApp's refusals, 63016, 63003 and 63024, among them). Both are
 * checked against X-Twilio-Signature over the public URL Twilio called before anything else
 * happens (docs/rules.md: missing or wrong, 403 and no side effect). Extra Twilio parameters are
 * tolerated: Twilio adds fields over time, and the signature covers them all anyway.
 */

const sid = z.string().regex(MESSAGE_SID, 'expected a Twilio MessageSid');

const InboundForm = z.object({
  MessageSid: sid,
  From: z.string().min(1).max(64),
  To: z.string().min(1).max(64),
  // A picture with no words comes with an empty (or, from some clients, no) Body.
  Body: z.string().default(''),
});

const StatusForm = z.object({
  MessageSid: sid,
  MessageStatus: z.string().min(1).max(32),
  ErrorCode: z
    .string()
    .regex(/^\d{1,6}$/, 'expected a numeric Twilio error code')
    .transform(Number)
    .optional(),
});

/** Our ids, put in the callback URL by the dispatcher (shared/adapters/services.ts). */
const StatusQuery = z.object({ p: z.string().min(1).max(200), m: z.string().min(1).max(400) });

const forbidden = (): HttpResult => problemAsJson({ status: 403, code: 'forbidden', message: 'missing or invalid X-Twilio-Signature' });
const badRequest = (message: string): HttpResult => problemAsJson({ status: 400, code: 'bad_request', message });

/** The form Twilio posted, if and only if Twilio signed it; otherwise the 403 to answer. */
async function signedForm(ctx: RouteContext): Promise<Record<string, string> | HttpResult> {
  const signature = requestHeader(ctx.event, 'x-twilio-signature');
  if (!signature) return forbidden();
  let params: Record<string, string>;
  try {
    params = formFields(ctx.event);
  } catch (error) {
    // Twilio posts forms: a body we cannot read as one cannot carry a signature we could check.
    if (error instanceof BadRequest) return forbidden();
    throw error;
  }
  const valid = isSignedByTwilio(await ctx.services.twilioAuthToken(), signature, publicUrlOf(ctx.event, ctx.services.publicBaseUrl), params);
  if (!valid) {
    ctx.log.warn('twilio signature rejected', { path: ctx.event.rawPath });
    return forbidden();
  }
  return params;
}

const isResult = (value: Record<string, string> | HttpResult): value is HttpResult => typeof (value as HttpResult).statusCode === 'number';

/** Characters XML 1.0 cannot carry at all, even escaped. */
const NOT_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function twimlResponse(replies: readonly string[]): HttpResult {
  const messages = replies.map((reply) => `<Message>${escapeXml(reply)}</Message>`).join('');
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/xml; charset=utf-8', 'cache-control': 'no-store' },
    body: `<?xml version="1.0" encoding="UTF-8"?><Response>${messages}</Response>`,
  };
}

export const twilioRoutes: Route[] = [
  {
    method: 'POST',
    path: '/webhooks/twilio/sms',
    async handler(ctx) {
      const form = await signedForm(ctx);
      if (isResult(form)) return form;
      const parsed = InboundForm.safeParse(form);
      if (!parsed.success) return badRequest(describeIssues(parsed.error.issues));
      const { MessageSid, From, To, Body } = parsed.data;
      const { replies } = await handleInboundSms(
        {
          store: ctx.services.store,
          clock: ctx.services.clock,
          log: ctx.log,
          helpAddress: ctx.services.helpAddress,
          // Counselors: the person's counselors hear of a crisis flag at once.
          onCrisisFlag: (flag) => alertCounselorsOfCrisis(alertDepsOf(ctx.services, ctx.log), flag),
          memberships: ctx.services.counselors,
          signUpUrl: `${ctx.services.publicBaseUrl}/`,
          ...(ctx.services.whatsappSetup && { whatsapp: { ...(ctx.services.whatsappSetup.number && { number: ctx.services.whatsappSetup.number }) } }),
          ...(ctx.services.smsCountryCodes && { smsCountryCodes: ctx.services.smsCountryCodes }),
          engagement: ctx.services.engagement,
          // A TALK reaches the counselors the same way (an alert, swept again if it cannot go).
          onTalkFlag: (flag) => alertCounselorsOfCrisis(alertDepsOf(ctx.services, ctx.log), flag),
        },
        { messageSid: MessageSid, from: From, to: To, body: Body },
      );
      return twimlResponse(replies);
    },
  },
  {
    method: 'POST',
    path: '/webhooks/twilio/status',
    async handler(ctx) {
      const form = await signedForm(ctx);
      if (isResult(form)) return form;
      const query = StatusQuery.safeParse(Object.fromEntries(new URLSearchParams(ctx.event.rawQueryString ?? '')));
      if (!query.success) return badRequest(describeIssues(query.error.issues));
      const parsed = StatusForm.safeParse(form);
      if (!parsed.success) return badRequest(describeIssues(parsed.error.issues));
      const { MessageSid, MessageStatus, ErrorCode } = parsed.data;
      const deps = { store: ctx.services.store, clock: ctx.services.clock, log: ctx.log };
      const ids = { personId: query.data.p, messageId: query.data.m };
      await recordDeliveryStatus(deps, { ...ids, messageSid: MessageSid, status: MessageStatus, ...(ErrorCode !== undefined && { errorCode: ErrorCode }) });
      // WhatsApp's refusals come this way: the message's words take another path, once.
      if (MessageStatus === 'failed' || MessageStatus === 'undelivered') await handleWhatsAppRefusal({ ...deps, library: shippedLibrary() }, { ...ids, errorCode: ErrorCode });
      // Twilio only looks at the status code; a body would be ignored.
      return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    },
  },
];
