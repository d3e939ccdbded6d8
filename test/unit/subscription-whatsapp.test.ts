import type { MemoryStore } from '../../shared/adapters/memory/memory-store';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import { replanPerson } from '../../shared/app/scheduling/replan';
import { confirmEmail } from '../../shared/app/subscription/confirm-email';
import type { SubscriptionDeps } from '../../shared/app/subscription/deps';
import { updatePreferences } from '../../shared/app/subscription/save-preferences';
import { subscribe } from '../../shared/app/subscription/sign-up';
import { viewPreferences } from '../../shared/app/subscription/view-preferences';
import { SMS_CONSENT_TEXT } from '../../shared/domain/subscription-words';
import { issueToken } from '../../shared/domain/tokens';
import { WHATSAPP_CONSENT_TEXT } from '../../shared/domain/whatsapp-words';
import { preferencesPage, signupPage } from '../../web/pages';
import { memoryServices, testContentSid, testWhatsAppSetup, TEST_TOKEN_SECRET } from '../support/memory-services';

/**
 * Choosing WhatsApp on the sign-up form and in the preferences: its own consent naming WhatsApp,
 * proposed first (and why) for numbers whose replies to texts never reach us, its one opt-in
 * template only once the email is confirmed, one phone channel at a time, tracks kept when moving.
 */

const library = shippedLibrary();
const NOW = '2026-09-01T06:00:00.000Z';

function world(options: { whatsapp?: boolean } = {}) {
  const s = memoryServices();
  s.at(NOW);
  const deps: SubscriptionDeps = {
    store: s.store,
    email: s.email,
    sms: s.sms,
    clock: s.clock,
    library,
    tokenSecret: s.tokenSecret,
    publicBaseUrl: s.publicBaseUrl,
    postalAddress: s.settings.postalAddress,
    smsCountryCodes: ['1', '44', '91', '92', '234', '20', '63'],
    ...(options.whatsapp !== false && { whatsapp: s.whatsapp, whatsappSetup: testWhatsAppSetup() }),
  };
  return { s, deps, store: s.store as MemoryStore };
}

const form = (overrides: Record<string, string> = {}) => ({
  email: 'priya@example.com',
  firstName: 'Priya',
  timeZone: 'Asia/Kolkata',
  season: '2027',
  visaTrack: 'j1',
  applicantType: 'non-us-img',
  attempt: '1',
  ...overrides,
});

async function confirmLatest(w: ReturnType<typeof world>) {
  const token = /\/confirm\/([A-Za-z0-9_.-]+)/.exec(w.s.email.sent.at(-1)!.text)![1]!;
  return confirmEmail(w.deps, token);
}

describe('the sign-up form offers WhatsApp', () => {
  it('first, before texts, saying why, where this deployment has WhatsApp', () => {
    const html = signupPage({ seasons: [2027], whatsappOffered: true }).body;
    expect(html.indexOf('id="whatsappConsent"')).toBeGreaterThan(0);
    expect(html.indexOf('id="whatsappConsent"')).toBeLessThan(html.indexOf('id="smsConsent"'));
    expect(html).toContain('In India, Pakistan, Nigeria and Egypt, replies to our texts cannot reach us');
    expect(html).not.toContain('id="whatsappConsent" name="whatsappConsent" value="yes" checked');
  });

  it('not at all where it has none', () => {
    expect(signupPage({ seasons: [2027] }).body).not.toContain('whatsappConsent');
  });
});

