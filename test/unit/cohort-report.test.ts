import fc from 'fast-check';
import { DateTime } from 'luxon';
import { parse } from 'csv-parse/sync';
import {
  cohortReport,
  cohortReportCsv,
  csvCell,
  csvRow,
  memberFlags,
  memberTimeline,
  MEMBER_CSV_COLUMNS,
  weekStartOf,
  weeklyScoresCsv,
  type MemberRecords,
} from '../../shared/domain/cohort-report';
import type { JournalEntry, Message, Person, SafetyEvent } from '../../shared/domain/model';

const NOW = new Date('2027-01-20T12:00:00.000Z');
const isCheckin = (m: Pick<Message, 'stepId'>) => m.stepId.startsWith('checkin');

const consent = (state: 'pending' | 'confirmed' | 'revoked') => ({ state, source: 'counselor:c1', at: '2026-12-01T00:00:00.000Z', text: 'yes' });

function person(personId: string, over: Partial<Person> = {}): Person {
  return {
    personId,
    timeZone: 'Asia/Kolkata',
    consent: { sms: consent('confirmed') },
    profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
    createdAt: '2026-12-01T00:00:00.000Z',
    ...over,
  };
}

let seq = 0;
function message(personId: string, at: string, over: Partial<Message> = {}): Message {
  seq += 1;
  return {
    personId,
    messageId: `e1.${over.stepId ?? 'nudge'}.${seq}.${over.channel ?? 'sms'}`,
    enrollmentId: 'e1',
    sequenceId: 'core',
    stepId: 'nudge',
    channel: 'sms',
    to: '+919812345678',
    zone: 'Asia/Kolkata',
    anchors: {},
    profile: person(personId).profile,
    sendAt: at,
    status: 'sent',
    attempts: [{ at, outcome: 'sent', detail: 'ok' }],
    updatedAt: at,
    ...over,
  };
}

const score = (personId: string, at: string, value: number, inReplyTo?: string): JournalEntry => ({
  personId,
  entryId: `SM${seq++}`,
  at,
  kind: 'checkin',
  ...(inReplyTo && { inReplyTo }),
  response: { kind: 'score', score: value },
});

const records = (personId: string, over: Partial<MemberRecords> = {}): MemberRecords => ({
  personId,
  person: person(personId),
  messages: [],
  journal: [],
  safety: [],
  ...over,
});

