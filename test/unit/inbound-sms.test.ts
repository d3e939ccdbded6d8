import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import { enroll } from '../../shared/app/scheduling/enroll';
import { handleInboundSms } from '../../shared/app/inbound/inbound-sms';
import { SMS_KEYWORD_OPT_IN_TEXT } from '../../shared/app/inbound/opt-in';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import type { Library } from '../../shared/app/scheduling/planning';
import { resumeCoaching } from '../../shared/app/safety/support-hold';
import { helpFor } from '../../shared/app/safety/crisis-resources';
import { crisisReply } from '../../shared/domain/safety-replies';
import type { Person } from '../../shared/domain/model';
import { isInQuietHours } from '../../shared/domain/schedule';
import * as say from '../../shared/domain/sms-replies';
import type { Logger, Store } from '../../shared/ports';
import { memoryServices, TEST_HELP_ADDRESS } from '../support/memory-services';
import { seedPerson } from '../support/seed';

/**
 * The SMS conversation on memory twins: every intent, the consent states, the safety screen
 * (crisis and distress), replays and storage faults. The real coaching library and dispatcher
 * run underneath, so "upbeat held, deadlines still planned" is what the person would really get.
 */

const PHONE = '+919812345678';
const OUR_NUMBER = '+15005550006';
const ZONE = 'Asia/Kolkata';
const ENROLLED = '2027-01-04T04:00:00.000Z'; // 09:30 in Kolkata, a Monday
/** Help where Priya lives: India's line and emergency number, chosen by her +91 number. */
const HELP = helpFor({ phone: PHONE, zone: ZONE });
const CRISIS_REPLY = crisisReply(HELP);

/**
 * Only the demo sequence, so each lane's next step is easy to read. With the shipped library a
 * re-plan also enrolls people in every automatic track their profile fits.
 */
const shipped = shippedLibrary();
const library: Library = { ...shipped, sequences: new Map([['getting-started', shipped.sequences.get('getting-started')!]]) };

interface LogLine {
  level: string;
  message: string;
  attributes: Record<string, unknown>;
}

function world(store?: Store) {
  const services = memoryServices(store ? { store } : {});
  services.at(ENROLLED);
  const lines: LogLine[] = [];
  const log: Logger = {
    info: (message, attributes = {}) => lines.push({ level: 'info', message, attributes }),
    warn: (message, attributes = {}) => lines.push({ level: 'warn', message, attributes }),
    error: (message, attributes = {}) => lines.push({ level: 'error', message, attributes }),
  };
  const deps = { store: services.store, clock: services.clock, log, library, helpAddress: TEST_HELP_ADDRESS };
  let sids = 0;
  const nextSid = () => `SM${(++sids).toString(16).padStart(32, '0')}`;
  const w = {
    services,
    store: services.store,
    lines,
    at: (iso: string) => services.at(iso),
    now: () => services.clock.now(),
    dispatch: createDispatcher({ ...services, log, library }),
    text: (body: string, options: { from?: string; sid?: string } = {}) =>
      handleInboundSms(deps, { messageSid: options.sid ?? nextSid(), from: options.from ?? PHONE, to: OUR_NUMBER, body }),
    enroll: async (over: Record<string, unknown> = {}) =>
      (
        await enroll({ ...services, library }, {
          email: 'priya@example.com', phone: PHONE, firstName: 'Priya', timeZone: ZONE, sequenceId: 'getting-started', season: 2027,
          anchors: { step2_exam: '2027-01-20' }, ...over,
        })
      ).personId,
    person: async (personId: string) => (await services.store.getPerson(personId))!,
    /** Ticks the dispatcher at every due time until `untilIso`. */
    walk: async (untilIso: string) => {
      const until = Date.parse(untilIso);
      for (let i = 0; i < 1000; i++) {
        const [due] = await services.store.listDueMessages(new Date(until), 1);
        if (!due) break;
        services.at(new Date(Math.max(Date.parse(due.dueAt), services.clock.now().getTime()) + 1000));
        await w.dispatch();
      }
      services.at(untilIso);
    },
    sentSms: async (personId: string) =>
      (await services.store.listMessages(personId)).filter((m) => m.channel === 'sms' && m.status === 'sent').map((m) => m.stepId),
    planned: async (personId: string) =>
      (await services.store.listMessages(personId)).filter((m) => m.status === 'planned').map((m) => `${m.channel}:${m.stepId}`).sort(),
    /** Everything a text could have changed, to compare before and after. */
    snapshot: async (personId: string) => ({
      person: await services.store.getPerson(personId),
      messages: await services.store.listMessages(personId),
      enrollments: await services.store.listEnrollments(personId),
      journal: await services.store.listJournalEntries(personId),
      safety: await services.store.listSafetyEvents(personId),
      alerts: await services.store.listSafetyAlerts(w.now().toISOString().slice(0, 7)),
    }),
  };
  return w;
}

