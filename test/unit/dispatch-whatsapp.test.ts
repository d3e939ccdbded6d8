import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import type { DispatchDeps, DispatchSettings } from '../../shared/app/dispatch/deps';
import { createMemoryRateBudget } from '../../shared/adapters/memory/memory-rate-budget';
import type { RateBudget, WhatsAppSender } from '../../shared/ports';
import { createFakeTime } from '../support/fake-time';
import { enroll, planLanes } from '../../shared/app/scheduling/enroll';
import { replanPerson } from '../../shared/app/scheduling/replan';
import { handleWhatsAppRefusal } from '../../shared/app/dispatch/whatsapp-refusals';
import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemorySmsSender } from '../../shared/adapters/memory/memory-sms-sender';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { createMemoryWhatsAppSender } from '../../shared/adapters/memory/memory-whatsapp-sender';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import { whatsappTemplateTable } from '../../shared/content';
import type { Message, Person } from '../../shared/domain/model';
import { isInQuietHours } from '../../shared/domain/schedule';
import { WHATSAPP_REASONS } from '../../shared/domain/whatsapp';
import { queueMessage } from '../support/seed';

/**
 * The dispatcher on WhatsApp (memory twins, the twin keeping WhatsApp's own 24-hour rule): free
 * text inside the window, the step's approved template outside it, never free text outside it;
 * skipped with a reason when no approved template fits; the same claim, pacing, quiet hours and
 * exactly-once as texts; WhatsApp's refusals handled without losing the message.
 */

const ZONE = 'Asia/Kolkata';
const PHONE = '+919812345678';
const templates = whatsappTemplateTable();
const sidOf = (name: string) => `HX${Buffer.from(name).toString('hex').padEnd(32, '0').slice(0, 32)}`;
const allApproved = new Map(templates.templates.map((t) => [t.name, sidOf(t.name)]));

function world(startIso = '2027-01-04T04:00:00Z', approved: ReadonlyMap<string, string> = allApproved) {
  let now = new Date(startIso);
  const clock = { now: () => now };
  const store = createMemoryStore();
  const email = createMemoryEmailSender();
  const sms = createMemorySmsSender();
  const whatsapp = createMemoryWhatsAppSender({ clock });
  for (const t of templates.templates) whatsapp.registerTemplate(sidOf(t.name), t.text);
  const settings: DispatchSettings = {
    leaseSeconds: 120,
    concurrency: 4,
    maxDurationMs: 30_000,
    postalAddress: 'Match Coach, 1 Test Street, Boston, MA',
    whatsapp: { templates, approved },
    links: {
      unsubscribeUrl: (p) => `https://coach.example.test/unsubscribe/${p}`,
      preferencesUrl: (p) => `https://coach.example.test/preferences/${p}`,
      smsStatusCallbackUrl: (p, m) => `https://coach.example.test/webhooks/twilio/status?p=${p}&m=${m}`,
    },
  };
  const deps = { store, email, sms, whatsapp, clock, settings, library: shippedLibrary() };
  return {
    deps, store, email, sms, whatsapp, clock,
    at: (iso: string) => { now = new Date(iso); },
    dispatch: createDispatcher(deps),
    /** Someone coached on WhatsApp (and, with `email`, by email too), enrolled in the demo sequence. */
    async onWhatsApp(options: { email?: boolean; phone?: string } = {}): Promise<string> {
      const phone = options.phone ?? PHONE;
      const { personId } = await enroll(deps, {
        phone, firstName: 'Priya', timeZone: ZONE, sequenceId: 'getting-started', season: 2027, anchors: { step2_exam: '2027-01-20' },
        ...(options.email && { email: 'priya@example.com' }),
      });
      const person = (await store.getPerson(personId))!;
      const { sms: _sms, ...consent } = person.consent;
      const whatsappConsent = { state: 'confirmed' as const, source: 'web', at: now.toISOString(), text: 'Send me Match Coach reminders and coaching on WhatsApp.' };
      const saved: Person = { ...person, consent: { ...consent, whatsapp: whatsappConsent } };
      await store.savePerson(saved);
      await store.cancelPendingMessages(personId, 'sms-off', now, 'sms');
      for (const enrollment of await store.listEnrollments(personId)) await planLanes({ store, library: deps.library }, saved, enrollment, now, now);
      return personId;
    },
    /** Moves the clock to when the person's first WhatsApp message falls due. */
    async toFirstDue(personId: string) {
      const first = (await store.listMessages(personId)).filter((m) => m.channel === 'whatsapp' && m.status === 'planned').sort((a, b) => a.sendAt.localeCompare(b.sendAt))[0]!;
      now = new Date(first.sendAt);
      return first;
    },
    /** The person writes to us on WhatsApp now: what the inbound webhook records. */
    async writes(personId: string, phone = PHONE) {
      await store.noteInbound(personId, now);
      whatsapp.receive(phone);
    },
  };
}