describe('cohort report', () => {
  it('counts members by consent state, overall and per channel', () => {
    const report = cohortReport({
      cohortId: 'k1',
      now: NOW,
      isCheckin,
      members: [
        records('a', { person: person('a', { consent: { email: consent('confirmed'), sms: consent('revoked') } }) }),
        records('b', { person: person('b', { consent: { email: consent('pending') } }) }),
        records('c', { person: person('c', { consent: { sms: consent('revoked') } }) }),
        records('d', { person: person('d', { consent: {} }) }),
        records('gone', { person: undefined }),
      ],
    });
    expect(report.memberCount).toBe(4);
    expect(report.erasedMembers).toBe(1);
    expect(report.consent.overall).toEqual({ confirmed: 1, pending: 1, revoked: 1, none: 1 });
    expect(report.consent.email).toEqual({ confirmed: 1, pending: 1, revoked: 0, none: 2 });
    expect(report.consent.sms).toEqual({ confirmed: 0, pending: 0, revoked: 2, none: 2 });
    expect(report.messages.optedOut).toBe(2);
  });

  it('counts messages sent, delivered and failed, and the check-in response rate', () => {
    const c1 = message('a', '2027-01-10T10:00:00.000Z', { stepId: 'checkin-weekly', delivery: { status: 'delivered', at: '2027-01-10T10:00:05.000Z' } });
    const c2 = message('a', '2027-01-17T10:00:00.000Z', { stepId: 'checkin-weekly', delivery: { status: 'undelivered', at: '2027-01-17T10:00:05.000Z', errorCode: 30003 } });
    const nudge = message('a', '2027-01-12T10:00:00.000Z', { channel: 'email' });
    const failed = message('a', '2027-01-13T10:00:00.000Z', { status: 'failed', attempts: [{ at: '2027-01-13T10:00:00.000Z', outcome: 'failed', detail: 'bounce' }] });
    const planned = message('a', '2027-01-25T10:00:00.000Z', { status: 'planned', attempts: [] });
    const report = cohortReport({
      cohortId: 'k1',
      now: NOW,
      isCheckin,
      members: [records('a', { messages: [c1, c2, nudge, failed, planned], journal: [score('a', '2027-01-10T11:00:00.000Z', 4, c1.messageId)] })],
    });
    expect(report.messages).toEqual({ sent: 3, delivered: 1, failed: 2, optedOut: 0 });
    expect(report.checkins).toEqual({ sent: 2, answered: 1, responseRate: 0.5 });
    expect(report.members[0]!.lastScore).toEqual({ score: 4, at: '2027-01-10T11:00:00.000Z' });
  });

  it('has no response rate when no check-in was sent (not a misleading 0 %)', () => {
    const report = cohortReport({ cohortId: 'k1', now: NOW, isCheckin, members: [records('a')] });
    expect(report.checkins.responseRate).toBeNull();
  });

  it('averages check-in scores per ISO week (Monday, UTC), with empty weeks as null', () => {
    const report = cohortReport({
      cohortId: 'k1',
      now: NOW, // Wednesday 2027-01-20: its week starts Monday 2027-01-18
      isCheckin,
      weeks: 3,
      members: [
        records('a', { journal: [score('a', '2027-01-18T00:00:00.000Z', 4), score('a', '2027-01-04T09:00:00.000Z', 1)] }),
        records('b', { journal: [score('b', '2027-01-19T23:59:59.000Z', 1), score('b', '2027-01-17T23:59:59.000Z', 3)] }),
      ],
    });
    expect(report.weeklyScores).toEqual([
      { weekStart: '2027-01-04', average: 1, answers: 1 },
      { weekStart: '2027-01-11', average: 3, answers: 1 },
      { weekStart: '2027-01-18', average: 2.5, answers: 2 },
    ]);
    expect(weekStartOf('2027-01-17T23:59:59.000Z')).toBe('2027-01-11');
  });

  it('counts check-ins sent and answered per week, by when they went out', () => {
    const c1 = message('a', '2027-01-12T10:00:00.000Z', { stepId: 'checkin-weekly' });
    const c2 = message('a', '2027-01-19T10:00:00.000Z', { stepId: 'checkin-weekly' });
    const c3 = message('b', '2027-01-19T10:00:00.000Z', { stepId: 'checkin-weekly' });
    const report = cohortReport({
      cohortId: 'k1',
      now: NOW,
      isCheckin,
      weeks: 2,
      members: [
        // The answer to last week's check-in came this week: it counts for last week.
        records('a', { messages: [c1, c2, message('a', '2027-01-19T10:00:00.000Z')], journal: [score('a', '2027-01-18T10:00:00.000Z', 3, c1.messageId)] }),
        records('b', { messages: [c3], journal: [score('b', '2027-01-19T11:00:00.000Z', 5, c3.messageId)] }),
      ],
    });
    expect(report.weeklyResponse).toEqual([
      { weekStart: '2027-01-11', sent: 1, answered: 1, rate: 1 },
      { weekStart: '2027-01-18', sent: 2, answered: 1, rate: 0.5 },
    ]);
  });
});

