import fc from 'fast-check';
import { applyEvent, cohortFigures, contribution, emptyStats, isSilent, openFlags, pruneWeeks, recountStats, silentSince, sumCounters, type EngagementEvent, type EngagementStats } from '../../shared/domain/engagement';
import { cohortReport, type MemberRecords } from '../../shared/domain/cohort-report';
import type { DeliveryStatus, JournalEntry, Message, Person, SafetyEvent } from '../../shared/domain/model';
import { DELIVERY_RANK } from '../../shared/domain/delivery';

/**
 * The counts kept as things happen are the counts the records give: a random history is played
 * as events (in the order the service sees them) and rebuilt from the records it leaves, and the
 * two agree; the cohort figures summed from members agree with the full report computed from
 * every record, so a page that reads the sums says what the old page said.
 */

const NOW = new Date('2027-01-20T12:00:00.000Z');
const START = Date.parse('2026-11-20T00:00:00.000Z');
const isCheckin = (m: Pick<Message, 'stepId'>) => m.stepId.startsWith('checkin');

interface Step {
  kind: 'send' | 'fail' | 'deliver' | 'reply' | 'flag';
  minutes: number;
  checkin: boolean;
  channel: 'sms' | 'whatsapp' | 'email';
  delivery: DeliveryStatus;
  score: number | null;
  answer: boolean;
  flag: 'crisis' | 'distress' | 'talk';
}
const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('send', 'send', 'fail', 'deliver', 'reply', 'reply', 'flag'),
  minutes: fc.integer({ min: 1, max: 60 * 24 * 5 }),
  checkin: fc.boolean(),
  channel: fc.constantFrom('sms', 'whatsapp', 'email'),
  delivery: fc.constantFrom('queued', 'sent', 'delivered', 'undelivered', 'failed', 'read'),
  score: fc.option(fc.integer({ min: 1, max: 5 })),
  answer: fc.boolean(),
  flag: fc.constantFrom('crisis', 'distress', 'talk'),
});

const person = (personId: string, sms: 'confirmed' | 'revoked'): Person => ({
  personId,
  firstName: 'Kwame',
  timeZone: 'Africa/Accra',
  consent: { sms: { state: sms, source: 'sms-keyword', at: '2026-11-01T00:00:00.000Z', text: 'YES' } },
  createdAt: '2026-11-01T00:00:00.000Z',
  profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
});

/** Plays a history: the records it leaves behind, and the events the service would have seen. */
function play(personId: string, steps: readonly Step[], sms: 'confirmed' | 'revoked') {
  const messages: Message[] = [];
  const journal: JournalEntry[] = [];
  const safety: SafetyEvent[] = [];
  const events: EngagementEvent[] = [];
  let t = START;
  const answered = new Set<string>();
  for (const [i, s] of steps.entries()) {
    t += s.minutes * 60_000;
    const at = new Date(t).toISOString();
    if (s.kind === 'send' || s.kind === 'fail') {
      const m: Message = {
        personId, messageId: `m${i}`, enrollmentId: 'e', sequenceId: 'core', stepId: s.checkin ? `checkin${i}` : `nudge${i}`, channel: s.channel, to: 'x', zone: 'UTC', anchors: {},
        profile: person(personId, sms).profile, sendAt: at, status: s.kind === 'send' ? 'sent' : 'failed',
        attempts: [{ at, outcome: s.kind === 'send' ? 'sent' : 'failed', detail: 'x' }], updatedAt: at,
      };
      messages.push(m);
      // A WhatsApp message reaches the phone: it counts as a text.
      events.push(s.kind === 'send' ? { kind: 'sent', at, channel: s.channel === 'email' ? 'email' : 'sms', checkin: s.checkin } : { kind: 'failed', at });
    } else if (s.kind === 'deliver') {
      // A report for the latest text, kept only when later than what is stored (as the store does).
      const m = [...messages].reverse().find((x) => x.status === 'sent' && x.channel !== 'email');
      if (!m || (m.delivery && DELIVERY_RANK[s.delivery] <= DELIVERY_RANK[m.delivery.status])) continue;
      events.push({ kind: 'delivery', at, ...(m.delivery && { before: m.delivery.status }), after: s.delivery });
      m.delivery = { status: s.delivery, at };
    } else if (s.kind === 'reply') {
      const target = [...messages].reverse().find((x) => x.status === 'sent');
      const answering = s.answer && target !== undefined;
      const entry: JournalEntry = {
        personId, entryId: `SM${i}`, at, kind: s.score !== null ? 'checkin' : 'note',
        ...(answering && { inReplyTo: target!.messageId }),
        ...(s.score !== null ? { response: { kind: 'score' as const, score: s.score } } : answering ? { response: { kind: 'done' as const } } : {}),
      };
      journal.push(entry);
      const first = answering && entry.response !== undefined && isCheckin(target!) && !answered.has(target!.messageId);
      if (first) answered.add(target!.messageId);
      events.push({ kind: 'reply', at, ...(first && { answered: { checkinSentAt: target!.sendAt } }), ...(s.score !== null && { score: s.score }) });
    } else {
      safety.push({ personId, eventId: `SM${i}`, at, kind: s.flag === 'crisis' ? 'risk' : s.flag === 'talk' ? 'asked-to-talk' : 'distress', rule: 'x' });
      events.push({ kind: 'flag', at, reason: s.flag });
    }
  }
  const records: MemberRecords = { personId, person: person(personId, sms), messages, journal, safety };
  return { records, events };
}

