import { enroll } from '../../shared/app/scheduling/enroll';
import { handleInboundSms } from '../../shared/app/inbound/inbound-sms';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import type { Library } from '../../shared/app/scheduling/planning';
import { helpFor } from '../../shared/app/safety/crisis-resources';
import { DomainError } from '../../shared/domain/errors';
import type { Consent, Person } from '../../shared/domain/model';
import { crisisReply } from '../../shared/domain/safety-replies';
import * as say from '../../shared/domain/sms-replies';
import * as wa from '../../shared/domain/whatsapp-words';
import { memoryServices, TEST_HELP_ADDRESS, TEST_PUBLIC_BASE_URL } from '../support/memory-services';

/**
 * WhatsApp conversations through the same inbound handling as texts: the same keywords, the same
 * screening, each acting on WhatsApp's own consent; the window each message opens; moving between
 * texts and WhatsApp with the tracks kept; START or JOIN from a number we do not know.
 */

const PHONE = '+919812345678';
const WA = `whatsapp:${PHONE}`;
const OUR_WHATSAPP = 'whatsapp:+15005550006';
const OUR_NUMBER = '+15005550006';
const ZONE = 'Asia/Kolkata';
const shipped = shippedLibrary();
const library: Library = { ...shipped, sequences: new Map([['getting-started', shipped.sequences.get('getting-started')!]]) };

function world() {
  const services = memoryServices();
  services.at('2027-01-04T04:00:00.000Z');
  const deps = {
    store: services.store,
    clock: services.clock,
    library,
    helpAddress: TEST_HELP_ADDRESS,
    signUpUrl: `${TEST_PUBLIC_BASE_URL}/`,
    whatsapp: { number: '+15005550006' },
    smsCountryCodes: ['1', '44', '91', '92', '234', '20'],
  };
  let sids = 0;
  const sid = () => `SM${(++sids).toString(16).padStart(32, '0')}`;
  return {
    services,
    store: services.store,
    deps,
    whatsapp: (body: string, from = WA, messageSid = sid()) => handleInboundSms(deps, { messageSid, from, to: OUR_WHATSAPP, body }),
    text: (body: string, from = PHONE) => handleInboundSms(deps, { messageSid: sid(), from, to: OUR_NUMBER, body }),
    /** Someone enrolled with texts confirmed, then given the consent states a test needs. */
    async person(consent: Partial<Person['consent']>, phone = PHONE): Promise<string> {
      const { personId } = await enroll({ ...services, library }, { email: 'priya@example.com', phone, firstName: 'Priya', timeZone: ZONE, sequenceId: 'getting-started', season: 2027 });
      const person = (await services.store.getPerson(personId))!;
      await services.store.savePerson({ ...person, consent: { email: person.consent.email!, ...consent } });
      return personId;
    },
    get: async (personId: string) => (await services.store.getPerson(personId))!,
    pending: async (personId: string) => (await services.store.listMessages(personId)).filter((m) => m.status === 'planned').map((m) => m.channel),
  };
}

const pendingWhatsApp: Consent = { state: 'pending', source: 'web', at: '2027-01-03T00:00:00.000Z', text: wa.WHATSAPP_CONSENT_TEXT };
const confirmed = (text: string): Consent => ({ state: 'confirmed', source: 'web', at: '2027-01-03T00:00:00.000Z', text });

