import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import twilio from 'twilio';
import { createApiHandler } from '../../functions/api';
import { twimlReplies } from '../../infra/local/sms-sandbox';
import { enroll, planLanes } from '../../shared/app/scheduling/enroll';
import { helpFor } from '../../shared/app/safety/crisis-resources';
import { crisisReply } from '../../shared/domain/safety-replies';
import * as wa from '../../shared/domain/whatsapp-words';
import { silentLogger } from '../../shared/ports';
import { memoryServices, TEST_PUBLIC_BASE_URL, TEST_TWILIO_AUTH_TOKEN } from '../support/memory-services';

/**
 * WhatsApp on Twilio's webhooks, through functions/api.ts's handler over memory twins: the same
 * route as texts (From and To are `whatsapp:` addresses), signatures checked first (a forged one
 * changes nothing), WhatsApp's refusals on the status callback handled once.
 */

const PHONE = '+919812345678';
const WA = `whatsapp:${PHONE}`;
const OUR_WHATSAPP = 'whatsapp:+15005550006';
const SMS_PATH = '/webhooks/twilio/sms';
const STATUS_PATH = '/webhooks/twilio/status';
const hex32 = (n: number) => n.toString(16).padStart(32, '0');

function event(path: string, body: string, headers: Record<string, string>, query = ''): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: query,
    headers,
    requestContext: { http: { method: 'POST', path } },
    body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

const urlOf = (path: string, query = '') => `${TEST_PUBLIC_BASE_URL}${path}${query ? `?${query}` : ''}`;
function post(path: string, params: Record<string, string>, options: { query?: string; token?: string } = {}) {
  const signature = twilio.getExpectedTwilioSignature(options.token ?? TEST_TWILIO_AUTH_TOKEN, urlOf(path, options.query), params);
  return event(path, new URLSearchParams(params).toString(), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, options.query);
}

async function world() {
  const services = memoryServices();
  const handler = createApiHandler(Promise.resolve(services), silentLogger);
  services.at('2027-01-04T04:00:00.000Z');
  const { personId } = await enroll(services, { email: 'priya@example.com', phone: PHONE, firstName: 'Priya', timeZone: 'Asia/Kolkata', sequenceId: 'getting-started', season: 2027 });
  // Priya chose WhatsApp on the form: texts are none of hers, WhatsApp waits for her YES.
  const person = (await services.store.getPerson(personId))!;
  const { sms: _sms, ...consent } = person.consent;
  await services.store.savePerson({ ...person, consent: { ...consent, whatsapp: { state: 'pending', source: 'web', at: '2027-01-04T04:00:00.000Z', text: wa.WHATSAPP_CONSENT_TEXT } } });
  await services.store.cancelPendingMessages(personId, 'replanned', services.clock.now(), 'sms');
  let sid = 0;
  const call = async (e: APIGatewayProxyEventV2) => (await handler(e)) as APIGatewayProxyStructuredResultV2;
  return {
    services,
    personId,
    call,
    message: (body: string, from = WA, to = OUR_WHATSAPP) =>
      call(post(SMS_PATH, { MessageSid: `SM${hex32(++sid)}`, AccountSid: `AC${hex32(1)}`, From: from, To: to, Body: body, WaId: PHONE.slice(1), NumMedia: '0' })),
    state: async () => ({ person: await services.store.getPerson(personId), messages: await services.store.listMessages(personId), window: await services.store.getWindow(personId) }),
  };
}