const kept = (personId: string, events: readonly EngagementEvent[], sms: 'confirmed' | 'revoked'): EngagementStats => {
  let stats = emptyStats(personId, NOW.toISOString());
  for (const event of events) stats = applyEvent(stats, event);
  stats = applyEvent(stats, { kind: 'consent', at: NOW.toISOString(), email: 'none', sms });
  stats = applyEvent(stats, { kind: 'name', at: NOW.toISOString(), firstName: 'Kwame' });
  return { ...stats, weeks: pruneWeeks(stats.weeks, NOW.toISOString()) };
};

test('counts kept event by event equal the counts rebuilt from the records', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), fc.constantFrom('confirmed', 'revoked'), (steps, sms) => {
      const { records, events } = play('p1', steps, sms);
      const { updatedAt: _a, ...fromRecords } = recountStats(records, isCheckin, NOW);
      const { updatedAt: _b, version: _v, cohorts: _c, ...fromEvents } = kept('p1', events, sms);
      expect(fromEvents).toEqual(fromRecords);
    }),
    { numRuns: 300 },
  );
});

test('cohort figures summed from members say what the report computed from every record says', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.array(step, { maxLength: 25 }), fc.constantFrom('confirmed', 'revoked')), { minLength: 1, maxLength: 6 }), (members) => {
      const played = members.map(([steps, sms], i) => ({ ...play(`p${i}`, steps, sms), sms }));
      const report = cohortReport({ cohortId: 'k1', members: played.map((p) => p.records), now: NOW, isCheckin });
      const stats = played.map((p) => ({ ...recountStats(p.records, isCheckin, NOW), version: 1, cohorts: [] }) as EngagementStats);
      const figures = cohortFigures(sumCounters(stats.map((s) => contribution(s, undefined))), NOW);
      expect(figures.linked).toBe(report.memberCount);
      expect(figures.messages).toEqual(report.messages);
      expect(figures.checkins).toEqual(report.checkins);
      expect(figures.consent).toEqual(report.consent);
      expect(figures.weeks.map((w) => [w.weekStart, w.average, w.scores])).toEqual(report.weeklyScores.map((w) => [w.weekStart, w.average, w.answers]));
      expect(figures.weeks.map((w) => [w.checkinsSent, w.checkinsAnswered, w.rate])).toEqual(report.weeklyResponse.map((w) => [w.sent, w.answered, w.rate]));
      // Flags: the report's crisis and distress members, two low scores in a row, and silence, member by member.
      for (const [i, s] of stats.entries()) {
        const reported = report.members[i]!.flags.map((f) => f.reason);
        const open = openFlags(s, undefined).map((f) => f.reason);
        expect(open.includes('crisis')).toBe(reported.includes('crisis'));
        expect(open.includes('distress')).toBe(reported.includes('distress'));
        expect(open.includes('low-scores')).toBe(reported.includes('low-scores'));
        expect(isSilent(s, NOW)).toBe(reported.includes('no-reply'));
      }
    }),
    { numRuns: 200 },
  );
});

test('silence begins at the last reply, or the first text, and ends with a reply after our last text', () => {
  let s = applyEvent(emptyStats('p', NOW.toISOString()), { kind: 'consent', at: NOW.toISOString(), email: 'none', sms: 'confirmed' });
  expect(silentSince(s)).toBeUndefined();
  s = applyEvent(s, { kind: 'sent', at: '2027-01-01T00:00:00.000Z', channel: 'sms', checkin: false });
  s = applyEvent(s, { kind: 'sent', at: '2027-01-02T00:00:00.000Z', channel: 'sms', checkin: false });
  expect(silentSince(s)).toBe('2027-01-01T00:00:00.000Z');
  expect(isSilent(s, NOW)).toBe(true);
  s = applyEvent(s, { kind: 'reply', at: '2027-01-03T00:00:00.000Z' });
  expect(silentSince(s)).toBeUndefined();
  s = applyEvent(s, { kind: 'sent', at: '2027-01-04T00:00:00.000Z', channel: 'sms', checkin: false });
  expect(silentSince(s)).toBe('2027-01-03T00:00:00.000Z');
  expect(isSilent(s, NOW)).toBe(true);
  expect(isSilent(s, new Date('2027-01-16T00:00:00.000Z'))).toBe(false);
});
