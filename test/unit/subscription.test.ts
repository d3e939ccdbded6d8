import ICAL from 'ical.js';
import type { MemoryStore } from '../../shared/adapters/memory/memory-store';
import { seasonCalendar } from '../../shared/domain/calendar';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import { calendarFeed } from '../../shared/app/my-plan/calendar-feed';
import { confirmEmail, peekConfirmation } from '../../shared/app/subscription/confirm-email';
import type { SubscriptionDeps } from '../../shared/app/subscription/deps';
import { eraseMyData } from '../../shared/app/subscription/erase-my-data';
import { updatePreferences } from '../../shared/app/subscription/save-preferences';
import { handleSesEvent } from '../../shared/app/subscription/ses-events';
import { subscribe } from '../../shared/app/subscription/sign-up';
import { checkUnsubscribeLink, unsubscribe } from '../../shared/app/subscription/unsubscribe';
import { viewPreferences } from '../../shared/app/subscription/view-preferences';
import { EMAIL_CONSENT_TEXT, OPTIONAL_TRACKS, SMS_CONSENT_TEXT, smsOptInRequest, trackField } from '../../shared/domain/subscription-words';
import { smsSegments } from '../../shared/domain/template';
import { issueToken } from '../../shared/domain/tokens';
import type { Logger } from '../../shared/ports';
import { TEST_TOKEN_SECRET, memoryServices, type MemoryServices } from '../support/memory-services';

/**
 * The email half of the subscriber journey, as use cases on memory twins: double opt-in, single
 * use links, re-subscribing without leaks, preferences that re-plan, unsubscribe, erasure, SES
 * suppression and the calendar feed.
 */

const library = shippedLibrary();
const NOW = '2026-09-01T06:00:00.000Z';

interface World {
  s: MemoryServices;
  deps: SubscriptionDeps;
  logs: unknown[][];
  store: MemoryStore;
}

function world(): World {
  const s = memoryServices();
  s.at(NOW);
  const logs: unknown[][] = [];
  const log: Logger = { info: (...a) => logs.push(a), warn: (...a) => logs.push(a), error: (...a) => logs.push(a) };
  const deps: SubscriptionDeps = {
    store: s.store,
    email: s.email,
    sms: s.sms,
    clock: s.clock,
    log,
    library,
    tokenSecret: s.tokenSecret,
    publicBaseUrl: s.publicBaseUrl,
    postalAddress: s.settings.postalAddress,
  };
  return { s, deps, logs, store: s.store as MemoryStore };
}

const form = (overrides: Record<string, string> = {}) => ({
  email: 'Priya.Sharma@Example.com',
  firstName: 'Priya',
  timeZone: 'Asia/Kolkata',
  season: '2027',
  visaTrack: 'j1',
  applicantType: 'non-us-img',
  attempt: '1',
  specialty: 'Internal medicine, maybe nephrology',
  step2_exam: '2026-10-20',
  ...overrides,
});

const linkIn = (text: string, path: string) => {
  const match = new RegExp(`https://coach\\.example\\.test/${path}/([A-Za-z0-9_.-]+)`).exec(text);
  if (!match) throw new Error(`no ${path} link in: ${text}`);
  return match[1]!;
};

async function signUpAndConfirm(w: World, overrides: Record<string, string> = {}) {
  const outcome = await subscribe(w.deps, form(overrides));
  expect(outcome).toMatchObject({ status: 'accepted' });
  const token = linkIn(w.s.email.sent.at(-1)!.text, 'confirm');
  expect(await confirmEmail(w.deps, token)).toMatchObject({ status: 'confirmed' });
  const personId = (await w.s.store.findPersonIdByEmail(form(overrides).email))!;
  return { personId, token, prefs: issueToken(TEST_TOKEN_SECRET, 'preferences', personId, w.s.clock.now()) };
}

const saveForm = (overrides: Record<string, string> = {}) => ({
  action: 'save', email: 'on', sms: 'off', quietStart: '21:00', quietEnd: '08:00', pause: 'keep', timeZone: 'Asia/Kolkata', season: '2027',
  visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1', outcome: 'applying', step2_exam: '2026-10-20', ...overrides,
});

