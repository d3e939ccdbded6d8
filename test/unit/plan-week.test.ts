import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemorySmsSender } from '../../shared/adapters/memory/memory-sms-sender';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import { enroll } from '../../shared/app/scheduling/enroll';
import { handleInboundSms } from '../../shared/app/inbound/inbound-sms';
import type { Library } from '../../shared/app/scheduling/planning';
import { calendarData, poolLibrary, sequenceLibrary } from '../../shared/content';
import { weekGoalsLine, weeklySummary } from '../../shared/domain/plan-words';
import { renderTemplate, smsSegments } from '../../shared/domain/template';

/**
 * The week around a person's own goals: the Sunday check-in names this week's goals
 * (read when it is sent), and on Monday one email sums up last week, kindly, or nothing goes out
 * when there is nothing of theirs to sum up.
 */

const library: Library = {
  sequences: new Map([['personal-plan', sequenceLibrary().get('personal-plan')!]]),
  pools: poolLibrary(),
  calendar: calendarData(),
};
const checkinStep = library.sequences.get('personal-plan')!.steps.find((s) => s.id === 'weekly-checkin')!;

describe('words about the week (pure)', () => {
  it('names the goals in one short GSM-7 line, done ones marked, cut to fit', () => {
    expect(weekGoalsLine([])).toBeUndefined();
    expect(weekGoalsLine([{ text: '40 qs a day', doneAt: '2027-01-05T00:00:00Z' }, { text: 'Email Dr Rao' }])).toBe('1) 40 qs a day (done) 2) Email Dr Rao');
    const long = weekGoalsLine(Array.from({ length: 5 }, (_, i) => ({ text: `Finish the cardiology block number ${i} \u2019today\u2019 \u{1F4AA}` })), 60)!;
    expect(long.length).toBeLessThanOrEqual(60);
    expect(long).toMatch(/^1\) Finish the cardiology block number 0 'today'/);
    // With the longest name the check-in stays one GSM-7 segment.
    const text = renderTemplate(checkinStep.withPlan!.sms!.text, { firstName: 'Oluwaseun-Abimbola', zone: 'UTC', sendAt: new Date(), weekGoals: long });
    expect(smsSegments(text)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('sums up a week in a few kind lines, or not at all', () => {
    expect(weeklySummary(undefined, [])).toBeUndefined();
    expect(weeklySummary({ weekOf: '2027-01-04', goals: [] }, [])).toBeUndefined();
    const summary = weeklySummary({ weekOf: '2027-01-04', goals: [{ text: '40 qs a day', doneAt: '2027-01-06T00:00:00Z' }, { text: 'Email Dr Rao' }] }, [
      { personId: 'p', entryId: 'SM1', at: '2027-01-10T13:00:00Z', kind: 'checkin', response: { kind: 'score', score: 2 } },
    ]);
    expect(summary).toBe(
      'What went well: "40 qs a day".\n\nWhat moved to this week: "Email Dr Rao". Keep it if it still matters, or let it go: both are fine.\n\n' +
        'You rated the week 2 out of 5. Thank you for being honest; a hard week still counts.\n\nText GOAL and one small thing to set this week\'s goals.',
    );
    // Never scolding: none of the words that blame.
    expect(summary).not.toMatch(/fail|missed|should have|only|behind|didn't/i);
  });
});

function world() {
  let now = new Date('2027-01-04T04:00:00.000Z'); // Monday 09:30 in Kolkata
  const store = createMemoryStore();
  const deps = {
    store, clock: { now: () => now }, library,
    email: createMemoryEmailSender(), sms: createMemorySmsSender(),
    settings: { leaseSeconds: 120, concurrency: 2, maxDurationMs: 30_000, postalAddress: 'Match Coach, 1 Test St' },
  };
  const dispatch = createDispatcher(deps);
  let sid = 0;
  return {
    deps, store,
    /** Moves the clock hour by hour to `iso`, sending whatever falls due on the way. */
    async walk(iso: string) {
      const end = Date.parse(iso);
      while (now.getTime() < end) {
        now = new Date(Math.min(end, now.getTime() + 3_600_000));
        await dispatch();
      }
    },
    text: (body: string) => handleInboundSms({ ...deps, helpAddress: 'help@example.test' }, { messageSid: `SM${(++sid).toString(16).padStart(32, '0')}`, from: '+919812345678', to: '+15005550006', body }),
  };
}

describe('the Sunday check-in and the Monday summary, sent by the dispatcher', () => {
  it('with goals: the check-in names them as they are on Sunday; Monday sums up the week', async () => {
    const w = world();
    const { personId } = await enroll(w.deps, { email: 'priya@example.com', phone: '+919812345678', firstName: 'Priya', timeZone: 'Asia/Kolkata', season: 2027 });
    await w.text('GOAL 40 UWorld questions a day');
    await w.text('GOAL Email Dr Rao about the letter');
    await w.walk('2027-01-07T06:00:00.000Z');
    await w.text('DONE 1'); // on Thursday, after the check-in was planned: it still shows
    await w.walk('2027-01-10T13:00:00.000Z'); // Sunday 18:30 in Kolkata
    const checkin = w.deps.sms.sent.filter((m) => m.messageId.includes('.weekly-checkin.'));
    expect(checkin.map((m) => m.body)).toEqual(['Priya, your goals: 1) 40 UWorld questions a day (done) 2) Email Dr Rao about... - how did the week go, 1 (very hard) to 5 (good)?']);
    expect((await w.text('4')).replies).toEqual(['Thanks, good to hear. Keep going.']);
    await w.walk('2027-01-11T03:00:00.000Z'); // Monday 08:30 in Kolkata
    const summaries = w.deps.email.sent.filter((m) => m.messageId.includes('.weekly-summary.'));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.subject).toBe('Your week in a few lines');
    expect(summaries[0]!.text).toContain(
      'Here is last week, from your own goals and answers.\n\nWhat went well: "40 UWorld questions a day".\n\nWhat moved to this week: "Email Dr Rao about the letter". Keep it if it still matters, or let it go: both are fine.\n\nYou rated the week 4 out of 5.',
    );
    expect((await w.store.listMessages(personId)).filter((m) => m.stepId === 'weekly-summary' && m.status === 'sent')).toHaveLength(1);
  });

  it('without goals or answers: the usual check-in words, and no summary email', async () => {
    const w = world();
    const { personId } = await enroll(w.deps, { email: 'ravi@example.com', phone: '+919812345678', timeZone: 'Asia/Kolkata', season: 2027 });
    await w.walk('2027-01-11T03:00:00.000Z');
    const checkin = w.deps.sms.sent.filter((m) => m.messageId.includes('.weekly-checkin.'));
    expect(checkin).toHaveLength(1);
    expect(checkin[0]!.body).not.toContain('your goals: ');
    expect(w.deps.email.sent.filter((m) => m.messageId.includes('.weekly-summary.'))).toEqual([]);
    const summary = (await w.store.listMessages(personId)).find((m) => m.stepId === 'weekly-summary' && m.sendAt === '2027-01-11T02:00:00.000Z')!;
    expect([summary.status, summary.reason]).toEqual(['skipped', 'nothing_from_plan']);
  });
});
