import { helpFor } from '../../shared/app/safety/crisis-resources';
import { enroll } from '../../shared/app/scheduling/enroll';
import { handleInboundSms } from '../../shared/app/inbound/inbound-sms';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import type { Library } from '../../shared/app/scheduling/planning';
import { isQuestionOpen, QUESTION_OPEN_HOURS, readAnswer, reviewInConversation } from '../../shared/domain/safety-question';
import { askAnsweredNoReply, askDirectlyReply, crisisReply } from '../../shared/domain/safety-replies';
import * as say from '../../shared/domain/sms-replies';
import type { Logger, Store } from '../../shared/ports';
import { memoryServices, TEST_HELP_ADDRESS } from '../support/memory-services';

/**
 * Asking directly when unsure, end to end on the memory twins: a text in the middle band gets the
 * plain question with help where the person lives; the question is a follow-up flag for their
 * counselor; the next reply decides (a yes or anything risky is risk, a clear no is thanked).
 */

const PHONE = '+639171234567';
const ZONE = 'Asia/Manila';
const HELP = helpFor({ phone: PHONE, zone: ZONE });
const shipped = shippedLibrary();
const library: Library = { ...shipped, sequences: new Map([['getting-started', shipped.sequences.get('getting-started')!]]) };
/** The lowest check-in score with words beside it: the middle band whatever the words say. */
const LOWEST_WITH_WORDS = '1 - rough week';

async function world(store?: Store) {
  const services = memoryServices(store ? { store } : {});
  services.at('2027-01-04T02:00:00.000Z'); // 10:00 in Manila
  const lines: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  const log: Logger = {
    info: (message, attributes = {}) => lines.push({ level: 'info', message, attributes }),
    warn: (message, attributes = {}) => lines.push({ level: 'warn', message, attributes }),
    error: (message, attributes = {}) => lines.push({ level: 'error', message, attributes }),
  };
  const flags: string[] = [];
  const { personId } = await enroll({ ...services, library }, { email: 'joy@example.com', phone: PHONE, firstName: 'Joy', timeZone: ZONE, sequenceId: 'getting-started', season: 2027, anchors: {} });
  let sids = 0;
  const text = (body: string, options: { sid?: string; from?: string } = {}) =>
    handleInboundSms(
      { store: services.store, clock: services.clock, log, library, helpAddress: TEST_HELP_ADDRESS, onCrisisFlag: async (flag) => flags.push(flag.eventId) },
      { messageSid: options.sid ?? `SM${(++sids).toString(16).padStart(32, '0')}`, from: options.from ?? PHONE, to: '+15005550006', body },
    );
  const person = async () => (await services.store.getPerson(personId))!;
  const events = async () => (await services.store.listSafetyEvents(personId)).map((e) => `${e.kind}:${e.rule ?? ''}`);
  return { services, personId, text, person, events, lines, flags, later: (hours: number) => services.at(new Date(services.clock.now().getTime() + hours * 3_600_000)) };
}