describe('flags', () => {
  it('flags a crisis message and a distress message with their dates', () => {
    const safety: SafetyEvent[] = [
      { personId: 'a', eventId: 'SM1', at: '2027-01-15T03:00:00.000Z', kind: 'risk', rule: 'risk:x' },
      { personId: 'a', eventId: 'SM2', at: '2027-01-16T03:00:00.000Z', kind: 'distress', rule: 'distress:y' },
      { personId: 'a', eventId: 'h1', at: '2027-01-17T03:00:00.000Z', kind: 'hold-lifted', by: 'counselor:c1' },
    ];
    expect(memberFlags(records('a', { safety, journal: [score('a', '2027-01-18T00:00:00.000Z', 4)] }), NOW)).toEqual([
      { personId: 'a', reason: 'crisis', at: '2027-01-15T03:00:00.000Z' },
      { personId: 'a', reason: 'distress', at: '2027-01-16T03:00:00.000Z' },
    ]);
  });

  it('flags two low scores in a row (1-2), dated at the second; a good score since clears it', () => {
    const low = [score('a', '2027-01-10T00:00:00.000Z', 2), score('a', '2027-01-17T00:00:00.000Z', 1)];
    expect(memberFlags(records('a', { journal: low }), NOW)).toEqual([{ personId: 'a', reason: 'low-scores', at: '2027-01-17T00:00:00.000Z' }]);
    expect(memberFlags(records('a', { journal: [...low, score('a', '2027-01-19T00:00:00.000Z', 4)] }), NOW)).toEqual([]);
    // Low, good, low: not in a row.
    const apart = [score('a', '2027-01-05T00:00:00.000Z', 1), score('a', '2027-01-10T00:00:00.000Z', 3), score('a', '2027-01-17T00:00:00.000Z', 2)];
    expect(memberFlags(records('a', { journal: apart }), NOW)).toEqual([]);
    // A 3 is not low.
    expect(memberFlags(records('a', { journal: [score('a', '2027-01-10T00:00:00.000Z', 3), score('a', '2027-01-17T00:00:00.000Z', 3)] }), NOW)).toEqual([]);
  });

  it('flags no reply for 14 days after a text, from the last reply (or the first text)', () => {
    const oldText = message('a', '2027-01-01T10:00:00.000Z');
    const recentText = message('a', '2027-01-19T10:00:00.000Z');
    // Never answered, first text 19 days ago.
    expect(memberFlags(records('a', { messages: [oldText, recentText] }), NOW)).toEqual([{ personId: 'a', reason: 'no-reply', at: oldText.sendAt }]);
    // Answered 15 days ago, texted since: flagged from the answer.
    const reply = score('a', '2027-01-05T11:00:00.000Z', 4);
    expect(memberFlags(records('a', { messages: [oldText, recentText], journal: [reply] }), NOW)).toEqual([{ personId: 'a', reason: 'no-reply', at: reply.at }]);
    // Exactly 14 days counts; 13 days does not.
    const at14 = new Date(Date.parse(oldText.sendAt) + 14 * 86_400_000);
    expect(memberFlags(records('a', { messages: [oldText] }), at14).map((f) => f.reason)).toEqual(['no-reply']);
    expect(memberFlags(records('a', { messages: [oldText] }), new Date(at14.getTime() - 1)).map((f) => f.reason)).toEqual([]);
  });

  it('does not flag silence when we sent nothing since their reply, nor for email-only or unconfirmed members', () => {
    const oldText = message('a', '2027-01-01T10:00:00.000Z');
    const reply = score('a', '2027-01-02T11:00:00.000Z', 4);
    expect(memberFlags(records('a', { messages: [oldText], journal: [reply] }), NOW)).toEqual([]);
    const email = message('a', '2027-01-01T10:00:00.000Z', { channel: 'email' });
    expect(memberFlags(records('a', { messages: [email], person: person('a', { consent: { email: consent('confirmed') } }) }), NOW)).toEqual([]);
    expect(memberFlags(records('a', { messages: [oldText], person: person('a', { consent: { sms: consent('pending') } }) }), NOW)).toEqual([]);
    expect(memberFlags(records('a', { messages: [oldText], person: person('a', { consent: { sms: consent('revoked') } }) }), NOW)).toEqual([]);
  });

  it('lists the cohort flags newest first', () => {
    const report = cohortReport({
      cohortId: 'k1',
      now: NOW,
      isCheckin,
      members: [
        records('a', { safety: [{ personId: 'a', eventId: 'SM1', at: '2027-01-15T03:00:00.000Z', kind: 'risk', rule: 'r' }] }),
        records('b', { safety: [{ personId: 'b', eventId: 'SM2', at: '2027-01-18T03:00:00.000Z', kind: 'risk', rule: 'r' }] }),
      ],
    });
    expect(report.flagged.map((f) => f.personId)).toEqual(['b', 'a']);
  });
});