describe('sign-up: double opt-in', () => {
  test('only the confirmation email goes out, and nothing is planned until the link is used', async () => {
    const w = world();
    const outcome = await subscribe(w.deps, form({ mobile: '+91 98123-45678', smsConsent: 'yes' }));
    expect(outcome).toEqual({ status: 'accepted', detail: 'new', confirmation: 'sent', smsRequest: 'after-confirmation' });

    expect(w.s.email.sent).toHaveLength(1);
    const [mail] = w.s.email.sent;
    expect(mail!.to).toBe('priya.sharma@example.com');
    expect(mail!.subject).toBe('Please confirm your Match Coach sign-up');
    expect(mail!.text).toContain('so that nobody can sign you up without your say');
    expect(mail!.text).toContain(w.s.settings.postalAddress);
    // Transactional: no List-Unsubscribe, because nothing else will come unless they confirm.
    expect(mail!.headers).toBeUndefined();
    // A number typed into a form is nobody's yes yet: no text until the email is confirmed.
    expect(w.s.sms.sent).toEqual([]);

    const personId = (await w.s.store.findPersonIdByEmail('priya.sharma@example.com'))!;
    const person = (await w.s.store.getPerson(personId))!;
    expect(person.consent.email).toEqual({ state: 'pending', source: 'web', at: NOW, text: EMAIL_CONSENT_TEXT });
    expect(person.consent.sms).toEqual({ state: 'pending', source: 'web', at: NOW, text: SMS_CONSENT_TEXT });
    expect(person).toMatchObject({ timeZone: 'Asia/Kolkata', firstName: 'Priya', specialty: 'Internal medicine, maybe nephrology', phone: '+919812345678' });
    expect(person.profile).toMatchObject({ season: 2027, visaTrack: 'j1', applicantType: 'non-us-img', attempt: 1 });
    // Tracks and dates have a home, but no message exists, so no dispatcher can send any.
    const enrollments = await w.s.store.listEnrollments(personId);
    expect(enrollments.length).toBeGreaterThan(0);
    expect(enrollments.every((e) => e.anchors.step2_exam === '2026-10-20')).toBe(true);
    expect(await w.s.store.listMessages(personId)).toEqual([]);
    expect(await w.s.store.listDueMessages(new Date('2030-01-01T00:00:00Z'), 100)).toEqual([]);

    // Confirming the email sends the one text asking for YES, once.
    expect(await confirmEmail(w.deps, linkIn(mail!.text, 'confirm'))).toMatchObject({ status: 'confirmed' });
    expect(w.s.sms.sent.map((m) => ({ to: m.to, body: m.body }))).toEqual([{ to: '+919812345678', body: smsOptInRequest() }]);
  });

  test('a form sent twice at once (a double click) makes one person and one confirmation email', async () => {
    const w = world();
    const outcomes = await Promise.all([subscribe(w.deps, form({ mobile: '+91 98123-45678', smsConsent: 'yes' })), subscribe(w.deps, form({ mobile: '+91 98123-45678', smsConsent: 'yes' }))]);
    expect(outcomes.map((o) => o.status)).toEqual(['accepted', 'accepted']);
    expect(await w.s.store.listPersonIdsInSeason(2027)).toHaveLength(1);
    const personId = (await w.s.store.findPersonIdByEmail('priya.sharma@example.com'))!;
    expect(await w.s.store.findPersonIdByPhone('+919812345678')).toBe(personId);
    expect(w.s.email.sent.map((m) => m.to)).toEqual(['priya.sharma@example.com']);
    expect(w.s.sms.sent).toEqual([]);
    // Confirming the one link reaches the one person, with their tracks as a single sign-up makes them.
    expect((await w.s.store.listEnrollments(personId)).map((e) => e.sequenceId).sort()).toEqual(
      (await (async () => {
        const single = world();
        await subscribe(single.deps, form({ mobile: '+91 98123-45678', smsConsent: 'yes' }));
        return (await single.s.store.listEnrollments((await single.s.store.findPersonIdByEmail('priya.sharma@example.com'))!)).map((e) => e.sequenceId).sort();
      })()),
    );
  });

  test('a sign-up that keeps losing the race to create the person answers the same page and sends nothing', async () => {
    const w = world();
    // Another request holds the address each time this one looks, but has not finished writing.
    const busy = { ...w.deps, store: { ...w.deps.store, createPeople: async (people: readonly { person: { personId: string } }[]) => ({ notCreated: people.map((p) => p.person.personId) }) } };
    expect(await subscribe(busy as SubscriptionDeps, form())).toEqual({ status: 'accepted', detail: 'existing', confirmation: 'throttled', smsRequest: 'none' });
    expect(w.s.email.sent).toEqual([]);
    expect(await w.s.store.findPersonIdByEmail('priya.sharma@example.com')).toBeUndefined();
  });

  test('the YES request is one GSM-7 segment', () => {
    expect(smsSegments(smsOptInRequest('light'))).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(smsSegments(smsOptInRequest())).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  test('the SMS box is separate and unticked by default: a number alone is refused, a box alone too', async () => {
    const w = world();
    expect(await subscribe(w.deps, form({ mobile: '+919812345678' }))).toEqual({ status: 'invalid', errors: { smsConsent: expect.stringContaining('Tick the box') } });
    expect(await subscribe(w.deps, form({ smsConsent: 'yes' }))).toEqual({ status: 'invalid', errors: { mobile: expect.stringContaining('mobile number') } });
    expect(w.store.snapshot()).toEqual(world().store.snapshot());
    expect(w.s.email.sent).toEqual([]);
  });

  test('bad input: field errors in our words, nothing stored or sent', async () => {
    const w = world();
    const before = JSON.stringify(w.store.snapshot());
    const outcome = await subscribe(w.deps, { email: 'not-an-address', timeZone: 'Mars/Olympus', season: '1999', visaTrack: 'x', applicantType: '', attempt: '0', step1_exam: '2027-02-30' });
    expect(outcome.status).toBe('invalid');
    const errors = (outcome as { errors: Record<string, string> }).errors;
    expect(Object.keys(errors).sort()).toEqual(['applicantType', 'attempt', 'email', 'season', 'step1_exam', 'timeZone', 'visaTrack']);
    expect(errors.visaTrack).toBe('Choose a visa track (or "not sure yet").');
    expect(JSON.stringify(w.store.snapshot())).toBe(before);
    expect(w.s.email.sent).toEqual([]);
  });

  test('the honeypot: a bot that fills every field gets the same answer and nothing happens', async () => {
    const w = world();
    expect(await subscribe(w.deps, form({ website: 'http://spam.example' }))).toMatchObject({ status: 'accepted', detail: 'ignored' });
    expect(w.s.email.sent).toEqual([]);
    expect(await w.s.store.findPersonIdByEmail('priya.sharma@example.com')).toBeUndefined();
  });

  test('a number already tied to someone else is not moved and gets no text', async () => {
    const w = world();
    await subscribe(w.deps, form({ email: 'ravi@example.org', mobile: '+919812345678', smsConsent: 'yes' }));
    const raviId = await w.s.store.findPersonIdByEmail('ravi@example.org');
    w.s.sms.reset();
    expect(await subscribe(w.deps, form({ mobile: '+919812345678', smsConsent: 'yes' }))).toMatchObject({ status: 'accepted', detail: 'new', smsRequest: 'none' });
    expect(await w.s.store.findPersonIdByPhone('+919812345678')).toBe(raviId);
    expect(w.s.sms.sent).toEqual([]);
    const priya = (await w.s.store.getPerson((await w.s.store.findPersonIdByEmail('priya.sharma@example.com'))!))!;
    expect(priya.phone).toBeUndefined();
    expect(priya.consent.sms).toBeUndefined();
  });
});

describe('confirmation links', () => {
  test('confirming keeps the source and words, updates the time, and plans the email lanes', async () => {
    const w = world();
    await subscribe(w.deps, form());
    const token = linkIn(w.s.email.sent[0]!.text, 'confirm');
    const personId = (await w.s.store.findPersonIdByEmail('priya.sharma@example.com'))!;
    // Reading the link (a mail scanner) changes nothing.
    const before = JSON.stringify(w.store.snapshot());
    expect(await peekConfirmation(w.deps, token)).toEqual({ status: 'pending', personId });
    expect(JSON.stringify(w.store.snapshot())).toBe(before);

    w.s.at('2026-09-02T10:00:00.000Z');
    expect(await confirmEmail(w.deps, token)).toEqual({ status: 'confirmed', personId });
    const person = (await w.s.store.getPerson(personId))!;
    expect(person.consent.email).toEqual({ state: 'confirmed', source: 'web', at: '2026-09-02T10:00:00.000Z', text: EMAIL_CONSENT_TEXT });
    const planned = await w.s.store.listMessages(personId);
    expect(planned.length).toBeGreaterThan(0);
    expect(planned.every((m) => m.channel === 'email' && m.status === 'planned' && Date.parse(m.sendAt) >= Date.parse('2026-09-02T10:00:00.000Z'))).toBe(true);
    // Tracks start when they said yes.
    expect((await w.s.store.listEnrollments(personId)).every((e) => e.anchors.enrolled === '2026-09-02T10:00:00.000Z')).toBe(true);
  });

  test('single use: the second use says "already confirmed" and changes nothing', async () => {
    const w = world();
    const { personId, token } = await signUpAndConfirm(w);
    const before = JSON.stringify(w.store.snapshot());
    w.s.at('2026-09-01T07:00:00.000Z');
    expect(await confirmEmail(w.deps, token)).toEqual({ status: 'already-confirmed', personId });
    expect(JSON.stringify(w.store.snapshot())).toBe(before);
  });

  test('two presses at once: exactly one confirms', async () => {
    const w = world();
    await subscribe(w.deps, form());
    const token = linkIn(w.s.email.sent[0]!.text, 'confirm');
    const outcomes = await Promise.all([confirmEmail(w.deps, token), confirmEmail(w.deps, token), confirmEmail(w.deps, token)]);
    expect(outcomes.filter((o) => o.status === 'confirmed')).toHaveLength(1);
  });

  test('a spent link stays spent after an unsubscribe: it cannot sign the address up again', async () => {
    const w = world();
    const { personId, token } = await signUpAndConfirm(w);
    await unsubscribe(w.deps, issueToken(TEST_TOKEN_SECRET, 'unsubscribe', personId, w.s.clock.now()), 'one-click');
    const before = JSON.stringify(w.store.snapshot());
    expect(await confirmEmail(w.deps, token)).toEqual({ status: 'not-pending' });
    expect(JSON.stringify(w.store.snapshot())).toBe(before);
  });

  test('expired, forged, truncated and wrong-purpose links change nothing', async () => {
    const w = world();
    await subscribe(w.deps, form());
    const token = linkIn(w.s.email.sent[0]!.text, 'confirm');
    const personId = (await w.s.store.findPersonIdByEmail('priya.sharma@example.com'))!;
    const before = JSON.stringify(w.store.snapshot());

    const [payload, signature] = token.split('.') as [string, string];
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'someone-else' })).toString('base64url');
    expect(await confirmEmail(w.deps, `${forgedPayload}.${signature}`)).toEqual({ status: 'invalid-link', reason: 'bad_signature' });
    expect(await confirmEmail(w.deps, issueToken('another-secret-another-secret-0123456789', 'confirm-email', personId, w.s.clock.now()))).toEqual({ status: 'invalid-link', reason: 'bad_signature' });
    expect(await confirmEmail(w.deps, token.slice(0, 30))).toEqual({ status: 'invalid-link', reason: 'malformed' });
    expect(await confirmEmail(w.deps, issueToken(TEST_TOKEN_SECRET, 'preferences', personId, w.s.clock.now()))).toEqual({ status: 'invalid-link', reason: 'wrong_purpose' });
    w.s.at('2026-09-04T06:00:01.000Z'); // three days and a second later
    expect(await confirmEmail(w.deps, token)).toEqual({ status: 'invalid-link', reason: 'expired' });
    expect(JSON.stringify(w.store.snapshot())).toBe(before);
  });
});