describe('reading the answer', () => {
  it.each([
    ['yes', 'yes'], ['Yesss', 'yes'], ['yeah honestly', 'yes'], ['sometimes', 'yes'], ['maybe', 'yes'], ['idk', 'yes'], ['I am', 'yes'],
    ['haan', 'yes'], ['ji haan', 'yes'], ['si', 'yes'], ['oo', 'yes'], ['opo', 'yes'], ['oui', 'yes'], ['sim', 'yes'], ['aywa', 'yes'], ['na so', 'yes'],
    ['no', 'no'], ['No, just tired', 'no'], ['nope', 'no'], ['not really', 'no'], ['nahi', 'no'], ['hindi po', 'no'], ['la', 'no'], ['non merci', 'no'],
    ['não', 'no'], ['I no dey think am', 'no'], ["I'm not, I'm ok", 'no'],
    ['no but sometimes', 'yes'], ['no... maybe', 'yes'], ['nahi lekin kabhi kabhi', 'yes'],
    ['what do you mean?', 'unclear'], ['I am going to sleep now', 'unclear'], ['GOALS', 'unclear'], ['', 'unclear'],
  ])('%j reads as %s', (body, expected) => {
    expect(readAnswer(body)).toBe(expected);
  });

  it('keeps the question open for a day, no more', () => {
    const askedAt = '2027-01-04T02:00:00.000Z';
    const at = (hours: number) => new Date(Date.parse(askedAt) + hours * 3_600_000);
    expect(isQuestionOpen({ safetyQuestion: { askedAt, eventId: 'SM1' } }, at(QUESTION_OPEN_HOURS - 0.01))).toBe(true);
    expect(isQuestionOpen({ safetyQuestion: { askedAt, eventId: 'SM1' } }, at(QUESTION_OPEN_HOURS))).toBe(false);
    expect(isQuestionOpen({ safetyQuestion: { askedAt, eventId: 'SM1' } }, at(-1))).toBe(false);
    expect(isQuestionOpen({}, at(0))).toBe(false);
  });

  it('never lowers what the screen found, and raises a yes only while the question is open', () => {
    const open = { safetyQuestion: { askedAt: '2027-01-04T02:00:00.000Z', eventId: 'SM1' } };
    const now = new Date('2027-01-04T03:00:00.000Z');
    const free = { kind: 'free-text', text: 'x' } as const;
    expect(reviewInConversation({ screen: { level: 'risk', matched: 'risk:die' }, person: {}, intent: free, body: 'no', now }).screen.level).toBe('risk');
    expect(reviewInConversation({ screen: { level: 'none' }, person: {}, intent: free, body: 'yes', now })).toEqual({ screen: { level: 'none' }, answering: false, settles: false });
    expect(reviewInConversation({ screen: { level: 'none' }, person: open, intent: free, body: 'yes', now }).screen).toEqual({ level: 'risk', matched: 'risk:answered-yes' });
    expect(reviewInConversation({ screen: { level: 'ask', matched: 'ask:hopeless' }, person: open, intent: free, body: 'no hope left', now }).screen.level).toBe('risk');
    expect(reviewInConversation({ screen: { level: 'none' }, person: open, intent: { kind: 'pause' }, body: 'PAUSE', now }).settles).toBe(false);
  });
});