describe('consent on WhatsApp', () => {
  it('YES on WhatsApp confirms WhatsApp with the words agreed to on the form, and plans WhatsApp', async () => {
    const w = world();
    const personId = await w.person({ whatsapp: pendingWhatsApp });
    expect(await w.whatsapp('YES')).toEqual({ replies: [wa.whatsappOptInReply], outcome: 'handled' });
    const person = await w.get(personId);
    expect(person.consent.whatsapp).toMatchObject({ state: 'confirmed', source: 'whatsapp-keyword', text: wa.WHATSAPP_CONSENT_TEXT });
    expect(person.consent.sms).toBeUndefined();
    expect(await w.pending(personId)).toEqual(expect.arrayContaining(['whatsapp']));
    expect(await w.pending(personId)).not.toContain('sms');
  });

  it('every WhatsApp message opens the window, even STOP; texts do not', async () => {
    const w = world();
    const personId = await w.person({ whatsapp: pendingWhatsApp });
    await w.text('hello');
    expect(await w.store.getWindow(personId)).toBeUndefined();
    await w.whatsapp('STOP');
    expect(await w.store.getWindow(personId)).toEqual({ lastInboundAt: '2027-01-04T04:00:00.000Z' });
  });

  it('STOP on WhatsApp ends WhatsApp only, with words naming WhatsApp, and is always confirmed (no carrier does it)', async () => {
    const w = world();
    const personId = await w.person({ whatsapp: confirmed(wa.WHATSAPP_CONSENT_TEXT) });
    await w.services.store.createMessage({ ...(await w.store.listMessages(personId))[0]!, messageId: 'x.whatsapp', channel: 'whatsapp', status: 'planned', dueAt: '2027-01-05T00:00:00.000Z' });
    expect(await w.whatsapp('stop')).toEqual({ replies: [wa.whatsappOptOutReply], outcome: 'handled' });
    const person = await w.get(personId);
    expect(person.consent.whatsapp).toMatchObject({ state: 'revoked', source: 'whatsapp-keyword', text: wa.WHATSAPP_OPT_OUT_TEXT.keyword });
    expect(await w.pending(personId)).not.toContain('whatsapp');
    expect(await w.whatsapp('please stop messaging me')).toEqual({ replies: [wa.whatsappOptOutReply], outcome: 'handled' });
  });

  it('a WhatsApp message from a number whose texts are pending confirms WhatsApp only, never the texts', async () => {
    const w = world();
    const pendingSms: Consent = { state: 'pending', source: 'web', at: '2027-01-03T00:00:00.000Z', text: 'Text me' };
    const personId = await w.person({ sms: pendingSms });
    await w.whatsapp('YES');
    const person = await w.get(personId);
    expect(person.consent.sms).toEqual(pendingSms);
    expect(person.consent.whatsapp).toMatchObject({ state: 'confirmed', text: wa.WHATSAPP_KEYWORD_OPT_IN_TEXT });
  });

  it('asks for YES first while WhatsApp is pending, keeping what they wrote', async () => {
    const w = world();
    const personId = await w.person({ whatsapp: pendingWhatsApp });
    expect(await w.whatsapp('GOAL 40 questions a day')).toEqual({ replies: [wa.whatsappConfirmFirstReply], outcome: 'handled' });
    expect((await w.store.listJournalEntries(personId)).map((e) => e.text)).toEqual(['40 questions a day']);
  });
});

describe('the same keywords and screening as texts', () => {
  it('PAUSE, GOAL and a score after a WhatsApp check-in work as they do by SMS', async () => {
    const w = world();
    const personId = await w.person({ whatsapp: confirmed(wa.WHATSAPP_CONSENT_TEXT) });
    expect((await w.whatsapp('PAUSE 3')).replies[0]).toMatch(/^Paused until/);
    expect(await w.whatsapp('GOAL finish one block')).toEqual({ replies: [say.goalAddedReply(1)], outcome: 'handled' });
    // Our last WhatsApp message to them was the check-in: a bare number now answers it.
    const [any] = await w.store.listMessages(personId);
    const { dueAt: _due, ...base } = any!;
    await w.store.createMessage({ ...base, stepId: 'first-checkin', messageId: `${base.enrollmentId}.first-checkin.once.whatsapp`, channel: 'whatsapp', status: 'sent', attempts: [{ at: '2027-01-04T03:00:00.000Z', outcome: 'sent', detail: 'sent' }] });
    expect(await w.whatsapp('4')).toEqual({ replies: [say.scoreReply(4)], outcome: 'handled' });
  });

  it('a risk message on WhatsApp gets the crisis reply for where they live, and the support hold', async () => {
    const w = world();
    const personId = await w.person({ whatsapp: confirmed(wa.WHATSAPP_CONSENT_TEXT) });
    expect(await w.whatsapp("I'm going to end my life tonight")).toEqual({ replies: [crisisReply(helpFor({ phone: PHONE, zone: ZONE }))], outcome: 'handled' });
    expect((await w.get(personId)).profile.supportHold).toBe(true);
    expect((await w.store.listSafetyEvents(personId)).map((e) => e.kind)).toEqual(['risk']);
  });

  it('a replayed WhatsApp webhook changes nothing', async () => {
    const w = world();
    await w.person({ whatsapp: pendingWhatsApp });
    const sid = `SM${'f'.repeat(32)}`;
    await w.whatsapp('YES', WA, sid);
    expect(await w.whatsapp('YES', WA, sid)).toEqual({ replies: [], outcome: 'duplicate' });
  });
});