describe('re-subscribing', () => {
  test('a confirmed address is not reset; it gets its preferences link at most once a day', async () => {
    const w = world();
    const { personId } = await signUpAndConfirm(w);
    const person = await w.s.store.getPerson(personId);
    const messages = await w.s.store.listMessages(personId);
    w.s.email.sent.length = 0;

    const again = await subscribe(w.deps, form({ season: '2028', visaTrack: 'h1b', timeZone: 'America/Chicago', mobile: '+15551234567', smsConsent: 'yes' }));
    expect(again).toEqual({ status: 'accepted', detail: 'existing', confirmation: 'sent', smsRequest: 'none' });
    expect(await w.s.store.getPerson(personId)).toEqual(person);
    expect(await w.s.store.listMessages(personId)).toEqual(messages);
    expect(w.s.email.sent.map((m) => m.subject)).toEqual(['You are already signed up for Match Coach']);
    expect(w.s.email.sent[0]!.text).toMatch(/https:\/\/coach\.example\.test\/preferences\//);
    expect(w.s.sms.sent).toEqual([]);

    await subscribe(w.deps, form());
    expect(w.s.email.sent).toHaveLength(1);
    w.s.at('2026-09-02T06:00:00.000Z');
    await subscribe(w.deps, form());
    expect(w.s.email.sent).toHaveLength(2);
  });

  test('an unconfirmed address gets a fresh confirmation at most every ten minutes, and the form changes nothing stored', async () => {
    const w = world();
    for (let i = 0; i < 5; i++) await subscribe(w.deps, form());
    expect(w.s.email.sent).toHaveLength(1);
    const personId = (await w.s.store.findPersonIdByEmail('priya.sharma@example.com'))!;
    const stored = JSON.stringify(await w.s.store.getPerson(personId));
    w.s.at('2026-09-01T06:10:00.000Z');
    expect(await subscribe(w.deps, form({ visaTrack: 'h1b', timeZone: 'America/Chicago', firstName: 'Someone else', mobile: '+15551234567', smsConsent: 'yes' }))).toMatchObject({
      detail: 'existing',
      confirmation: 'sent',
      smsRequest: 'none',
    });
    expect(w.s.email.sent).toHaveLength(2);
    // An anonymous form never writes to someone already with us: changes are made in the preferences.
    expect(JSON.stringify(await w.s.store.getPerson(personId))).toBe(stored);
    expect(await w.s.store.findPersonIdByPhone('+15551234567')).toBeUndefined();
    expect(w.s.sms.sent).toEqual([]);
  });

  test('an address SES suppressed gets nothing, whatever the form says', async () => {
    const w = world();
    const { personId } = await signUpAndConfirm(w);
    await handleSesEvent(w.deps, { eventType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: 'priya.sharma@example.com' }] }, mail: {} });
    w.s.email.sent.length = 0;
    expect(await subscribe(w.deps, form())).toMatchObject({ status: 'accepted', detail: 'suppressed' });
    expect(w.s.email.sent).toEqual([]);
    expect((await w.s.store.getPerson(personId))!.consent.email).toMatchObject({ state: 'revoked', source: 'ses-complaint' });
  });

  test('after an unsubscribe, signing up again starts a new double opt-in', async () => {
    const w = world();
    const { personId } = await signUpAndConfirm(w);
    await unsubscribe(w.deps, issueToken(TEST_TOKEN_SECRET, 'unsubscribe', personId, w.s.clock.now()), 'unsubscribe-page');
    w.s.email.sent.length = 0;
    w.s.at('2026-09-01T07:00:00.000Z');
    expect(await subscribe(w.deps, form())).toMatchObject({ detail: 'existing', confirmation: 'sent' });
    // Still off until they press the new link themselves.
    expect((await w.s.store.getPerson(personId))!.consent.email).toMatchObject({ state: 'revoked' });
    expect((await w.s.store.listMessages(personId)).filter((m) => m.status === 'planned')).toEqual([]);
    expect(await confirmEmail(w.deps, linkIn(w.s.email.sent.at(-1)!.text, 'confirm'))).toMatchObject({ status: 'confirmed' });
    expect((await w.s.store.getPerson(personId))!.consent.email).toMatchObject({ state: 'confirmed', source: 'web', text: EMAIL_CONSENT_TEXT });
  });
});

