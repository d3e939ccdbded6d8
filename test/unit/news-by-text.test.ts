import { enroll } from '../../shared/app/scheduling/enroll';
import { handleInboundSms } from '../../shared/app/inbound/inbound-sms';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import { OUTCOME_REPLIES, SAME_OUTCOME_REPLY, milestoneReply, parseCoachIntent } from '../../shared/domain/coach-words';
import { smsSegments } from '../../shared/domain/template';
import * as coachWords from '../../shared/domain/coach-words';
import { memoryServices, TEST_HELP_ADDRESS } from '../support/memory-services';

/**
 * News by text on the real engine (memory twins, the shipped library): outcomes in Match Week,
 * milestones that withdraw the alerts they make moot at once, specialty and interviews, and the
 * reply that ends three weeks of silence.
 */

const PHONE = '+2348031112222';
const ZONE = 'Africa/Lagos';
const library = shippedLibrary();

function world(startIso: string) {
  const services = memoryServices();
  services.at(startIso);
  let sids = 0;
  const deps = { store: services.store, clock: services.clock, library, helpAddress: TEST_HELP_ADDRESS };
  return {
    services,
    store: services.store,
    text: (body: string) => handleInboundSms(deps, { messageSid: `SM${(++sids).toString(16).padStart(32, '0')}`, from: PHONE, to: '+15005550006', body }),
    join: async () =>
      (await enroll({ ...services, library }, { email: 'tunde@example.com', phone: PHONE, firstName: 'Tunde', timeZone: ZONE, season: 2027, visaTrack: 'j1', done: ['step1', 'step2ck', 'oet'] }))
        .personId,
    pending: async (personId: string) => (await services.store.listMessages(personId)).filter((m) => m.status === 'planned').map((m) => `${m.sequenceId}/${m.stepId}`),
    all: async (personId: string) => await services.store.listMessages(personId),
  };
}

describe('reading news in a text', () => {
  it.each([
    ['MATCHED', 'matched'],
    ['I matched into internal medicine!', 'matched'],
    ['matched in SOAP', 'matched'],
    ["I'm in SOAP", 'soap'],
    ['UNMATCHED', 'unmatched'],
    ["didn't match", 'unmatched'],
    ['not matched this year', 'unmatched'],
  ])('%s is the outcome %s (from Match Week on)', (text, outcome) => {
    expect(parseCoachIntent(text, { outcomeWindow: true })).toEqual({ kind: 'outcome', outcome });
    expect(parseCoachIntent(text, { outcomeWindow: false })).toBeUndefined();
  });

  it.each(['did I match?', 'my friend matched', 'I matched my socks today and then went for a long walk by the river to think', 'soap opera tonight'])(
    '%s is not an outcome',
    (text) => expect(parseCoachIntent(text, { outcomeWindow: true })).toBeUndefined(),
  );

  it.each([
    ['DONE NRMP', ['nrmp_registered']],
    ['nrmp done', ['nrmp_registered']],
    ['DONE ERAS', ['eras_submitted', 'eras_documents', 'eras_token']],
    ['Done: Pathway', ['pathway', 'oet']],
    ['done step 3', ['step3']],
    ['DONE ROL', ['rol_certified']],
  ])('%s marks %j done', (text, milestones) => {
    expect(parseCoachIntent(text, { outcomeWindow: false })).toMatchObject({ kind: 'milestone', milestones });
  });

  it('reads the intake by text: SPECIALTY and INTERVIEWS, and refuses an impossible count', () => {
    expect(parseCoachIntent('SPECIALTY internal medicine', { outcomeWindow: false })).toEqual({ kind: 'specialty', text: 'internal medicine' });
    expect(parseCoachIntent('INTERVIEWS 4', { outcomeWindow: false })).toEqual({ kind: 'interviews', count: 4 });
    expect(parseCoachIntent('I have 6 interviews', { outcomeWindow: false })).toEqual({ kind: 'interviews', count: 6 });
    expect(parseCoachIntent('INTERVIEWS 400', { outcomeWindow: false })).toBeUndefined();
    expect(parseCoachIntent('DONE 2', { outcomeWindow: false })).toBeUndefined();
  });

  it('answers every piece of news in one GSM-7 segment', () => {
    const replies = [
      ...Object.values(OUTCOME_REPLIES),
      SAME_OUTCOME_REPLY,
      milestoneReply('your rank order list'),
      coachWords.specialtyReply('Obstetrics and gynecology'),
      coachWords.specialtyReply(undefined),
      coachWords.interviewsReply(0),
      coachWords.interviewsReply(80),
    ];
    for (const reply of replies) expect({ reply, ...smsSegments(reply) }).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });
});

