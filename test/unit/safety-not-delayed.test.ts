import { createMemoryRateBudget } from '../../shared/adapters/memory/memory-rate-budget';
import { createMemorySmsSender } from '../../shared/adapters/memory/memory-sms-sender';
import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { helpFor } from '../../shared/app/safety/crisis-resources';
import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import type { DispatchDeps } from '../../shared/app/dispatch/deps';
import { enroll } from '../../shared/app/scheduling/enroll';
import { handleInboundSms } from '../../shared/app/inbound/inbound-sms';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import type { Library } from '../../shared/app/scheduling/planning';
import { askDirectlyReply, crisisReply } from '../../shared/domain/safety-replies';
import { isInQuietHours } from '../../shared/domain/schedule';
import type { RateBudget } from '../../shared/ports';
import { createFakeTime } from '../support/fake-time';
import { queueMessage } from '../support/seed';

/**
 * Safety replies never wait. They are the webhook's own TwiML answer, so they take no slot of the
 * shared send budget, meet no quiet hours, no spacing and no provider backoff: shown here under a
 * Match Day burst, with the dispatcher stuck behind an exhausted budget and a provider answering
 * 429 to everything, at 21:30 in the person's zone.
 */

const MATCH_DAY_NOON_ET = '2027-03-19T16:00:00.000Z'; // 21:30 in Kolkata: quiet hours there
const PHONE = '+919812345678';
const ZONE = 'Asia/Kolkata';
const shipped = shippedLibrary();
const library: Library = { ...shipped, sequences: new Map([['getting-started', shipped.sequences.get('getting-started')!]]) };

async function burst(backlog: number) {
  const time = createFakeTime('2027-03-10T04:00:00.000Z');
  const store = createMemoryStore();
  const sms = createMemorySmsSender();
  // The provider is overwhelmed: every send is throttled (HTTP 429, Twilio 20429).
  sms.failNext(1_000_000, { status: 'failed', retryable: true, code: 'throttled', retryAfterSeconds: 60, reason: 'HTTP 429: Too Many Requests (20429)' });
  const inner = createMemoryRateBudget();
  let budgetDraws = 0;
  const budget: RateBudget = { take: (request) => { budgetDraws++; return inner.take(request); } };
  const deps: DispatchDeps = {
    store,
    sms,
    email: createMemoryEmailSender(),
    clock: time.clock,
    sleep: time.sleep,
    budget,
    library,
    settings: {
      leaseSeconds: 120,
      concurrency: 4,
      maxDurationMs: 600_000,
      postalAddress: 'Match Coach, 1 Test Street, Boston, MA',
      pacing: { sms: { perSecond: 1, jitterMs: 0 }, email: { perSecond: 1, jitterMs: 0 } },
      textSpacingMinutes: 30,
    },
  };
  const { personId } = await enroll(deps, { email: 'priya@example.com', phone: PHONE, firstName: 'Priya', timeZone: ZONE, sequenceId: 'getting-started', season: 2027 });
  // The Match Day burst: everyone else's texts (noon in New York, no quiet hours) fall due at the same minute.
  const [template] = (await store.listMessages(personId)).filter((m) => m.channel === 'sms' && m.status === 'planned');
  for (let i = 0; i < backlog; i++) {
    await queueMessage(store, { ...template!, personId: `p-${i}`, enrollmentId: `e-${i}`, messageId: `e-${i}.burst.0.sms`, to: `+1212555${String(i).padStart(4, '0')}`, zone: 'America/New_York', sendAt: MATCH_DAY_NOON_ET, dueAt: MATCH_DAY_NOON_ET, urgent: true });
  }
  time.set(MATCH_DAY_NOON_ET);
  let sid = 0;
  const text = (body: string) =>
    handleInboundSms({ store, clock: time.clock, library, helpAddress: 'help@coach.example.test' }, { messageSid: `SM${(++sid).toString(16).padStart(32, '0')}`, from: PHONE, to: '+15005550006', body });
  return { time, store, sms, deps, personId, text, draws: () => budgetDraws };
}

it('a risk text gets the crisis reply at once while a Match Day backlog waits on the budget and a throttling provider', async () => {
  const w = await burst(40);
  expect(isInQuietHours(w.time.clock.now(), ZONE, { start: '21:00', end: '08:00' })).toBe(true);

  // A tick starts on the backlog; fake time does not move, so it stays stuck behind the budget and the 429s.
  let tickDone = false;
  const tick = createDispatcher(w.deps)().then(() => (tickDone = true));
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
  const drawsBefore = w.draws();
  const providerCallsBefore = w.sms.sent.length;
  // The dispatcher is busy: it has drawn from the budget and is waiting for more.
  expect(drawsBefore).toBeGreaterThan(0);

  const answer = await w.text("I'm going to end my life tonight");
  expect(answer).toEqual({ replies: [crisisReply(helpFor({ phone: PHONE, zone: ZONE }))], outcome: 'handled' });
  expect(tickDone).toBe(false);
  // The reply took no budget slot and never went through the provider (so no backoff can hold it).
  expect(w.draws()).toBe(drawsBefore);
  expect(w.sms.sent.length).toBe(providerCallsBefore);
  expect(w.sms.sent.some((m) => m.to === PHONE && /not watched around the clock/.test(m.body))).toBe(false);
  expect((await w.store.getPerson(w.personId))?.profile.supportHold).toBe(true);

  // The middle band's question is a reply too: the same path, no wait.
  const asked = await w.text("honestly I can't do this anymore");
  expect(asked.replies).toEqual([askDirectlyReply(helpFor({ phone: PHONE, zone: ZONE }))]);
  expect(tickDone).toBe(false);

  // Let the burst play out, so nothing is left running.
  await w.time.run(tick, 200_000);
  // Jest's own limit, not a measurement: playing out 40 throttled sends takes a few seconds of CPU.
}, 60_000);