async function walk(w: ReturnType<typeof world>, untilIso: string) {
  const until = Date.parse(untilIso);
  for (let i = 0; i < 10_000 && w.clock.now().getTime() <= until; i++) {
    await w.dispatch();
    const due = (await w.store.listDueMessages(new Date(until), 1))[0];
    if (!due) break;
    const next = Math.max(Date.parse(due.dueAt), w.clock.now().getTime() + 60_000);
    w.at(new Date(Math.ceil(next / 60_000) * 60_000).toISOString());
  }
}

const whatsappMessages = async (w: ReturnType<typeof world>, personId: string) => (await w.store.listMessages(personId)).filter((m) => m.channel === 'whatsapp');

describe('WhatsApp lanes', () => {
  it('plans WhatsApp instead of texts for someone who chose WhatsApp, and keeps quiet hours', async () => {
    const w = world();
    const personId = await w.onWhatsApp();
    const pending = (await w.store.listMessages(personId)).filter((m) => m.status === 'planned');
    expect(pending.map((m) => m.channel)).toEqual(['whatsapp']);
    await walk(w, '2027-02-15T00:00:00Z');
    expect(w.sms.sent).toEqual([]);
    const sent = (await whatsappMessages(w, personId)).filter((m) => m.status === 'sent');
    expect(sent.length).toBeGreaterThan(5);
    for (const m of sent) expect(isInQuietHours(new Date(m.attempts.at(-1)!.at), ZONE)).toBe(false);
  });
});