async function withPendingSms(w: ReturnType<typeof world>, personId: string, text = 'Text me Match Coach reminders (I can reply STOP any time).') {
  const person = await w.person(personId);
  await seedPerson(w.store, { ...person, consent: { ...person.consent, sms: { state: 'pending', source: 'web', at: ENROLLED, text } } });
  await w.store.cancelPendingMessages(personId, 'replanned', w.now(), 'sms');
}

describe('replays and unknown numbers', () => {
  it('a replayed MessageSid gets no reply and changes nothing', async () => {
    const w = world();
    const personId = await w.enroll();
    expect((await w.text('Long day but I did 40 questions', { sid: 'SM' + 'a'.repeat(32) })).replies).toEqual([say.journalReply]);
    const before = await w.snapshot(personId);
    for (const body of ['Long day but I did 40 questions', 'STOP', 'I want to kill myself']) {
      expect(await w.text(body, { sid: 'SM' + 'a'.repeat(32) })).toEqual({ replies: [], outcome: 'duplicate' });
    }
    expect(await w.snapshot(personId)).toEqual(before);
  });

  it('an unknown number hears HELP and crisis resources only, and nothing is stored', async () => {
    const w = world();
    const personId = await w.enroll();
    const before = await w.snapshot(personId);
    const stranger = '+447700900123';
    expect((await w.text('HELP', { from: stranger })).replies).toEqual([say.helpReply(TEST_HELP_ADDRESS)]);
    for (const body of ['STOP', 'YES', '4', 'who is this?', 'PAUSE']) {
      expect(await w.text(body, { from: stranger })).toEqual({ replies: [], outcome: 'unknown-number' });
    }
    expect((await w.text('i want to end my life', { from: stranger })).replies).toEqual([crisisReply(helpFor({ phone: stranger }))]);
    expect(await w.snapshot(personId)).toEqual(before);
    expect(w.lines.filter((l) => l.message === 'crisis_flag')).toEqual([
      { level: 'warn', message: 'crisis_flag', attributes: { messageSid: expect.stringMatching(/^SM/), rule: expect.stringMatching(/^risk:/), knownPerson: false } },
    ]);
  });
});