describe('inbound WhatsApp on the SMS webhook', () => {
  it('YES, signed as Twilio signs it, confirms WhatsApp and is answered in TwiML on WhatsApp', async () => {
    const w = await world();
    const answer = await w.message('YES');
    expect(answer.statusCode).toBe(200);
    expect(twimlReplies(String(answer.body))).toEqual([wa.whatsappOptInReply]);
    const { person, window } = await w.state();
    expect(person!.consent.whatsapp?.state).toBe('confirmed');
    expect(window?.lastInboundAt).toBe('2027-01-04T04:00:00.000Z');
  });

  it('a crisis message on WhatsApp gets the crisis reply at once', async () => {
    const w = await world();
    const answer = await w.message('i want to kill myself');
    expect(twimlReplies(String(answer.body))).toEqual([crisisReply(helpFor({ phone: PHONE, zone: 'Asia/Kolkata' }))]);
  });

  it('a forged signature is refused with 403 and changes nothing', async () => {
    const w = await world();
    const before = await w.state();
    const params = { MessageSid: `SM${hex32(77)}`, From: WA, To: OUR_WHATSAPP, Body: 'YES' };
    const forged = post(SMS_PATH, params, { token: 'not-the-auth-token' });
    expect((await w.call(forged)).statusCode).toBe(403);
    // A valid signature, then one parameter changed (someone else's number): refused too.
    const signed = post(SMS_PATH, params);
    const tampered = event(SMS_PATH, new URLSearchParams({ ...params, From: 'whatsapp:+919800000000' }).toString(), signed.headers as Record<string, string>);
    expect((await w.call(tampered)).statusCode).toBe(403);
    expect(await w.state()).toEqual(before);
  });

  it('a signed request with a malformed WhatsApp address gets a 400 and changes nothing', async () => {
    const w = await world();
    const before = await w.state();
    const answer = await w.message('YES', 'whatsapp:919812345678');
    expect(answer.statusCode).toBe(400);
    expect(await w.state()).toEqual(before);
  });

  it('START on WhatsApp from a number nobody holds answers with the sign-up link', async () => {
    const w = await world();
    const answer = await w.message('START', 'whatsapp:+2348031234567');
    expect(twimlReplies(String(answer.body))).toEqual([wa.signUpLinkReply(`${TEST_PUBLIC_BASE_URL}/`)]);
  });
});

describe("WhatsApp's refusals on the status callback", () => {
  async function sentWhatsApp(w: Awaited<ReturnType<typeof world>>) {
    await w.message('YES');
    const person = (await w.services.store.getPerson(w.personId))!;
    for (const enrollment of await w.services.store.listEnrollments(w.personId)) await planLanes({ store: w.services.store, library: (await import('../../shared/app/scheduling/library')).shippedLibrary() }, person, enrollment, w.services.clock.now(), w.services.clock.now());
    const first = (await w.services.store.listMessages(w.personId)).filter((m) => m.channel === 'whatsapp' && m.status === 'planned').sort((a, b) => a.sendAt.localeCompare(b.sendAt))[0]!;
    w.services.at(first.sendAt);
    await w.services.dispatch();
    const sent = w.services.whatsapp.accepted.at(-1)!;
    return { message: (await w.services.store.getMessage(w.personId, sent.messageId))!, callback: sent.statusCallbackUrl!, providerId: sent.providerId };
  }

  it('63003 turns WhatsApp off and queues the words by email, once, however often Twilio calls back', async () => {
    const w = await world();
    const { message, callback, providerId } = await sentWhatsApp(w);
    const query = callback.split('?')[1]!;
    const params = { MessageSid: providerId, MessageStatus: 'failed', ErrorCode: '63003', To: WA, From: OUR_WHATSAPP };
    for (let i = 0; i < 2; i++) expect((await w.call(post(STATUS_PATH, params, { query }))).statusCode).toBe(204);
    const { person, messages } = await w.state();
    expect(person!.consent.whatsapp).toMatchObject({ state: 'revoked', source: 'whatsapp-unreachable' });
    expect(messages.filter((m) => m.fallback).map((m) => [m.channel, m.fallback])).toEqual([['email', { of: message.messageId, reason: 'whatsapp_not_on_whatsapp' }]]);
    expect(messages.find((m) => m.messageId === message.messageId)?.delivery).toMatchObject({ status: 'failed', errorCode: 63003 });
  });

  it('a forged refusal is refused with 403: WhatsApp stays on', async () => {
    const w = await world();
    const { callback, providerId } = await sentWhatsApp(w);
    const query = callback.split('?')[1]!;
    const before = await w.state();
    const params = { MessageSid: providerId, MessageStatus: 'failed', ErrorCode: '63003' };
    expect((await w.call(post(STATUS_PATH, params, { query, token: 'forged' }))).statusCode).toBe(403);
    expect(await w.state()).toEqual(before);
  });
});