describe('preferences', () => {
  test('viewing changes nothing and hides most of the address', async () => {
    const w = world();
    const { prefs } = await signUpAndConfirm(w, { mobile: '+919812345678', smsConsent: 'yes' });
    const before = JSON.stringify(w.store.snapshot());
    const view = await viewPreferences(w.deps, prefs);
    expect(view).toMatchObject({
      status: 'ok',
      view: { email: 'on', sms: 'waiting', emailMasked: 'p••••••@example.com', phoneMasked: '+91•••••••678', timeZone: 'Asia/Kolkata', season: 2027, dates: { step2_exam: '2026-10-20' }, showPlanToCounselor: false },
    });
    expect(JSON.stringify(w.store.snapshot())).toBe(before);
  });

  test('every change re-plans: zone, quiet hours, dates, counselor choice', async () => {
    const w = world();
    const { personId, prefs } = await signUpAndConfirm(w);
    w.s.at('2026-09-01T08:00:00.000Z');
    const outcome = await updatePreferences(w.deps, prefs, saveForm({ timeZone: 'America/Chicago', quietStart: '20:00', quietEnd: '09:00', step2_exam: '', step1_exam: '2026-12-01', showPlanToCounselor: 'yes', specialty: 'Pediatrics' }));
    expect(outcome).toMatchObject({ status: 'saved' });
    const person = (await w.s.store.getPerson(personId))!;
    expect(person).toMatchObject({ timeZone: 'America/Chicago', quietHours: { start: '20:00', end: '09:00' }, showPlanToCounselor: true, specialty: 'Pediatrics' });
    const active = (await w.s.store.listEnrollments(personId)).filter((e) => e.status === 'active');
    expect(active.every((e) => e.anchors.step1_exam === '2026-12-01' && e.anchors.step2_exam === undefined)).toBe(true);
    const planned = (await w.s.store.listMessages(personId)).filter((m) => m.status === 'planned');
    expect(planned.length).toBeGreaterThan(0);
    expect(planned.every((m) => m.zone === 'America/Chicago' && m.quietHours?.start === '20:00')).toBe(true);
    expect(planned.some((m) => m.anchors.step1_exam === '2026-12-01')).toBe(true);
  });

  test('pausing for N days keeps only deadline alerts until then', async () => {
    const w = world();
    const { personId, prefs } = await signUpAndConfirm(w);
    await updatePreferences(w.deps, prefs, saveForm({ pause: '30' }));
    const until = Date.parse(NOW) + 30 * 86_400_000;
    expect((await w.s.store.getPerson(personId))!.profile.pausedUntil).toBe(new Date(until).toISOString());
    const planned = (await w.s.store.listMessages(personId)).filter((m) => m.status === 'planned');
    const steps = new Map([...library.sequences.values()].flatMap((s) => s.steps.map((st) => [`${s.id}/${st.id}`, st.kind] as const)));
    for (const m of planned) if (Date.parse(m.sendAt) < until) expect(steps.get(`${m.sequenceId}/${m.stepId}`)).toBe('deadline');
    await updatePreferences(w.deps, prefs, saveForm({ pause: 'none' }));
    expect((await w.s.store.getPerson(personId))!.profile.pausedUntil).toBeUndefined();
  });

  test('a track turned off sends only its deadline alerts; a form without the track boxes changes no track; on again brings it back', async () => {
    const w = world();
    const { personId, prefs } = await signUpAndConfirm(w);
    const kindOf = new Map([...library.sequences.values()].flatMap((s) => s.steps.map((st) => [`${s.id}/${st.id}`, st.kind] as const)));
    const planned = async () => (await w.s.store.listMessages(personId)).filter((m) => m.status === 'planned');
    expect((await planned()).some((m) => m.sequenceId === 'self-care')).toBe(true);

    // Every box ticked but self-care's.
    const ticked = Object.fromEntries(OPTIONAL_TRACKS.filter((t) => t.sequenceId !== 'self-care').map((t) => [trackField(t.sequenceId), 'yes']));
    expect(await updatePreferences(w.deps, prefs, saveForm({ tracks: 'shown', ...ticked }))).toMatchObject({ status: 'saved' });
    expect((await w.s.store.getPerson(personId))!.profile.mutedSequences).toEqual(['self-care']);
    for (const m of await planned()) if (m.sequenceId === 'self-care') expect(kindOf.get(`${m.sequenceId}/${m.stepId}`)).toBe('deadline');
    expect((await planned()).some((m) => m.sequenceId === 'season-deadlines')).toBe(true);
    const page = await viewPreferences(w.deps, prefs);
    expect(page.status === 'ok' && page.view.tracks.find((t) => t.sequenceId === 'self-care')).toMatchObject({ on: false });

    // A form that did not carry the boxes leaves the tracks as they are.
    await updatePreferences(w.deps, prefs, saveForm({ pause: 'none' }));
    expect((await w.s.store.getPerson(personId))!.profile.mutedSequences).toEqual(['self-care']);

    const all = Object.fromEntries(OPTIONAL_TRACKS.map((t) => [trackField(t.sequenceId), 'yes']));
    await updatePreferences(w.deps, prefs, saveForm({ tracks: 'shown', ...all }));
    expect((await w.s.store.getPerson(personId))!.profile.mutedSequences).toBeUndefined();
    expect((await planned()).some((m) => m.sequenceId === 'self-care' && kindOf.get(`${m.sequenceId}/${m.stepId}`) !== 'deadline')).toBe(true);
  });

  test('every optional track names a sequence of the library', () => {
    for (const t of OPTIONAL_TRACKS) expect(library.sequences.has(t.sequenceId)).toBe(true);
  });

  test('a new outcome goes through setOutcome: the unmatched path starts', async () => {
    const w = world();
    const { personId, prefs } = await signUpAndConfirm(w);
    w.s.at('2027-03-15T16:00:00.000Z');
    await updatePreferences(w.deps, prefs, saveForm({ outcome: 'unmatched' }));
    const active = (await w.s.store.listEnrollments(personId)).filter((e) => e.status === 'active').map((e) => e.sequenceId);
    expect(active).toContain('unmatched-recovery');
    expect((await w.s.store.getPerson(personId))!.profile.outcome).toBe('unmatched');
  });

  test('the intake on the web: what is done stops its reminders at once, interviews are kept, the lighter setting is stored', async () => {
    const w = world();
    const { personId, prefs } = await signUpAndConfirm(w);
    const nrmpPlanned = async () => (await w.s.store.listMessages(personId)).filter((m) => m.status === 'planned' && /nrmp/.test(m.stepId));
    w.s.at('2027-01-10T06:00:00.000Z');
    await updatePreferences(w.deps, prefs, saveForm());
    expect((await nrmpPlanned()).length).toBeGreaterThan(0);
    const saved = await updatePreferences(w.deps, prefs, saveForm({ milestones: 'shown', done_nrmp_registered: 'yes', interviews: '4', cadence: 'light' }));
    expect(saved).toMatchObject({ status: 'saved' });
    expect(await nrmpPlanned()).toEqual([]);
    const person = (await w.s.store.getPerson(personId))!;
    expect(person.profile.done).toEqual(['nrmp_registered']);
    expect(person.profile.cadence).toBe('light');
    expect(person.interviews).toEqual({ count: 4, at: '2027-01-10T06:00:00.000Z' });
    if (saved.status === 'saved') expect(saved.view.milestones.find((m) => m.milestone === 'nrmp_registered')?.done).toBe(true);
  });

  test('an impossible interview count or setting is refused with a reason, and nothing changes', async () => {
    const w = world();
    const { personId, prefs } = await signUpAndConfirm(w);
    const before = await w.s.store.getPerson(personId);
    for (const bad of [{ interviews: '400' }, { interviews: 'four' }, { cadence: 'daily' }] as Record<string, string>[]) {
      const outcome = await updatePreferences(w.deps, prefs, saveForm({ milestones: 'shown', done_nrmp_registered: 'yes', ...bad }));
      expect(outcome.status).toBe('invalid');
      if (outcome.status === 'invalid') expect(Object.keys(outcome.errors)).toEqual(Object.keys(bad));
    }
    expect(await w.s.store.getPerson(personId)).toEqual(before);
  });

  test('the lighter setting at sign-up: stored with the consent words shown, and the YES text promises its own number', async () => {
    const w = world();
    await signUpAndConfirm(w, { mobile: '+91 98123-45678', smsConsent: 'yes', cadence: 'light' });
    const personId = (await w.s.store.findPersonIdByEmail('priya.sharma@example.com'))!;
    const person = (await w.s.store.getPerson(personId))!;
    expect(person.profile.cadence).toBe('light');
    expect(person.consent.sms?.text).toBe(SMS_CONSENT_TEXT);
    expect(SMS_CONSENT_TEXT).toContain('up to about 3 texts a week');
    expect(SMS_CONSENT_TEXT).toContain('about 1 text a week');
    expect(w.s.sms.sent.map((m) => m.body)).toEqual([smsOptInRequest('light')]);
    expect(smsOptInRequest('light')).toContain('about 1 a week, plus deadline alerts');
  });

  test('emails off: consent revoked, pending emails cancelled; on again: a fresh double opt-in', async () => {
    const w = world();
    const { personId, prefs } = await signUpAndConfirm(w);
    expect((await w.s.store.listMessages(personId)).some((m) => m.channel === 'email' && m.status === 'planned')).toBe(true);
    await updatePreferences(w.deps, prefs, saveForm({ email: 'off' }));
    const person = (await w.s.store.getPerson(personId))!;
    expect(person.consent.email).toMatchObject({ state: 'revoked', source: 'preferences', text: EMAIL_CONSENT_TEXT });
    const messages = await w.s.store.listMessages(personId);
    expect(messages.filter((m) => m.status === 'planned')).toEqual([]);
    expect(messages.some((m) => m.reason === 'unsubscribed')).toBe(true);

    w.s.email.sent.length = 0;
    w.s.at('2026-09-01T06:10:00.000Z'); // the sign-up's confirmation was under ten minutes ago
    const on = await updatePreferences(w.deps, prefs, saveForm({ email: 'on' }));
    expect(on).toMatchObject({ status: 'saved', notes: ['email-confirmation-sent'] });
    expect((await w.s.store.getPerson(personId))!.consent.email).toMatchObject({ state: 'pending', source: 'preferences' });
    expect(w.s.email.sent.map((m) => m.subject)).toEqual(['Please confirm your Match Coach sign-up']);
    expect((await w.s.store.listMessages(personId)).filter((m) => m.status === 'planned')).toEqual([]);
  });

  test('texts on from the preference centre: the box and a number are needed, then one YES request', async () => {
    const w = world();
    const { personId, prefs } = await signUpAndConfirm(w);
    const before = JSON.stringify(w.store.snapshot());
    expect(await updatePreferences(w.deps, prefs, saveForm({ sms: 'on' }))).toMatchObject({ status: 'invalid', errors: { mobile: expect.any(String) } });
    expect(await updatePreferences(w.deps, prefs, saveForm({ sms: 'on', mobile: '+919812345678' }))).toMatchObject({ status: 'invalid', errors: { smsConsent: expect.any(String) } });
    expect(JSON.stringify(w.store.snapshot())).toBe(before);
    expect(await updatePreferences(w.deps, prefs, saveForm({ sms: 'on', mobile: '+919812345678', smsConsent: 'yes' }))).toMatchObject({ status: 'saved', notes: ['sms-request-sent'] });
    expect((await w.s.store.getPerson(personId))!.consent.sms).toMatchObject({ state: 'pending', source: 'preferences', text: SMS_CONSENT_TEXT });
    expect(w.s.sms.sent.map((m) => m.body)).toEqual([smsOptInRequest()]);
    expect((await w.s.store.listMessages(personId)).some((m) => m.channel === 'sms')).toBe(false);
  });

  test('quiet hours may only be wider than 21:00-08:00; a refused form changes nothing', async () => {
    const w = world();
    const { prefs } = await signUpAndConfirm(w);
    const before = JSON.stringify(w.store.snapshot());
    for (const [quietStart, quietEnd] of [['22:00', '08:00'], ['21:00', '07:00'], ['23:30', '06:00']]) {
      const outcome = await updatePreferences(w.deps, prefs, saveForm({ quietStart: quietStart!, quietEnd: quietEnd! }));
      expect(outcome.status).toBe('invalid');
    }
    expect(JSON.stringify(w.store.snapshot())).toBe(before);
  });
});