describe('consent by keyword', () => {
  it('STOP revokes SMS consent with its source and category, cancels pending texts, and leaves the reply to the carrier', async () => {
    const w = world();
    const personId = await w.enroll();
    expect(await w.planned(personId)).toContain('sms:welcome');
    expect((await w.text('Stop')).replies).toEqual([]);
    const person = await w.person(personId);
    expect(person.consent.sms).toEqual({ state: 'revoked', source: 'sms-keyword', at: ENROLLED, text: expect.stringContaining('carrier opt-out keyword') });
    expect(person.consent.email?.state).toBe('confirmed');
    const sms = (await w.store.listMessages(personId)).filter((m) => m.channel === 'sms');
    expect(sms.every((m) => m.status === 'skipped' && m.reason === 'opted_out')).toBe(true);
    expect(await w.planned(personId)).toEqual(['email:welcome']);
    await w.walk('2027-01-21T00:00:00.000Z');
    expect(w.services.sms.sent).toEqual([]);
    expect(w.services.email.sent.length).toBeGreaterThan(0);
  });

  it('free-text revocation revokes likewise and confirms once that texts have stopped', async () => {
    const w = world();
    const personId = await w.enroll();
    expect((await w.text('please stop texting me')).replies).toEqual([say.optOutReply]);
    expect((await w.person(personId)).consent.sms).toMatchObject({ state: 'revoked', source: 'sms-free-text' });
    expect(await w.planned(personId)).toEqual(['email:welcome']);
    // After opting out, coaching replies stop too; HELP and START still answer.
    expect((await w.text('Long day today')).replies).toEqual([]);
    expect((await w.text('HELP')).replies).toEqual([say.helpReply(TEST_HELP_ADDRESS)]);
  });

  it('YES completes SMS double opt-in with the words they agreed to, and plans their texts', async () => {
    const w = world();
    const personId = await w.enroll();
    await withPendingSms(w, personId);
    expect(await w.planned(personId)).toEqual(['email:welcome']);
    // Before YES, anything else gets the one thing they can do.
    expect((await w.text('hello?')).replies).toEqual([say.confirmFirstReply]);
    w.at('2027-01-04T05:00:00.000Z');
    expect((await w.text(' yes ')).replies).toEqual([say.optInReply]);
    expect((await w.person(personId)).consent.sms).toEqual({
      state: 'confirmed', source: 'sms-keyword', at: '2027-01-04T05:00:00.000Z', text: 'Text me Match Coach reminders (I can reply STOP any time).',
    });
    expect(await w.planned(personId)).toEqual(['email:welcome', 'sms:welcome']);
    expect((await w.text('YES')).replies).toEqual([say.alreadyOptedInReply]);
  });

  it('START after STOP turns texts back on, recording the keyword terms', async () => {
    const w = world();
    const personId = await w.enroll();
    await w.text('STOP');
    expect((await w.text('START')).replies).toEqual([say.optInReply]);
    expect((await w.person(personId)).consent.sms).toEqual({ state: 'confirmed', source: 'sms-keyword', at: ENROLLED, text: SMS_KEYWORD_OPT_IN_TEXT });
    // The welcome they opted out of stays skipped; the lane carries on from the next step.
    expect(await w.planned(personId)).toEqual(['email:welcome', 'sms:paced-breathing']);
  });

  it('HELP names who we are, PAUSE, STOP and our help address', async () => {
    const w = world();
    await w.enroll();
    const [reply] = (await w.text('info')).replies;
    expect(reply).toMatch(/^Match Coach: .*PAUSE.*STOP.*help@coach\.example\.test$/);
  });
});

describe('pause and resume', () => {
  it('PAUSE holds coaching for 7 days (deadline alerts still come) and confirms the date on their calendar', async () => {
    const w = world();
    const personId = await w.enroll();
    await w.walk('2027-01-04T19:00:00.000Z'); // 00:30 on Tuesday 5 Jan in Kolkata, after the welcome text
    expect((await w.text('PAUSE')).replies).toEqual([say.pauseReply('Tue 12 Jan')]);
    expect((await w.person(personId)).profile.pausedUntil).toBe('2027-01-11T19:00:00.000Z');
    // Breathing, check-in, rest and the first Sunday fall in the pause; the exam alert does not,
    // and the second Sunday (17 Jan) comes after it.
    await w.walk('2027-01-19T00:00:00.000Z');
    expect(await w.sentSms(personId)).toEqual(['welcome', 'exam-in-three-days', 'sunday-reflection']);
  });

  it('PAUSE with a number of days, and a number out of range asks again', async () => {
    const w = world();
    const personId = await w.enroll();
    expect((await w.text('pause 2 weeks')).replies).toEqual([say.pauseReply('Mon 18 Jan')]);
    expect((await w.text('PAUSE 0')).replies).toEqual([say.clarifyReply('pause-days-out-of-range')]);
    expect((await w.person(personId)).profile.pausedUntil).toBe('2027-01-18T04:00:00.000Z');
  });

  it('RESUME ends their own pause and re-plans, but never a support hold', async () => {
    const w = world();
    const personId = await w.enroll();
    await w.text('PAUSE 30');
    expect(await w.planned(personId)).toEqual(['email:exam-in-two-weeks', 'sms:exam-in-three-days']);
    expect((await w.text('RESUME')).replies).toEqual([say.resumeReply]);
    expect((await w.person(personId)).profile.pausedUntil).toBeUndefined();
    expect(await w.planned(personId)).toEqual(['email:welcome', 'sms:welcome']);
    expect((await w.text('resume')).replies).toEqual([say.resumeNotPausedReply]);

    const person = await w.person(personId);
    await seedPerson(w.store, { ...person, profile: { ...person.profile, supportHold: true, pausedUntil: '2027-02-01T00:00:00.000Z' } });
    expect((await w.text('RESUME')).replies).toEqual([say.resumeHeldReply]);
    expect((await w.person(personId)).profile).toMatchObject({ supportHold: true });
    expect((await w.person(personId)).profile.pausedUntil).toBeUndefined();
  });
});