describe('member timeline', () => {
  it('shows what was sent and how they answered, newest first, without their words', () => {
    const c1 = message('a', '2027-01-10T10:00:00.000Z', { stepId: 'checkin-weekly' });
    const journal: JournalEntry[] = [
      score('a', '2027-01-10T11:00:00.000Z', 2, c1.messageId),
      { personId: 'a', entryId: 'SMn', at: '2027-01-11T11:00:00.000Z', kind: 'note', text: 'my private words' },
    ];
    const safety: SafetyEvent[] = [{ personId: 'a', eventId: 'SMr', at: '2027-01-12T11:00:00.000Z', kind: 'risk', rule: 'risk:x' }];
    const timeline = memberTimeline(records('a', { messages: [c1, message('a', '2027-01-30T00:00:00.000Z', { status: 'planned', attempts: [] })], journal, safety }), isCheckin);
    expect(timeline.map((i) => i.kind)).toEqual(['flag', 'answer', 'answer', 'sent']);
    expect(timeline[2]).toEqual({ at: '2027-01-10T11:00:00.000Z', kind: 'answer', answer: 'score', score: 2 });
    expect(timeline[3]).toMatchObject({ kind: 'sent', checkin: true, stepId: 'checkin-weekly' });
    expect(JSON.stringify(timeline)).not.toContain('private');
  });
});

describe('CSV export', () => {
  it('neutralises formula injection and quotes what needs quoting', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
    expect(csvCell('  =cmd')).toBe("'  =cmd");
    expect(csvCell('Priya')).toBe('Priya');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(3)).toBe('3');
  });

  it('writes one row per member with the documented columns', () => {
    const report = cohortReport({
      cohortId: 'k1',
      now: NOW,
      isCheckin,
      members: [records('a', { person: person('a', { firstName: '=evil()' }), safety: [{ personId: 'a', eventId: 'SM1', at: '2027-01-15T03:00:00.000Z', kind: 'risk', rule: 'r' }] })],
    });
    const rows = parse(cohortReportCsv(report)) as string[][];
    expect(rows[0]).toEqual([...MEMBER_CSV_COLUMNS]);
    expect(rows[1]).toEqual(['a', "'=evil()", 'confirmed', 'none', 'confirmed', '0', '0', '0', '0', '0', '', '', '', 'crisis@2027-01-15T03:00:00.000Z']);
    expect(parse(weeklyScoresCsv(report))).toHaveLength(1 + report.weeklyScores.length);
  });

  it('property: any cell reads back as itself (or itself behind an apostrophe when it looks like a formula)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 6 }), (cells) => {
        const [row] = parse(csvRow(cells) + '\r\n', { relax_column_count: true }) as string[][];
        expect(row).toHaveLength(cells.length);
        row!.forEach((read, i) => {
          const original = cells[i]!;
          const dangerous = /^[\t\r]|^\s*[=+\-@]/.test(original);
          expect(read).toBe(dangerous ? `'${original}` : original);
          // What a spreadsheet sees never starts a formula.
          expect(read).not.toMatch(/^\s*[=+\-@]/);
        });
      }),
      { numRuns: 300 },
    );
  });
});

// ---- Properties over random cohorts --------------------------------------------------------------

const instant = fc.integer({ min: Date.parse('2026-10-01T00:00:00Z'), max: Date.parse('2027-01-20T12:00:00Z') }).map((t) => new Date(t).toISOString());
const state = fc.constantFrom<'pending' | 'confirmed' | 'revoked' | undefined>('pending', 'confirmed', 'revoked', undefined);
const memberArb = (personId: string) =>
  fc
    .record({
      email: state,
      sms: state,
      erased: fc.boolean().map((b) => b && personId.endsWith('7')),
      messages: fc.array(
        fc.record({
          at: instant,
          checkin: fc.boolean(),
          channel: fc.constantFrom<'sms' | 'email'>('sms', 'email'),
          status: fc.constantFrom<Message['status']>('planned', 'sent', 'failed', 'skipped'),
          delivery: fc.constantFrom(undefined, 'delivered', 'undelivered', 'failed', 'sent', 'read'),
        }),
        { maxLength: 8 },
      ),
      scores: fc.array(fc.record({ at: instant, score: fc.integer({ min: 1, max: 5 }), answersIndex: fc.nat() }), { maxLength: 6 }),
      risks: fc.array(fc.record({ at: instant, kind: fc.constantFrom<'risk' | 'distress' | 'hold-lifted'>('risk', 'distress', 'hold-lifted') }), { maxLength: 2 }),
    })
    .map((r): MemberRecords => {
      const messages = r.messages.map((m, i) =>
        message(personId, m.at, {
          messageId: `${personId}.m${i}`,
          stepId: m.checkin ? 'checkin-weekly' : 'nudge',
          channel: m.channel,
          status: m.status,
          ...(m.delivery && { delivery: { status: m.delivery as never, at: m.at } }),
        }),
      );
      return {
        personId,
        ...(r.erased ? {} : { person: person(personId, { consent: { ...(r.email && { email: consent(r.email) }), ...(r.sms && { sms: consent(r.sms) }) } }) }),
        messages,
        journal: r.scores.map((s, i) => ({
          personId,
          entryId: `${personId}.j${i}`,
          at: s.at,
          kind: 'checkin' as const,
          ...(messages.length > 0 && { inReplyTo: messages[s.answersIndex % messages.length]!.messageId }),
          response: { kind: 'score' as const, score: s.score },
        })),
        safety: r.risks.map((s, i) => ({ personId, eventId: `${personId}.s${i}`, at: s.at, kind: s.kind })),
      };
    });