describe('moving between texts and WhatsApp, tracks kept', () => {
  it('START on WhatsApp from someone on texts moves them: texts end, WhatsApp starts, the enrollments stay', async () => {
    const w = world();
    const personId = await w.person({ sms: confirmed('Text me') });
    const tracks = await w.store.listEnrollments(personId);
    expect(await w.pending(personId)).toContain('sms');
    expect(await w.whatsapp('START')).toEqual({ replies: [wa.switchedToWhatsAppReply], outcome: 'handled' });
    const person = await w.get(personId);
    expect(person.consent.sms).toMatchObject({ state: 'revoked', source: 'switched-to-whatsapp', text: 'Text me' });
    expect(person.consent.whatsapp).toMatchObject({ state: 'confirmed', source: 'whatsapp-keyword' });
    expect(await w.pending(personId)).not.toContain('sms');
    expect(await w.pending(personId)).toContain('whatsapp');
    expect((await w.store.listEnrollments(personId)).filter((e) => e.status === 'active')).toEqual(tracks.filter((e) => e.status === 'active'));
  });

  it('WHATSAPP, texted, says how to move (their own message on WhatsApp) and changes nothing', async () => {
    const w = world();
    const personId = await w.person({ sms: confirmed('Text me') });
    const before = await w.get(personId);
    expect(await w.text('whatsapp')).toEqual({ replies: [wa.howToSwitchToWhatsAppReply('+15005550006')], outcome: 'handled' });
    // Only that we heard from them (the coach counts silence); nothing of their channels or tracks.
    const after = await w.get(personId);
    expect({ ...after, profile: { ...after!.profile, heardAt: undefined } }).toEqual({ ...before, profile: { ...before!.profile, heardAt: undefined } });
    const without = { ...w.deps, whatsapp: undefined };
    expect((await handleInboundSms(without, { messageSid: `SM${'e'.repeat(32)}`, from: PHONE, to: OUR_NUMBER, body: 'WhatsApp' })).replies).toEqual([wa.whatsappUnavailableReply]);
  });

  it('TEXTS on WhatsApp moves them to texts, and says honestly what breaks where replies to texts never reach us', async () => {
    const w = world();
    const personId = await w.person({ whatsapp: confirmed(wa.WHATSAPP_CONSENT_TEXT) });
    expect(await w.whatsapp('TEXTS')).toEqual({ replies: [wa.switchedToSmsOneWayReply('India')], outcome: 'handled' });
    const person = await w.get(personId);
    expect(person.consent.sms).toMatchObject({ state: 'confirmed', source: 'whatsapp-keyword', text: wa.SMS_BY_WHATSAPP_KEYWORD_TEXT });
    expect(person.consent.whatsapp).toMatchObject({ state: 'revoked', source: 'switched-to-sms' });
    expect(await w.pending(personId)).not.toContain('whatsapp');
  });

  it('TEXTS from a country we cannot text keeps WhatsApp and changes nothing', async () => {
    const w = world();
    const phone = '+639171234567';
    const personId = await w.person({ whatsapp: confirmed(wa.WHATSAPP_CONSENT_TEXT) }, phone);
    const before = await w.get(personId);
    expect(await w.whatsapp('SMS', `whatsapp:${phone}`)).toEqual({ replies: [wa.cannotTextReply], outcome: 'handled' });
    expect(await w.get(personId)).toEqual(before);
  });
});

describe('START or JOIN from a number we do not know', () => {
  it.each([
    ['START by text', PHONE, OUR_NUMBER, 'START'],
    ['JOIN by text', PHONE, OUR_NUMBER, 'join'],
    ['START on WhatsApp', WA, OUR_WHATSAPP, 'Start'],
    ['JOIN on WhatsApp', WA, OUR_WHATSAPP, 'JOIN!'],
  ])('%s answers with the sign-up link and stores nothing about them', async (_what, from, to, body) => {
    const w = world();
    const before = JSON.stringify((w.store as unknown as { snapshot(): { people: unknown; journals: unknown; messages: unknown } }).snapshot().people);
    const answer = await handleInboundSms(w.deps, { messageSid: `SM${'a'.repeat(32)}`, from, to, body });
    expect(answer).toEqual({ replies: [wa.signUpLinkReply(`${TEST_PUBLIC_BASE_URL}/`)], outcome: 'unknown-number' });
    expect(JSON.stringify((w.store as unknown as { snapshot(): { people: unknown } }).snapshot().people)).toBe(before);
  });

  it('anything else from a stranger stays unanswered, and nothing is noted', async () => {
    const w = world();
    expect(await w.whatsapp('hello?')).toEqual({ replies: [], outcome: 'unknown-number' });
  });
});

describe('attacks on the address', () => {
  it.each([
    ['a WhatsApp address without +', 'whatsapp:919812345678', OUR_WHATSAPP],
    ['a WhatsApp address with two numbers', 'whatsapp:+919812345678,+15551234567', OUR_WHATSAPP],
    ['a WhatsApp sender writing to our SMS number', WA, OUR_NUMBER],
    ['a text sender writing to our WhatsApp address', PHONE, OUR_WHATSAPP],
  ])('refuses %s as invalid input, changing nothing', async (_what, from, to) => {
    const w = world();
    const personId = await w.person({ whatsapp: pendingWhatsApp });
    const before = await w.get(personId);
    await expect(handleInboundSms(w.deps, { messageSid: `SM${'b'.repeat(32)}`, from, to, body: 'YES' })).rejects.toBeInstanceOf(DomainError);
    expect(await w.get(personId)).toEqual(before);
    expect(await w.store.getWindow(personId)).toBeUndefined();
  });

  it('notes nothing for someone erased while their message arrived', async () => {
    const w = world();
    const personId = await w.person({ whatsapp: confirmed(wa.WHATSAPP_CONSENT_TEXT) });
    await w.store.beginErasure(personId, new Date('2027-01-04T03:00:00.000Z'));
    expect((await w.whatsapp('hello')).outcome).toBe('unknown-number');
    expect(await w.store.getWindow(personId)).toBeUndefined();
  });
});