describe('check-ins and the journal', () => {
  it('DONE, SKIP and DONE <n> answer our latest text, kept as check-in entries', async () => {
    const w = world();
    const personId = await w.enroll();
    await w.walk('2027-01-05T04:00:00.000Z'); // welcome and the breathing nudge have gone out
    const latest = (await w.store.listMessages(personId)).find((m) => m.stepId === 'paced-breathing' && m.status === 'sent')!;
    expect((await w.text('done')).replies).toEqual([say.doneReply]);
    expect((await w.text('Skip today')).replies).toEqual([say.skipReply]);
    // No goals this week: the answer is still kept, and the reply says how to add one.
    expect((await w.text('DONE 2')).replies).toEqual([say.noSuchGoalReply(0)]);
    const journal = await w.store.listJournalEntries(personId, { inReplyTo: latest.messageId });
    expect(journal.map((e) => e.response)).toEqual([{ kind: 'done' }, { kind: 'skip' }, { kind: 'done-goal', goal: 2 }]);
    expect(journal.every((e) => e.kind === 'checkin' && e.at === w.now().toISOString())).toBe(true);
  });

  it('a score answers the check-in; after it, a bare word is news, not a badly typed score', async () => {
    const w = world();
    const personId = await w.enroll();
    await w.walk('2027-01-06T15:00:00.000Z'); // the first check-in went out at 20:00 in Kolkata
    const checkin = (await w.store.listMessages(personId)).find((m) => m.stepId === 'first-checkin')!;
    expect(checkin.status).toBe('sent');
    // Unclear while a score is awaited: asked once more, and the words are kept.
    expect((await w.text('ok i guess')).replies).toEqual([say.clarifyReply('score-not-understood')]);
    expect((await w.text('4/5 - tired but ok')).replies).toEqual([say.scoreReply(4)]);
    expect((await w.person(personId)).recentScores).toEqual([4]);
    expect((await w.text('thanks!')).replies).toEqual([say.journalReply]);
    expect((await w.store.listJournalEntries(personId, { inReplyTo: checkin.messageId })).map((e) => [e.kind, e.response ?? null, e.text])).toEqual([
      ['note', null, 'ok i guess'],
      ['checkin', { kind: 'score', score: 4 }, 'tired but ok'],
      ['note', null, 'thanks!'],
    ]);
  });

  it('two low scores mark them struggling: one gentle line with one offer of a person (no counselor: the support address)', async () => {
    const w = world();
    const personId = await w.enroll();
    expect((await w.text('2')).replies).toEqual([say.scoreReply(2)]);
    expect((await w.text('one')).replies).toEqual([say.strugglingReply(HELP, { supportAddress: TEST_HELP_ADDRESS })]);
    expect((await w.text('one')).replies).toEqual([say.lowestScoreReply]);
    expect((await w.person(personId)).profile.wellbeing).toBe('struggling');
    expect((await w.person(personId)).recentScores).toEqual([2, 1, 1]);
    // Still struggling: no second announcement, no second offer.
    expect((await w.text('2')).replies).toEqual([say.scoreReply(2)]);
    expect((await w.text('5')).replies).toEqual([say.scoreReply(5)]);
    expect((await w.person(personId)).profile.wellbeing).toBe('ok');
    expect(say.strugglingReply(HELP, { supportAddress: TEST_HELP_ADDRESS })).not.toContain('counselor');
  });

  it('a single score of 1 gets a short caring question and a follow-up flag for their counselor; another score does not', async () => {
    const w = world();
    const personId = await w.enroll();
    expect((await w.text('3')).replies).toEqual([say.scoreReply(3)]);
    expect((await w.text('1')).replies).toEqual([say.lowestScoreReply]);
    expect((await w.store.listSafetyEvents(personId)).map((e) => [e.kind, e.rule])).toEqual([['distress', 'checkin:lowest-score']]);
    expect((await w.text('4')).replies).toEqual([say.scoreReply(4)]);
    expect(await w.store.listSafetyEvents(personId)).toHaveLength(1);
  });

  it('free text is a private journal entry, acknowledged briefly and never logged', async () => {
    const w = world();
    const personId = await w.enroll();
    const words = 'Mock interview with Dr Rao went better than I feared';
    expect((await w.text(words)).replies).toEqual([say.journalReply]);
    expect(await w.store.listJournalEntries(personId)).toEqual([
      { personId, entryId: expect.stringMatching(/^SM/), at: ENROLLED, kind: 'note', text: words },
    ]);
    expect(JSON.stringify(w.lines)).not.toContain('Rao');
    expect(JSON.stringify(w.lines)).not.toContain(PHONE);
  });

  it('GOAL adds to this week in the plan and is kept in the journal too; GOALS lists them', async () => {
    const w = world();
    const personId = await w.enroll();
    expect((await w.text('GOAL finish 40 UWorld questions a day')).replies).toEqual([say.goalAddedReply(1)]);
    expect((await w.text('GOALS')).replies).toEqual(['This week: 1) finish 40 UWorld questions a day']);
    expect((await w.text('GOAL')).replies).toEqual([say.clarifyReply('goal-text-missing')]);
    expect((await w.store.listJournalEntries(personId)).map((e) => [e.kind, e.text])).toEqual([['goal', 'finish 40 UWorld questions a day']]);
    expect((await w.store.getPlan(personId))!.week!.goals).toEqual([{ text: 'finish 40 UWorld questions a day' }]);
  });
});