describe('the 24-hour rule', () => {
  it('sends free text while the window is open', async () => {
    const w = world();
    const personId = await w.onWhatsApp();
    await w.toFirstDue(personId);
    await w.writes(personId);
    await w.dispatch();
    const [welcome] = w.whatsapp.accepted;
    expect(welcome!.content).toEqual({ kind: 'text', body: expect.stringContaining('Priya') });
    expect(welcome!.status).toBe('delivered');
  });

  it('sends the step\'s approved template outside the window, its words in the placeholder, and never free text', async () => {
    const w = world();
    const personId = await w.onWhatsApp();
    await walk(w, '2027-02-15T00:00:00Z');
    expect(w.whatsapp.accepted.length).toBeGreaterThan(5);
    for (const m of w.whatsapp.accepted) {
      expect(m.content.kind).toBe('template');
      expect(m.status).toBe('delivered');
    }
    const alert = (await whatsappMessages(w, personId)).find((m) => m.stepId === 'exam-in-three-days' && m.status === 'sent')!;
    const delivered = w.whatsapp.accepted.find((m) => m.messageId === alert.messageId)!;
    expect(delivered.content).toEqual({ kind: 'template', contentSid: sidOf('deadline_alert'), variables: { '1': expect.stringContaining('3 days') } });
    expect(delivered.body.startsWith('Match Coach reminder: ')).toBe(true);
  });

  it('goes as the template in the last minutes of the window, when Twilio\'s queue could carry it past the end', async () => {
    const w = world();
    const personId = await w.onWhatsApp();
    const welcome = await w.toFirstDue(personId);
    // They wrote 23 h 50 min before the welcome is due: WhatsApp's window is still open for ten
    // minutes, ours (less the margin) has closed, so the welcome goes as its template.
    w.at(new Date(Date.parse(welcome.sendAt) - (23 * 60 + 50) * 60_000).toISOString());
    await w.writes(personId);
    w.at(welcome.sendAt);
    await w.dispatch();
    expect(w.whatsapp.accepted.map((m) => [m.content.kind, m.status])).toEqual([['template', 'delivered']]);
  });

  it('skips a step whose template Meta has not approved, with the reason, and sends nothing', async () => {
    const w = world('2027-01-04T04:00:00Z', new Map([...allApproved].filter(([name]) => name !== 'coaching_nudge')));
    const personId = await w.onWhatsApp();
    await w.toFirstDue(personId);
    await w.dispatch();
    const [welcome] = await whatsappMessages(w, personId);
    expect(welcome).toMatchObject({ stepId: 'welcome', status: 'skipped', reason: WHATSAPP_REASONS.templateNotApproved });
    expect(w.whatsapp.accepted).toEqual([]);
  });

  it('skips a step with no template at all, never sending it as free text', async () => {
    const w = world();
    const withoutNudges = { templates: templates.templates.filter((t) => !('kinds' in t.for && t.for.kinds.includes('nudge'))) };
    const personId = await w.onWhatsApp();
    await w.toFirstDue(personId);
    await createDispatcher({ ...w.deps, settings: { ...w.deps.settings, whatsapp: { templates: withoutNudges, approved: allApproved } } })();
    expect((await whatsappMessages(w, personId))[0]).toMatchObject({ status: 'skipped', reason: WHATSAPP_REASONS.noTemplate });
    expect(w.whatsapp.accepted).toEqual([]);
  });

  it('never sends a marketing template to a +1 number; a utility deadline alert still goes', async () => {
    const w = world();
    const personId = await w.onWhatsApp({ phone: '+15551230000' });
    await walk(w, '2027-02-15T00:00:00Z');
    const mine = await whatsappMessages(w, personId);
    const nudges = mine.filter((m) => m.stepId === 'welcome');
    expect(nudges[0]).toMatchObject({ status: 'skipped', reason: WHATSAPP_REASONS.marketingToUs });
    expect(w.whatsapp.accepted.every((m) => m.content.kind === 'template' && m.content.contentSid === sidOf('deadline_alert'))).toBe(true);
    expect(w.whatsapp.accepted.length).toBeGreaterThan(0);
  });

  it('skips every WhatsApp message, with a reason, where WhatsApp is not set up', async () => {
    const w = world();
    const personId = await w.onWhatsApp();
    await w.toFirstDue(personId);
    const { whatsapp: _none, ...withoutWhatsApp } = w.deps.settings;
    await createDispatcher({ ...w.deps, settings: withoutWhatsApp })();
    expect((await whatsappMessages(w, personId))[0]).toMatchObject({ status: 'skipped', reason: WHATSAPP_REASONS.notConfigured });
  });
});

describe('exactly once, safe', () => {
  it('retries a provider fault with the same message, and sends it once', async () => {
    const w = world();
    const personId = await w.onWhatsApp();
    const first = await w.toFirstDue(personId);
    w.whatsapp.failNext(1, { status: 'failed', retryable: true, code: 'provider_error', reason: 'twilio error 20500 (HTTP 500)' });
    await w.dispatch();
    expect(w.whatsapp.accepted).toEqual([]);
    w.at(new Date(Date.parse(first.sendAt) + 5 * 60_000).toISOString());
    await w.dispatch();
    const welcome = (await whatsappMessages(w, personId)).find((m) => m.stepId === 'welcome')!;
    expect(welcome.status).toBe('sent');
    expect(w.whatsapp.accepted.filter((m) => m.messageId === welcome.messageId)).toHaveLength(1);
  });

  it('never reads a whatsapp address from anywhere but the person: the message goes to their own number', async () => {
    const w = world();
    const personId = await w.onWhatsApp();
    await w.toFirstDue(personId);
    await w.dispatch();
    expect(new Set(w.whatsapp.accepted.map((m) => m.to))).toEqual(new Set([PHONE]));
    expect((await whatsappMessages(w, personId)).every((m) => m.to === PHONE)).toBe(true);
  });
});