describe('unsubscribe', () => {
  test('one-click revokes email consent and cancels pending emails only; a second time changes nothing', async () => {
    const w = world();
    const { personId } = await signUpAndConfirm(w, { mobile: '+919812345678', smsConsent: 'yes' });
    const token = issueToken(TEST_TOKEN_SECRET, 'unsubscribe', personId, w.s.clock.now());
    const before = JSON.stringify(w.store.snapshot());
    expect(await checkUnsubscribeLink(w.deps, token)).toEqual({ status: 'ok' });
    expect(JSON.stringify(w.store.snapshot())).toBe(before);

    w.s.at('2026-09-01T09:00:00.000Z');
    expect(await unsubscribe(w.deps, token, 'one-click')).toEqual({ status: 'unsubscribed', personId });
    const person = (await w.s.store.getPerson(personId))!;
    expect(person.consent.email).toEqual({ state: 'revoked', source: 'one-click', at: '2026-09-01T09:00:00.000Z', text: EMAIL_CONSENT_TEXT });
    expect(person.consent.sms?.state).toBe('pending');
    expect((await w.s.store.listMessages(personId)).filter((m) => m.channel === 'email' && m.status === 'planned')).toEqual([]);

    const after = JSON.stringify(w.store.snapshot());
    w.s.at('2026-09-01T09:05:00.000Z');
    expect(await unsubscribe(w.deps, token, 'one-click')).toEqual({ status: 'already-unsubscribed', personId });
    expect(JSON.stringify(w.store.snapshot())).toBe(after);
  });

  test('a link for a person who erased their data still answers "unsubscribed"', async () => {
    const w = world();
    const { personId, prefs } = await signUpAndConfirm(w);
    await eraseMyData(w.deps, prefs);
    expect(await unsubscribe(w.deps, issueToken(TEST_TOKEN_SECRET, 'unsubscribe', personId, w.s.clock.now()), 'one-click')).toEqual({ status: 'already-unsubscribed' });
    expect(await w.s.store.getPerson(personId)).toBeUndefined();
  });
});