describe('safety', () => {
  const RISK = "I can't do this anymore. I want to kill myself";

  it('a risk text at 23:00 local gets the crisis reply at once, holds upbeat coaching, keeps deadlines, alerts', async () => {
    const w = world();
    const personId = await w.enroll();
    await w.walk('2027-01-04T14:00:00.000Z'); // the welcome text went out at 19:00
    w.at('2027-01-04T17:30:00.000Z'); // 23:00 in Kolkata: quiet hours, but this is a reply
    expect(isInQuietHours(w.now(), ZONE, { start: '21:00', end: '08:00' })).toBe(true);

    expect((await w.text(RISK)).replies).toEqual([CRISIS_REPLY]);

    const person = await w.person(personId);
    expect(person.profile.supportHold).toBe(true);
    const [event] = await w.store.listSafetyEvents(personId);
    expect(event).toEqual({ personId, eventId: expect.stringMatching(/^SM/), at: '2027-01-04T17:30:00.000Z', kind: 'risk', rule: expect.stringMatching(/^risk:/) });
    expect(await w.store.listSafetyAlerts('2027-01')).toEqual([{ personId, eventId: event!.eventId, at: event!.at, level: 'risk', rule: event!.rule }]);
    expect((await w.store.listJournalEntries(personId))[0]).toMatchObject({ kind: 'note', text: RISK, safety: { level: 'risk', rule: event!.rule } });
    // The alarm's metric filter reads this line: ids and the rule id, nothing they wrote.
    expect(w.lines.filter((l) => l.message === 'crisis_flag')).toEqual([
      { level: 'warn', message: 'crisis_flag', attributes: { personId, messageSid: event!.eventId, rule: event!.rule, knownPerson: true } },
    ]);
    expect(JSON.stringify(w.lines)).not.toMatch(/kill myself|anymore|\+91/);

    // Next in each lane: the check-in (steady) and the exam alert (deadline); upbeat nudges are held.
    expect(await w.planned(personId)).toEqual(['email:exam-in-two-weeks', 'sms:first-checkin']);
    await w.walk('2027-01-12T00:00:00.000Z');
    expect(await w.sentSms(personId)).toEqual(['welcome', 'first-checkin']);

    // A human checks in and lifts the hold: upbeat coaching comes back from now on.
    expect(await resumeCoaching({ ...w.services, library }, { personId, by: 'operator:sam' })).toEqual({ resumed: true, planned: 2 });
    expect((await w.person(personId)).profile.supportHold).toBeUndefined();
    expect((await w.store.listSafetyEvents(personId)).map((e) => [e.kind, e.by])).toEqual([['risk', undefined], ['hold-lifted', 'operator:sam']]);
    await w.walk('2027-01-25T00:00:00.000Z');
    expect(await w.sentSms(personId)).toEqual(['welcome', 'first-checkin', 'exam-in-three-days', 'sunday-reflection', 'sunday-reflection']);
    expect(await resumeCoaching({ ...w.services, library }, { personId, by: 'operator:sam' })).toEqual({ resumed: false, planned: 0 });
  });

  it('an opt-out in a risk text is still honoured; nothing else in it is acted on', async () => {
    const w = world();
    const personId = await w.enroll();
    expect((await w.text('stop texting me. i want to die')).replies).toEqual([CRISIS_REPLY, say.optOutReply]);
    const person = await w.person(personId);
    expect(person.consent.sms?.state).toBe('revoked');
    expect(person.profile.supportHold).toBe(true);

    const other = world();
    const otherId = await other.enroll();
    expect((await other.text('PAUSE 30 i just want to die')).replies).toEqual([CRISIS_REPLY]);
    expect((await other.person(otherId)).profile.pausedUntil).toBeUndefined();
  });

  it('distress is journaled and flagged for follow-up, answered warmly, and pauses nothing', async () => {
    const w = world();
    const personId = await w.enroll();
    const words = 'Failed step 2 again. I feel so low';
    expect((await w.text(words)).replies).toEqual([say.distressReply(HELP)]);
    expect((await w.person(personId)).profile.supportHold).toBeUndefined();
    expect((await w.person(personId)).profile.pausedUntil).toBeUndefined();
    expect((await w.store.listJournalEntries(personId))[0]).toMatchObject({ kind: 'note', text: words, safety: { level: 'distress' } });
    expect((await w.store.listSafetyAlerts('2027-01')).map((a) => a.level)).toEqual(['distress']);
    expect(await w.planned(personId)).toEqual(['email:welcome', 'sms:welcome']);

    // A score with distress: recorded, and the warm line replaces the plain thanks.
    expect((await w.text('2 - exhausted and sad')).replies).toEqual([say.distressReply(HELP)]);
    expect((await w.person(personId)).recentScores).toEqual([2]);
    // PAUSE with distress: paused, and both lines go (the date is worth having).
    expect((await w.text('PAUSE, I am burnt out')).replies).toEqual([say.distressReply(HELP), say.pauseReply('Mon 11 Jan')]);
  });

  it('if storing fails, the crisis reply still goes and the claim is released for a retry', async () => {
    const broken = memoryServices().store;
    let failing = true;
    const store: Store = {
      ...broken,
      saveSafetyEvent: async (event) => {
        if (failing) throw new Error('storage unavailable');
        return broken.saveSafetyEvent(event);
      },
    };
    const w = world(store);
    const personId = await w.enroll();
    const sid = 'SM' + 'f'.repeat(32);
    expect((await w.text('i want to end my life', { sid })).replies).toEqual([CRISIS_REPLY]);
    expect(w.lines.find((l) => l.level === 'error')).toMatchObject({ attributes: { alarm: 'CrisisFlagNotStored', messageSid: sid } });
    failing = false;
    expect((await w.text('i want to end my life', { sid })).replies).toEqual([CRISIS_REPLY]);
    expect(await w.store.listSafetyEvents(personId)).toHaveLength(1);
    expect((await w.person(personId)).profile.supportHold).toBe(true);
  });

  it('any other storage fault fails the webhook and releases the claim, so a retry runs it once', async () => {
    const base = memoryServices().store;
    let failing = true;
    const store: Store = {
      ...base,
      saveJournalEntry: async (entry) => {
        if (failing) throw new Error('storage unavailable');
        return base.saveJournalEntry(entry);
      },
    };
    const w = world(store);
    const personId = await w.enroll();
    const sid = 'SM' + 'e'.repeat(32);
    await expect(w.text('Good day today', { sid })).rejects.toThrow('storage unavailable');
    failing = false;
    expect((await w.text('Good day today', { sid })).replies).toEqual([say.journalReply]);
    expect((await w.text('Good day today', { sid })).replies).toEqual([]);
    expect(await w.store.listJournalEntries(personId)).toHaveLength(1);
  });
});

describe('input', () => {
  it('refuses what Twilio would never send, before touching storage', async () => {
    const w = world();
    const personId = await w.enroll();
    const before = await w.snapshot(personId);
    await expect(handleInboundSms({ store: w.store, clock: w.services.clock, helpAddress: 'x' }, { messageSid: 'nope', from: PHONE, to: OUR_NUMBER, body: 'hi' })).rejects.toMatchObject({ code: 'validation' });
    await expect(handleInboundSms({ store: w.store, clock: w.services.clock, helpAddress: 'x' }, { messageSid: 'SM' + '1'.repeat(32), from: PHONE, to: OUR_NUMBER, body: 'x'.repeat(4000) })).rejects.toMatchObject({ code: 'validation' });
    expect(await w.snapshot(personId)).toEqual(before);
  });

  it('an empty text (a picture alone) is accepted quietly', async () => {
    const w = world();
    const personId = await w.enroll();
    expect((await w.text('')).replies).toEqual([]);
    expect(await w.store.listJournalEntries(personId)).toEqual([]);
  });
});

export type { Person };