describe("WhatsApp's refusals become reasons and a second path, once", () => {
  async function refusedWelcome(w: ReturnType<typeof world>, personId: string, errorCode: number) {
    await w.toFirstDue(personId);
    await w.dispatch();
    const welcome = (await whatsappMessages(w, personId)).find((m) => m.stepId === 'welcome')!;
    return handleWhatsAppRefusal({ store: w.store, clock: w.clock, library: shippedLibrary() }, { personId, messageId: welcome.messageId, errorCode });
  }

  it('63016: records the window closed and sends the words by email when the person has it', async () => {
    const w = world();
    const personId = await w.onWhatsApp({ email: true });
    await w.toFirstDue(personId);
    await w.writes(personId);
    const result = await refusedWelcome(w, personId, 63016);
    expect(result).toEqual({ outcome: 'handled', reason: WHATSAPP_REASONS.windowClosed, fallback: 'none' });
    // The welcome also has email words: the email lane carries them, so nothing goes twice.
    expect((await w.store.getWindow(personId))?.closedAt).toBeDefined();
  });

  it('63016 on a text-only step: the same words by email, once however often the callback comes', async () => {
    const w = world();
    const personId = await w.onWhatsApp({ email: true });
    const message: Message = {
      personId, messageId: 'enr.paced-breathing.once.whatsapp', enrollmentId: 'enr', sequenceId: 'getting-started', stepId: 'paced-breathing', channel: 'whatsapp',
      to: PHONE, zone: ZONE, anchors: {}, profile: (await w.store.getPerson(personId))!.profile, sendAt: '2027-01-04T04:00:00.000Z',
      status: 'sent', attempts: [], updatedAt: '2027-01-04T04:00:00.000Z',
    };
    await queueMessage(w.store, message);
    const handle = () => handleWhatsAppRefusal({ store: w.store, clock: w.clock, library: shippedLibrary() }, { personId, messageId: message.messageId, errorCode: 63016 });
    expect(await handle()).toMatchObject({ fallback: 'email' });
    expect(await handle()).toMatchObject({ fallback: 'email' });
    const fallbacks = (await w.store.listMessages(personId)).filter((m) => m.fallback);
    expect(fallbacks.map((m) => [m.messageId, m.channel, m.fallback])).toEqual([[`${message.messageId}.fallback.email`, 'email', { of: message.messageId, reason: WHATSAPP_REASONS.windowClosed }]]);
    await w.dispatch();
    const mail = w.email.sent.find((e) => e.subject === 'A message from Match Coach')!;
    expect(mail.text).toContain('meant for you on WhatsApp');
    expect(mail.headers?.['List-Unsubscribe']).toBeDefined();
    // A second try is no step of a lane: nothing is planned after it.
    expect((await w.store.listMessages(personId)).filter((m) => m.fallback)).toHaveLength(1);
  });

  it('63016 without email: the same step again on WhatsApp, where the closed window makes it a template', async () => {
    const w = world();
    const personId = await w.onWhatsApp();
    await w.toFirstDue(personId);
    await w.writes(personId);
    expect(await refusedWelcome(w, personId, 63016)).toMatchObject({ fallback: 'whatsapp-template' });
    await w.dispatch();
    expect(w.whatsapp.accepted.map((m) => m.content.kind)).toEqual(['text', 'template']);
  });

  it('63003: WhatsApp turned off, its pending messages withdrawn, and an email that asks the person to choose', async () => {
    const w = world();
    const personId = await w.onWhatsApp({ email: true });
    w.whatsapp.refuse(PHONE, 63003);
    expect(await refusedWelcome(w, personId, 63003)).toEqual({ outcome: 'handled', reason: WHATSAPP_REASONS.notOnWhatsApp, fallback: 'email' });
    const person = (await w.store.getPerson(personId))!;
    expect(person.consent.whatsapp).toMatchObject({ state: 'revoked', source: 'whatsapp-unreachable' });
    const pending = (await whatsappMessages(w, personId)).filter((m) => m.status === 'planned');
    expect(pending).toEqual([]);
    await w.dispatch();
    const mail = w.email.sent.find((e) => e.subject === 'We could not reach you on WhatsApp')!;
    expect(mail.text).toContain('not on WhatsApp');
    expect(mail.text).toContain('https://coach.example.test/preferences/');
    // Re-planning never brings WhatsApp back for them.
    await replanPerson(w.deps, personId);
    expect((await whatsappMessages(w, personId)).filter((m) => m.status === 'planned')).toEqual([]);
  });

  it('a refusal given on the create itself is handled the same way, and the message fails with the reason code', async () => {
    const w = world();
    const personId = await w.onWhatsApp({ email: true });
    await w.toFirstDue(personId);
    w.whatsapp.failNext(1, { status: 'failed', retryable: false, code: 'whatsapp_refused', reason: 'twilio error 63024 (HTTP 400)', whatsappErrorCode: 63024 });
    await w.dispatch();
    const welcome = (await whatsappMessages(w, personId)).find((m) => m.stepId === 'welcome')!;
    expect(welcome).toMatchObject({ status: 'failed', reason: WHATSAPP_REASONS.invalidRecipient });
    expect((await w.store.getPerson(personId))!.consent.whatsapp?.state).toBe('revoked');
    expect((await w.store.listMessages(personId)).some((m) => m.fallback?.of === welcome.messageId && m.channel === 'email')).toBe(true);
  });

  it('ignores codes that are not WhatsApp refusals, and messages that are not WhatsApp ones', async () => {
    const w = world();
    const personId = await w.onWhatsApp();
    await w.toFirstDue(personId);
    await w.dispatch();
    const welcome = (await whatsappMessages(w, personId))[0]!;
    const deps = { store: w.store, clock: w.clock, library: shippedLibrary() };
    const before = await w.store.listMessages(personId);
    expect(await handleWhatsAppRefusal(deps, { personId, messageId: welcome.messageId, errorCode: 30003 })).toEqual({ outcome: 'ignored' });
    expect(await handleWhatsAppRefusal(deps, { personId, messageId: 'no-such-message', errorCode: 63016 })).toEqual({ outcome: 'ignored' });
    expect(await w.store.listMessages(personId)).toEqual(before);
  });
});