describe('delete all my data', () => {
  test('erases everything, leaves others alone, and logs nothing personal', async () => {
    const w = world();
    const other = await signUpAndConfirm(w, { email: 'ravi@example.org', firstName: 'Ravi', mobile: '+923001234567', smsConsent: 'yes', specialty: 'Psychiatry' });
    const otherBefore = { person: await w.s.store.getPerson(other.personId), messages: await w.s.store.listMessages(other.personId) };
    const { personId, prefs } = await signUpAndConfirm(w, { mobile: '+919812345678', smsConsent: 'yes' });
    await w.s.store.saveJournalEntry({ personId, entryId: 'SM' + '1'.repeat(32), at: NOW, kind: 'note', text: 'A private worry' });
    expect((await w.s.store.listMessages(personId)).length).toBeGreaterThan(0);

    expect(await eraseMyData(w.deps, prefs)).toMatchObject({ status: 'erased' });
    expect(await w.s.store.getPerson(personId)).toBeUndefined();
    expect(await w.s.store.listMessages(personId)).toEqual([]);
    expect(await w.s.store.listEnrollments(personId)).toEqual([]);
    expect(await w.s.store.listJournalEntries(personId)).toEqual([]);
    expect(await w.s.store.findPersonIdByEmail('priya.sharma@example.com')).toBeUndefined();
    expect(await w.s.store.findPersonIdByPhone('+919812345678')).toBeUndefined();
    expect(await w.s.store.listPersonIdsInSeason(2027)).toEqual([other.personId]);
    const everything = JSON.stringify(w.store.snapshot());
    for (const trace of [personId, 'priya', '9812345678', 'A private worry', 'nephrology']) expect(everything.toLowerCase()).not.toContain(trace.toLowerCase());
    expect(await w.s.store.getPerson(other.personId)).toEqual(otherBefore.person);
    expect(await w.s.store.listMessages(other.personId)).toEqual(otherBefore.messages);

    const logged = JSON.stringify(w.logs);
    for (const personal of ['priya', 'ravi@', '9812345678', '3001234567', 'private worry', 'nephrology']) expect(logged.toLowerCase()).not.toContain(personal);
    expect(w.logs.at(-1)).toEqual(['person erased on request', { items: expect.any(Number) }]);
    // The link now opens nothing.
    expect(await viewPreferences(w.deps, prefs)).toEqual({ status: 'invalid-link', reason: 'unknown_person' });
  });
});