describe('signing up for WhatsApp', () => {
  it('keeps the number with WhatsApp consent pending, in words naming WhatsApp, and sends it nothing yet', async () => {
    const w = world();
    const outcome = await subscribe(w.deps, form({ mobile: '+91 98123 45678', whatsappConsent: 'yes' }));
    expect(outcome).toEqual({ status: 'accepted', detail: 'new', confirmation: 'sent', smsRequest: 'none', whatsappRequest: 'after-confirmation' });
    const person = (await w.store.getPerson((await w.store.findPersonIdByEmail('priya@example.com'))!))!;
    expect(person.phone).toBe('+919812345678');
    expect(person.consent.whatsapp).toMatchObject({ state: 'pending', source: 'web', text: WHATSAPP_CONSENT_TEXT });
    expect(person.consent.sms).toBeUndefined();
    expect(w.s.whatsapp.accepted).toEqual([]);
    expect(w.s.sms.sent).toEqual([]);
  });

  it('sends the approved opt-in template once the email is confirmed, and nothing by SMS', async () => {
    const w = world();
    await subscribe(w.deps, form({ mobile: '+919812345678', whatsappConsent: 'yes' }));
    expect(await confirmLatest(w)).toMatchObject({ status: 'confirmed' });
    expect(w.s.whatsapp.accepted.map((m) => [m.to, m.content])).toEqual([['+919812345678', { kind: 'template', contentSid: testContentSid('optin_request'), variables: {} }]]);
    expect(w.s.whatsapp.accepted[0]!.body).toContain('Reply YES to start');
    expect(w.s.sms.sent).toEqual([]);
  });

  it('sends no opt-in at all when the opt-in template is not approved (never free text)', async () => {
    const w = world();
    const setup = testWhatsAppSetup();
    w.deps.whatsappSetup = { ...setup, approved: new Map([...setup.approved].filter(([name]) => name !== 'optin_request')) };
    await subscribe(w.deps, form({ mobile: '+919812345678', whatsappConsent: 'yes' }));
    await confirmLatest(w);
    expect(w.s.whatsapp.accepted).toEqual([]);
  });

  it('takes WhatsApp for a number in a country we do not text', async () => {
    const w = world();
    expect(await subscribe(w.deps, form({ mobile: '+4915112345678', whatsappConsent: 'yes' }))).toMatchObject({ status: 'accepted', whatsappRequest: 'after-confirmation' });
  });

  it.each([
    ['both WhatsApp and texts', { mobile: '+919812345678', whatsappConsent: 'yes', smsConsent: 'yes' }, 'whatsappConsent'],
    ['WhatsApp without a number', { whatsappConsent: 'yes' }, 'mobile'],
  ])('refuses %s, storing nothing', async (_what, fields, field) => {
    const w = world();
    const outcome = await subscribe(w.deps, form(fields));
    expect(outcome).toMatchObject({ status: 'invalid', errors: { [field]: expect.any(String) } });
    expect(await w.store.findPersonIdByEmail('priya@example.com')).toBeUndefined();
  });

  it('refuses WhatsApp where this deployment has none', async () => {
    const w = world({ whatsapp: false });
    expect(await subscribe(w.deps, form({ mobile: '+919812345678', whatsappConsent: 'yes' }))).toMatchObject({ status: 'invalid', errors: { whatsappConsent: expect.stringContaining('not on WhatsApp') } });
  });

  it('never attaches a number someone else holds, and answers the same', async () => {
    const w = world();
    await subscribe(w.deps, form({ email: 'asha@example.com', mobile: '+919812345678', whatsappConsent: 'yes' }));
    const outcome = await subscribe(w.deps, form({ mobile: '+919812345678', whatsappConsent: 'yes' }));
    expect(outcome).toMatchObject({ status: 'accepted', detail: 'new' });
    const person = (await w.store.getPerson((await w.store.findPersonIdByEmail('priya@example.com'))!))!;
    expect(person.phone).toBeUndefined();
    expect(person.consent.whatsapp).toBeUndefined();
  });
});

describe('WhatsApp proposed first where texts cannot be answered', () => {
  it('comes back once for texts from India, saying why; sent again as it was, texts are kept', async () => {
    const w = world();
    const first = await subscribe(w.deps, form({ mobile: '+919812345678', smsConsent: 'yes' }));
    expect(first).toEqual({ status: 'invalid', errors: { smsConsent: expect.stringContaining('From India, replies to our texts cannot reach us') }, proposedWhatsApp: true });
    expect(await w.store.findPersonIdByEmail('priya@example.com')).toBeUndefined();
    const page = signupPage({ seasons: [2027], whatsappOffered: true, proposedWhatsApp: true, errors: first.status === 'invalid' ? first.errors : {} }).body;
    expect(page).toContain('name="smsOneWayAccepted" value="yes"');
    const again = await subscribe(w.deps, form({ mobile: '+919812345678', smsConsent: 'yes', smsOneWayAccepted: 'yes' }));
    expect(again).toMatchObject({ status: 'accepted', smsRequest: 'after-confirmation' });
    const person = (await w.store.getPerson((await w.store.findPersonIdByEmail('priya@example.com'))!))!;
    expect(person.consent.sms).toMatchObject({ state: 'pending', text: SMS_CONSENT_TEXT });
  });

  it('does not come back for a country whose replies reach us, nor where WhatsApp is not offered', async () => {
    expect(await subscribe(world().deps, form({ mobile: '+639171234567', smsConsent: 'yes' }))).toMatchObject({ status: 'accepted' });
    expect(await subscribe(world({ whatsapp: false }).deps, form({ mobile: '+919812345678', smsConsent: 'yes' }))).toMatchObject({ status: 'accepted' });
  });
});