describe('paced like texts, on a budget of its own', () => {
  it('draws every WhatsApp send from the whatsapp budget at its own rate, never from the SMS one', async () => {
    const time = createFakeTime('2027-01-04T04:00:00.000Z');
    const store = createMemoryStore();
    const inner = createMemoryRateBudget();
    const draws: string[] = [];
    const budget: RateBudget = { take: (request) => { draws.push(request.channel); return inner.take(request); } };
    const whatsapp = createMemoryWhatsAppSender({ clock: time.clock });
    for (const t of templates.templates) whatsapp.registerTemplate(sidOf(t.name), t.text);
    const sendTimes: number[] = [];
    const paced: WhatsAppSender = { send: async (m) => { sendTimes.push(time.now()); return whatsapp.send(m); } };
    const deps: DispatchDeps = {
      store, email: createMemoryEmailSender(), sms: createMemorySmsSender(), whatsapp: paced, clock: time.clock, sleep: time.sleep, budget, library: shippedLibrary(),
      settings: {
        leaseSeconds: 120, concurrency: 4, maxDurationMs: 600_000, postalAddress: 'Match Coach, 1 Test Street, Boston, MA',
        whatsapp: { templates, approved: allApproved },
        pacing: { sms: { perSecond: 50, jitterMs: 25 }, email: { perSecond: 50, jitterMs: 25 }, whatsapp: { perSecond: 2, jitterMs: 25 } },
      },
    };
    // Ten people on WhatsApp, each with a deadline alert due now (utility template: any number may get it).
    const base: Message = {
      personId: 'p', messageId: 'm', enrollmentId: 'e', sequenceId: 'season-deadlines', stepId: shippedLibrary().sequences.get('season-deadlines')!.steps.find((s) => s.kind === 'deadline' && s.channels.includes('sms'))!.id,
      channel: 'whatsapp', to: PHONE, zone: ZONE, anchors: {}, profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
      sendAt: '2027-01-04T04:00:00.000Z', dueAt: '2027-01-04T04:00:00.000Z', status: 'planned', attempts: [], updatedAt: '2027-01-04T04:00:00.000Z',
    };
    for (let i = 0; i < 10; i++) await queueMessage(store, { ...base, personId: `p-${i}`, enrollmentId: `e-${i}`, messageId: `e-${i}.alert.once.whatsapp`, to: `+9198123450${String(i).padStart(2, '0')}` });
    const report = await time.run(createDispatcher(deps)());
    expect(report.sent).toBe(10);
    expect(new Set(draws)).toEqual(new Set(['whatsapp']));
    // Never more than two in any one-second window.
    for (const t of sendTimes) expect(sendTimes.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(2);
    expect(Math.max(...sendTimes) - Math.min(...sendTimes)).toBeGreaterThanOrEqual(4000);
  });
});