describe('SES events', () => {
  const bounce = (bounceType: string, address = 'priya.sharma@example.com') => ({
    eventType: 'Bounce',
    bounce: { bounceType, bouncedRecipients: [{ emailAddress: address }] },
    mail: { destination: [address] },
  });

  test('a permanent bounce suppresses: consent revoked (ses-bounce), pending emails cancelled; a replay changes nothing', async () => {
    const w = world();
    const { personId } = await signUpAndConfirm(w);
    expect(await handleSesEvent(w.deps, bounce('Permanent', 'Priya.Sharma@example.com'))).toEqual({ status: 'suppressed', suppressed: 1, unknown: 0 });
    expect((await w.s.store.getPerson(personId))!.consent.email).toMatchObject({ state: 'revoked', source: 'ses-bounce', text: EMAIL_CONSENT_TEXT });
    const messages = await w.s.store.listMessages(personId);
    expect(messages.filter((m) => m.status === 'planned')).toEqual([]);
    expect(messages.some((m) => m.reason === 'bounced')).toBe(true);
    const after = JSON.stringify(w.store.snapshot());
    await handleSesEvent(w.deps, bounce('Permanent'));
    expect(JSON.stringify(w.store.snapshot())).toBe(after);
  });

  test('a complaint suppresses (also in the notification format, from mail.destination)', async () => {
    const w = world();
    const { personId } = await signUpAndConfirm(w);
    const outcome = await handleSesEvent(w.deps, { notificationType: 'Complaint', complaint: { complaintFeedbackType: 'abuse' }, mail: { destination: ['Priya <priya.sharma@example.com>'] } });
    expect(outcome).toEqual({ status: 'suppressed', suppressed: 1, unknown: 0 });
    expect((await w.s.store.getPerson(personId))!.consent.email).toMatchObject({ state: 'revoked', source: 'ses-complaint' });
  });

  test('transient and undetermined bounces, deliveries and unknown addresses change nothing', async () => {
    const w = world();
    await signUpAndConfirm(w);
    const before = JSON.stringify(w.store.snapshot());
    expect(await handleSesEvent(w.deps, bounce('Transient'))).toEqual({ status: 'ignored', suppressed: 0, unknown: 0 });
    expect(await handleSesEvent(w.deps, bounce('Undetermined'))).toEqual({ status: 'ignored', suppressed: 0, unknown: 0 });
    expect(await handleSesEvent(w.deps, { eventType: 'Delivery', mail: { destination: ['priya.sharma@example.com'] } })).toMatchObject({ status: 'ignored' });
    expect(await handleSesEvent(w.deps, bounce('Permanent', 'nobody@example.com'))).toEqual({ status: 'ignored', suppressed: 0, unknown: 1 });
    expect(JSON.stringify(w.store.snapshot())).toBe(before);
    await expect(handleSesEvent(w.deps, { hello: 'world' })).rejects.toThrow('not an SES event');
  });
});

