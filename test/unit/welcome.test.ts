import { enroll } from '../../shared/app/scheduling/enroll';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import { replanPerson } from '../../shared/app/scheduling/replan';
import { confirmEmail } from '../../shared/app/subscription/confirm-email';
import type { SubscriptionDeps } from '../../shared/app/subscription/deps';
import { subscribe } from '../../shared/app/subscription/sign-up';
import { phaseAt, upcomingDeadlines } from '../../shared/domain/catch-up';
import { seasonAnchors, uncertainSeasonEvents, SEASON_EVENTS } from '../../shared/domain/calendar';
import { Profile } from '../../shared/domain/model';
import { smsSegments } from '../../shared/domain/template';
import { memoryServices } from '../support/memory-services';

/**
 * The welcome and catch-up: whoever joins, however they arrive, gets within minutes one text and
 * one email with the next deadlines that apply (their time and US Eastern), the essentials of
 * their phase and the commands; someone already coached is never welcomed again.
 */

const library = shippedLibrary();
const JOIN = '2026-12-07T10:00:00.000Z'; // 11:00 in Lagos, a Monday

describe('what the catch-up names', () => {
  const profile = (over: object = {}) => Profile.parse({ season: 2027, visaTrack: 'j1', done: ['step1', 'step2ck', 'oet'], ...over });
  const next = (p: ReturnType<typeof profile>, anchors: Record<string, string> = {}) =>
    upcomingDeadlines({
      profile: p,
      anchors: { ...seasonAnchors(2027, library.calendar), ...anchors },
      uncertain: uncertainSeasonEvents(2027, library.calendar),
      labels: SEASON_EVENTS,
      now: new Date(JOIN),
      zone: 'Africa/Lagos',
      count: 3,
    });

  it('the next three deadlines that apply, soonest first; what is done is not named', () => {
    expect(next(profile()).map((d) => d.short)).toEqual(['NRMP registration deadline', 'ECFMG Pathway deadline', 'Rank list entry opens']);
    expect(next(profile({ done: ['step1', 'step2ck', 'oet', 'nrmp_registered', 'pathway'] })).map((d) => d.short)).toEqual([
      'Rank list entry opens', 'Rank list deadline', 'Match Week notice',
    ]);
    // Their own exam date counts; after a result, the season's application dates do not.
    expect(next(profile(), { step3_exam: '2026-12-20' })[0]).toMatchObject({ short: 'Step 3 exam', allDay: true });
    expect(next(profile({ outcome: 'matched' }))).toEqual([]);
  });

  it('the phase of the season on the day they join', () => {
    const anchors = seasonAnchors(2027, library.calendar);
    expect(phaseAt(anchors, new Date(JOIN), 'Africa/Lagos')).toBe('interview-season');
    expect(phaseAt(seasonAnchors(2028, library.calendar), new Date(JOIN), 'Africa/Cairo')).toBe('pre-season');
    expect(phaseAt(anchors, new Date('2027-03-16T12:00:00Z'), 'Asia/Karachi')).toBe('match-week');
  });
});

describe('the welcome, however someone arrives', () => {
  it('an operator\'s enrollment: one email and one text within minutes, with dates in both clocks, the essentials and the commands', async () => {
    const s = memoryServices();
    s.at(JOIN);
    const deps = { ...s, library };
    await enroll(deps, { email: 'tunde@example.com', phone: '+2348031112222', firstName: 'Tunde', timeZone: 'Africa/Lagos', season: 2027, visaTrack: 'j1', done: ['step1', 'step2ck', 'oet'] });
    s.at('2026-12-07T10:02:30.000Z');
    await s.dispatch();
    const mail = s.email.sent.find((m) => m.subject === 'Welcome to Match Coach: your next dates')!;
    expect(mail.text).toContain('Fri 29 Jan, 23:59 US Eastern (Sat 30 Jan, 05:59 your time): Standard NRMP registration deadline');
    expect(mail.text).toContain('ECFMG Pathway application deadline: not announced yet');
    expect(mail.text).toContain('Interview season: what matters now');
    expect(mail.text).toContain('Text NEXT for your next dates');
    const text = s.sms.sent.find((m) => m.body.startsWith('Welcome to Match Coach'))!;
    expect(text.body).toBe('Welcome to Match Coach, Tunde! Next: NRMP registration deadline, Sat 30 Jan. Reply NEXT for more dates, HELP for commands.');
    expect(smsSegments(text.body)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('a sign-up confirmed on the web: the welcome email within minutes of the press', async () => {
    const s = memoryServices();
    s.at(JOIN);
    const deps: SubscriptionDeps = { store: s.store, email: s.email, sms: s.sms, clock: s.clock, library, tokenSecret: s.tokenSecret, publicBaseUrl: s.publicBaseUrl, postalAddress: s.settings.postalAddress };
    await subscribe(deps, { email: 'nour@example.com', timeZone: 'Africa/Cairo', season: '2028', visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1' });
    const token = /\/confirm\/([A-Za-z0-9_.-]+)/.exec(s.email.sent[0]!.text)![1]!;
    s.at('2026-12-08T07:00:00.000Z');
    await confirmEmail(deps, token);
    s.at('2026-12-08T07:02:30.000Z');
    await s.dispatch();
    const mail = s.email.sent.find((m) => m.subject === 'Welcome to Match Coach: your next dates')!;
    // No first name given: no stand-in.
    expect(mail.text.startsWith('Hi,\n')).toBe(true);
    expect(mail.text).toContain('Before applications open: what matters now');
  });

  it('someone already coached is never welcomed again, whatever re-plans them', async () => {
    const s = memoryServices();
    s.at(JOIN);
    const deps = { ...s, library };
    const { personId } = await enroll(deps, { email: 'tunde@example.com', phone: '+2348031112222', timeZone: 'Africa/Lagos', season: 2027, sequenceId: 'self-care' });
    // Coaching goes out without the welcome track (an old record, from before it existed).
    s.at('2026-12-08T11:31:00.000Z'); // Tuesday 12:31 in Lagos: the self-care nudge
    await s.dispatch();
    expect((await s.store.listMessages(personId)).some((m) => m.status === 'sent')).toBe(true);
    const { started } = await replanPerson(deps, personId);
    expect(started).not.toContain('welcome');
    expect(started.length).toBeGreaterThan(0);
  });
});