const cohortArb = fc.integer({ min: 0, max: 12 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => memberArb(`p${i}`))));

describe('cohort report properties', () => {
  it('finds the ISO week\'s Monday as Luxon does, for any instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('1960-01-01T00:00:00Z'), max: Date.parse('2100-12-31T23:59:59Z') }), (t) => {
        expect(weekStartOf(new Date(t))).toBe(DateTime.fromMillis(t, { zone: 'utc' }).startOf('week').toISODate());
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps its sums consistent and its numbers in range', () => {
    fc.assert(
      fc.property(cohortArb, (members) => {
        const report = cohortReport({ cohortId: 'k', now: NOW, isCheckin, members });
        const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
        expect(report.memberCount + report.erasedMembers).toBe(members.length);
        for (const buckets of [report.consent.overall, report.consent.email, report.consent.sms]) expect(sum(buckets)).toBe(report.memberCount);
        expect(report.messages.delivered).toBeLessThanOrEqual(report.messages.sent);
        expect(report.messages.optedOut).toBeLessThanOrEqual(report.memberCount);
        expect(report.checkins.answered).toBeLessThanOrEqual(report.checkins.sent);
        if (report.checkins.responseRate !== null) {
          expect(report.checkins.responseRate).toBeGreaterThanOrEqual(0);
          expect(report.checkins.responseRate).toBeLessThanOrEqual(1);
        }
        for (const week of report.weeklyResponse) {
          expect(week.answered).toBeLessThanOrEqual(week.sent);
          if (week.rate === null) expect(week.sent).toBe(0);
        }
        for (const week of report.weeklyScores) {
          if (week.average === null) expect(week.answers).toBe(0);
          else {
            expect(week.average).toBeGreaterThanOrEqual(1);
            expect(week.average).toBeLessThanOrEqual(5);
          }
        }
        const ids = new Set(report.members.map((m) => m.personId));
        for (const flag of report.flagged) {
          expect(ids.has(flag.personId)).toBe(true);
          expect(Date.parse(flag.at)).toBeLessThanOrEqual(NOW.getTime());
        }
        for (let i = 1; i < report.flagged.length; i++) expect(report.flagged[i - 1]!.at >= report.flagged[i]!.at).toBe(true);
        // The CSV has a header and one row per member, each with every column.
        const rows = parse(cohortReportCsv(report)) as string[][];
        expect(rows).toHaveLength(report.memberCount + 1);
        for (const row of rows) expect(row).toHaveLength(MEMBER_CSV_COLUMNS.length);
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same report whatever order the records come in', () => {
    fc.assert(
      fc.property(cohortArb, fc.nat(), (members, seed) => {
        const shuffle = <T>(items: readonly T[]) => [...items].sort((a, b) => ((JSON.stringify(a).length * 31 + seed) % 7) - ((JSON.stringify(b).length * 31 + seed) % 7));
        const shuffled = shuffle(members).map((m) => ({ ...m, messages: shuffle(m.messages), journal: [...m.journal].reverse(), safety: [...m.safety].reverse() }));
        expect(cohortReport({ cohortId: 'k', now: NOW, isCheckin, members: shuffled })).toEqual(cohortReport({ cohortId: 'k', now: NOW, isCheckin, members }));
      }),
      { numRuns: 150 },
    );
  });
});