describe('WhatsApp in the preferences', () => {
  async function onTexts(w: ReturnType<typeof world>) {
    await subscribe(w.deps, form({ mobile: '+639171234567', smsConsent: 'yes' }));
    await confirmLatest(w);
    const personId = (await w.store.findPersonIdByEmail('priya@example.com'))!;
    const person = (await w.store.getPerson(personId))!;
    await w.store.savePerson({ ...person, consent: { ...person.consent, sms: { ...person.consent.sms!, state: 'confirmed' } } });
    await replanPerson({ store: w.store, clock: w.s.clock, library }, personId);
    return { personId, token: issueToken(TEST_TOKEN_SECRET, 'preferences', personId, w.s.clock.now()) };
  }
  const save = (over: Record<string, string>) => ({
    action: 'save', email: 'on', quietStart: '21:00', quietEnd: '08:00', pause: 'keep', timeZone: 'Asia/Manila', season: '2027', visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1', outcome: 'applying', ...over,
  });

  it('moves from texts to WhatsApp in one save: texts end, WhatsApp asks for YES, the tracks stay', async () => {
    const w = world();
    const { personId, token } = await onTexts(w);
    const tracks = (await w.store.listEnrollments(personId)).filter((e) => e.status === 'active').map((e) => e.sequenceId).sort();
    expect((await w.store.listMessages(personId)).some((m) => m.channel === 'sms' && m.status === 'planned')).toBe(true);
    const outcome = await updatePreferences(w.deps, token, save({ sms: 'off', whatsapp: 'on', whatsappConsent: 'yes' }));
    expect(outcome).toMatchObject({ status: 'saved', notes: expect.arrayContaining(['sms-off', 'whatsapp-request-sent']) });
    const person = (await w.store.getPerson(personId))!;
    expect(person.consent.sms?.state).toBe('revoked');
    expect(person.consent.whatsapp).toMatchObject({ state: 'pending', source: 'preferences', text: WHATSAPP_CONSENT_TEXT });
    expect((await w.store.listMessages(personId)).some((m) => m.channel === 'sms' && m.status === 'planned')).toBe(false);
    expect(w.s.whatsapp.accepted.map((m) => m.content)).toEqual([{ kind: 'template', contentSid: testContentSid('optin_request'), variables: {} }]);
    expect((await w.store.listEnrollments(personId)).filter((e) => e.status === 'active').map((e) => e.sequenceId).sort()).toEqual(tracks);
  });

  it('refuses texts and WhatsApp at once, changing nothing', async () => {
    const w = world();
    const { personId, token } = await onTexts(w);
    const before = await w.store.getPerson(personId);
    expect(await updatePreferences(w.deps, token, save({ sms: 'on', whatsapp: 'on', whatsappConsent: 'yes' }))).toMatchObject({ status: 'invalid', errors: { whatsapp: expect.stringContaining('not both') } });
    expect(await w.store.getPerson(personId)).toEqual(before);
    expect(w.s.whatsapp.accepted).toEqual([]);
  });

  it('asks for the WhatsApp box to be ticked, and turning WhatsApp off withdraws what was planned there', async () => {
    const w = world();
    const { personId, token } = await onTexts(w);
    expect(await updatePreferences(w.deps, token, save({ sms: 'off', whatsapp: 'on' }))).toMatchObject({ status: 'invalid', errors: { whatsappConsent: expect.any(String) } });
    const person = (await w.store.getPerson(personId))!;
    await w.store.savePerson({ ...person, consent: { ...person.consent, sms: { ...person.consent.sms!, state: 'revoked' }, whatsapp: { state: 'confirmed', source: 'whatsapp-keyword', at: NOW, text: WHATSAPP_CONSENT_TEXT } } });
    await updatePreferences(w.deps, token, save({ whatsapp: 'on' }));
    expect((await w.store.listMessages(personId)).some((m) => m.channel === 'whatsapp' && m.status === 'planned')).toBe(true);
    expect(await updatePreferences(w.deps, token, save({ whatsapp: 'off' }))).toMatchObject({ status: 'saved', notes: ['whatsapp-off'] });
    expect((await w.store.listMessages(personId)).some((m) => m.channel === 'whatsapp' && m.status === 'planned')).toBe(false);
  });

  it('shows the WhatsApp choice on the page where it is offered', async () => {
    const w = world();
    const { token } = await onTexts(w);
    const view = await viewPreferences(w.deps, token);
    if (view.status !== 'ok') throw new Error('expected the view');
    expect(view.view).toMatchObject({ sms: 'on', whatsapp: 'none', whatsappOffered: true });
    const html = preferencesPage({ view: view.view }).body;
    expect(html).toContain('name="whatsapp" value="on"');
    expect(html).toContain(WHATSAPP_CONSENT_TEXT);
    // Where WhatsApp is not offered and the person never had it, the page has no WhatsApp choice.
    expect(preferencesPage({ view: { ...view.view, whatsappOffered: false } }).body).not.toContain('name="whatsapp"');
  });
});