describe('asking directly', () => {
  it('asks plainly with local help, flags it for the counselor, and holds nothing', async () => {
    const w = await world();
    expect((await w.text(LOWEST_WITH_WORDS)).replies).toEqual([askDirectlyReply(HELP)]);
    expect(askDirectlyReply(HELP)).toContain('call NCMH on 1553');
    const person = await w.person();
    expect(person.safetyQuestion).toEqual({ askedAt: '2027-01-04T02:00:00.000Z', eventId: expect.stringMatching(/^SM/) });
    expect(person.profile.supportHold).toBeUndefined();
    expect(await w.events()).toEqual(['distress:ask:lowest-score-with-words']);
    expect((await w.services.store.listSafetyAlerts('2027-01')).map((a) => `${a.level}:${a.rule}`)).toEqual(['distress:ask:lowest-score-with-words']);
    expect(w.flags).toEqual([]);
    // Its words stay in the journal; the logs carry ids and the rule only.
    expect((await w.services.store.listJournalEntries(w.personId)).at(-1)).toMatchObject({ safety: { level: 'distress', rule: 'ask:lowest-score-with-words' } });
    expect(w.lines.find((l) => l.message === 'safety_question_asked')?.attributes).toEqual({ personId: w.personId, messageSid: expect.stringMatching(/^SM/), rule: 'ask:lowest-score-with-words' });
    expect(JSON.stringify(w.lines)).not.toMatch(/rough week|\+63/);
  });

  it.each(['yes', 'Yes.', 'sometimes', 'oo', 'haan', 'idk'])('a %j to the question is risk: the crisis reply, a hold, an alert', async (answer) => {
    const w = await world();
    await w.text(LOWEST_WITH_WORDS);
    w.later(3);
    expect((await w.text(answer)).replies).toEqual([crisisReply(HELP)]);
    const person = await w.person();
    expect(person.profile.supportHold).toBe(true);
    expect(person.safetyQuestion).toBeUndefined();
    expect(await w.events()).toEqual(['distress:ask:lowest-score-with-words', 'risk:risk:answered-yes']);
    expect(w.flags).toHaveLength(1);
    // "yes" answered the question: it is not read as the opt-in keyword.
    expect(w.lines.some((l) => l.message === 'sms consent confirmed')).toBe(false);
  });

  it.each([
    ["I can't do this anymore"],
    ['honestly what is even the point'],
    ['ab mujhse nahi hota'],
    ['no puedo más'],
    ['hindi ko na kaya'],
    ['msh adra akamel'],
  ])('asks %j directly, and its yes is risk', async (words) => {
    const w = await world();
    expect((await w.text(words)).replies).toEqual([askDirectlyReply(HELP)]);
    expect(await w.events()).toEqual([expect.stringMatching(/^distress:ask:/)]);
    expect((await w.text('yes')).replies).toEqual([crisisReply(HELP)]);
    expect((await w.person()).profile.supportHold).toBe(true);
  });

  it('a second middle-band text while the question is open is risk too', async () => {
    const w = await world();
    await w.text(LOWEST_WITH_WORDS);
    expect((await w.text('1 - same as before')).replies).toEqual([crisisReply(HELP)]);
    expect((await w.person()).profile.supportHold).toBe(true);
  });

  it('a clear no is thanked, with help left in their hands; the next YES is just a keyword again', async () => {
    const w = await world();
    await w.text(LOWEST_WITH_WORDS);
    expect((await w.text('no, just a tiring week')).replies).toEqual([askAnsweredNoReply(HELP)]);
    expect((await w.person()).safetyQuestion).toBeUndefined();
    expect((await w.person()).profile.supportHold).toBeUndefined();
    expect((await w.text('YES')).replies).toEqual([say.alreadyOptedInReply]);
    expect(await w.events()).toEqual(['distress:ask:lowest-score-with-words']);
  });

  it('a command in between leaves the question open; after a day a yes is a keyword again', async () => {
    const w = await world();
    await w.text(LOWEST_WITH_WORDS);
    expect((await w.text('PAUSE 3')).replies).toEqual([say.pauseReply('Thu 7 Jan')]);
    expect((await w.person()).safetyQuestion).toBeDefined();
    expect((await w.text('maybe')).replies).toEqual([crisisReply(HELP)]);

    const other = await world();
    await other.text(LOWEST_WITH_WORDS);
    other.later(QUESTION_OPEN_HOURS + 1);
    expect((await other.text('yes')).replies).toEqual([say.alreadyOptedInReply]);
    expect((await other.person()).profile.supportHold).toBeUndefined();
  });

  it('a yes from another number answers nothing', async () => {
    const w = await world();
    await w.text(LOWEST_WITH_WORDS);
    expect(await w.text('yes', { from: '+639181112222' })).toEqual({ replies: [], outcome: 'unknown-number' });
    expect((await w.person()).safetyQuestion).toBeDefined();
    expect(await w.events()).toEqual(['distress:ask:lowest-score-with-words']);
  });

  it('a stranger cannot be asked and followed up, so the middle band gets the resources at once', async () => {
    const w = await world();
    const stranger = '+5511912345678';
    expect(await w.text("I can't do this anymore", { from: stranger })).toEqual({ replies: [crisisReply(helpFor({ phone: stranger }))], outcome: 'unknown-number' });
    expect(crisisReply(helpFor({ phone: stranger }))).toContain('call CVV free on 188');
    expect(await w.events()).toEqual([]);
  });

  it('a replayed webhook asks once and flags once', async () => {
    const w = await world();
    const sid = `SM${'a'.repeat(32)}`;
    await w.text(LOWEST_WITH_WORDS, { sid });
    expect(await w.text(LOWEST_WITH_WORDS, { sid })).toEqual({ replies: [], outcome: 'duplicate' });
    expect(await w.events()).toHaveLength(1);
  });

  it('if storing fails, the person gets the resources at once and the operator an alarm', async () => {
    const base = memoryServices().store;
    const store: Store = { ...base, saveSafetyEvent: async () => Promise.reject(new Error('storage unavailable')) };
    const w = await world(store);
    expect((await w.text(LOWEST_WITH_WORDS)).replies).toEqual([crisisReply(helpFor({ phone: PHONE }))]);
    expect(w.lines.find((l) => l.level === 'error')?.attributes).toMatchObject({ alarm: 'CrisisFlagNotStored' });
  });
});