describe('calendar feed', () => {
  test('the season and personal dates, with UIDs stable across fetches', async () => {
    const w = world();
    const { personId } = await signUpAndConfirm(w, { step1_exam: '2026-11-02' });
    const token = issueToken(TEST_TOKEN_SECRET, 'calendar', personId, w.s.clock.now());
    const first = await calendarFeed(w.deps, token);
    w.s.at('2026-09-05T00:00:00.000Z');
    const second = await calendarFeed(w.deps, token);
    if (first.status !== 'ok' || second.status !== 'ok') throw new Error('feed refused');
    const uids = (ics: string) => [...ics.matchAll(/^UID:(.+)$/gm)].map((m) => m[1]);
    expect(uids(first.ics)).toEqual(uids(second.ics));
    expect(first.ics).toContain('DTSTART;VALUE=DATE:20261102');
    expect(first.ics).toContain('DTSTART;VALUE=DATE:20261020');
    // Match Day 2027: 19 March, 12:00 Eastern = 16:00 UTC.
    expect(first.ics).toMatch(/DTSTART:20270319T160000Z\r\nSUMMARY:Match Day results/);
    expect(first.ics).not.toContain(personId);
    // A real RFC 5545 parser reads every event: the whole season plus their two dates.
    const events = new ICAL.Component(ICAL.parse(first.ics)).getAllSubcomponents('vevent');
    expect(events).toHaveLength(seasonCalendar(2027, library.calendar).length + 2);
    expect(events.every((e) => e.getFirstPropertyValue('uid') && e.getFirstPropertyValue('dtstamp'))).toBe(true);
    expect(await calendarFeed(w.deps, issueToken(TEST_TOKEN_SECRET, 'preferences', personId, w.s.clock.now()))).toEqual({ status: 'invalid-link', reason: 'wrong_purpose' });
  });
});