describe('news by text on the real engine', () => {
  it('DONE NRMP withdraws the NRMP reminders at once and replies; the record keeps why', async () => {
    const w = world('2026-12-07T10:00:00Z');
    const personId = await w.join();
    const sms = await w.text('DONE NRMP');
    expect(sms.replies).toEqual([milestoneReply('NRMP registration')]);
    const person = (await w.store.getPerson(personId))!;
    expect(person.profile.done).toContain('nrmp_registered');
    // Nothing about NRMP registration is still to go, on any lane.
    const still = (await w.all(personId)).filter((m) => (m.status === 'planned' || m.status === 'claimed') && /nrmp/.test(m.stepId));
    expect(still).toEqual([]);
  });

  it('UNMATCHED in Match Week routes the person as the web form does: the unmatched path, and 14 days of nothing but its support', async () => {
    const w = world('2026-12-07T10:00:00Z');
    const personId = await w.join();
    w.services.at('2027-03-15T16:00:00Z'); // Monday of Match Week, after the notice
    // The safety screen reads the news as distress: its warm line leads, the answer to the news follows.
    const first = (await w.text('UNMATCHED')).replies;
    expect(first.at(-1)).toBe(OUTCOME_REPLIES.unmatched);
    const person = (await w.store.getPerson(personId))!;
    expect(person.profile).toMatchObject({ outcome: 'unmatched', outcomeAt: '2027-03-15T16:00:00.000Z' });
    const enrolled = (await w.store.listEnrollments(personId)).filter((e) => e.status === 'active').map((e) => e.sequenceId);
    expect(enrolled).toContain('unmatched-recovery');
    expect(enrolled).not.toContain('season-deadlines');
    expect((await w.text('UNMATCHED')).replies.at(-1)).toBe(SAME_OUTCOME_REPLY);
  });

  it('outcome words before Match Week are kept in the journal and change nothing', async () => {
    const w = world('2026-12-07T10:00:00Z');
    const personId = await w.join();
    await w.text('MATCHED');
    expect((await w.store.getPerson(personId))!.profile.outcome).toBe('applying');
    expect((await w.store.listJournalEntries(personId)).map((e) => e.text)).toEqual(['MATCHED']);
  });

  it('SPECIALTY re-plans on the specialty\'s application service; INTERVIEWS is kept with the person', async () => {
    const w = world('2026-12-07T10:00:00Z');
    const personId = await w.join();
    await w.text('SPECIALTY OB/GYN');
    await w.text('INTERVIEWS 3');
    const person = (await w.store.getPerson(personId))!;
    expect(person.specialty).toBe('OB/GYN');
    expect(person.interviews).toEqual({ count: 3, at: '2026-12-07T10:00:00.000Z' });
    const planned = (await w.all(personId)).filter((m) => m.status === 'planned');
    expect(planned.every((m) => m.profile.applicationSystem === 'residencycas')).toBe(true);
  });

  it('a reply after three silent weeks ends the slowdown: heard again, the question track starts afresh', async () => {
    const w = world('2026-12-07T10:00:00Z');
    const personId = await w.join();
    // Three weeks and a day of silence, the question sent.
    const ask = (await w.all(personId)).find((m) => m.sequenceId === 'keep-in-touch' && m.status === 'planned')!;
    expect(ask.sendAt).toBe('2026-12-28T16:00:00.000Z'); // 17:00 in Lagos, 21 days after joining (no other text is planned at 17:00)
    w.services.at('2026-12-28T16:01:00Z');
    await w.services.dispatch();
    w.services.at('2026-12-29T09:00:00Z');
    await w.text('YES');
    const person = (await w.store.getPerson(personId))!;
    expect(person.profile.heardAt).toBe('2026-12-29T09:00:00.000Z');
    const questionTracks = (await w.store.listEnrollments(personId)).filter((e) => e.sequenceId === 'keep-in-touch');
    expect(questionTracks.map((e) => e.status).sort()).toEqual(['active', 'ended']);
    const next = (await w.all(personId)).find((m) => m.sequenceId === 'keep-in-touch' && m.status === 'planned')!;
    expect(next.sendAt).toBe('2027-01-19T16:00:00.000Z');
  });
});
