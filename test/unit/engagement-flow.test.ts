import { alertCounselorsOfCrisis } from '../../shared/app/counselors/counselor-alerts';
import { recordDeliveryStatus } from '../../shared/app/dispatch/delivery-status';
import { handleInboundSms } from '../../shared/app/inbound/inbound-sms';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import { checkinTest } from '../../shared/app/engagement/checkin-test';
import { cohortReport } from '../../shared/domain/cohort-report';
import { cohortFigures, recountStats } from '../../shared/domain/engagement';
import type { Counselor } from '../../shared/domain/counselor';
import { silentLogger } from '../../shared/ports';
import { alertDepsOf } from '../../functions/counselor-alert-deps';
import { counselorEvent, testIssuer, type TestIssuer } from '../support/counselor-tokens';
import { memoryServices, type MemoryServices } from '../support/memory-services';
import { createWholeApiHandler } from '../support/whole-api';

/**
 * The counts kept as things happen, through the real paths on memory twins: an organisation adds
 * someone new, the invitation goes, they answer YES, coaching texts go out over weeks (the
 * dispatcher counts each), delivery reports arrive, they answer check-ins, text TALK and finally
 * STOP. At every step the counts equal what their records give, and the cohort's figures equal
 * the full report computed from every record: the kept numbers are the true ones.
 */

jest.setTimeout(60_000);
const START = '2026-12-07T09:00:00.000Z';
let issuer: TestIssuer;
beforeAll(() => {
  issuer = testIssuer();
});
afterAll(() => issuer.remove());

const ADMIN = { counselorId: 'c-admin', orgId: 'org-a', role: 'admin' as const };
const PHONE = '+2348031234567';

async function world() {
  const services: MemoryServices = memoryServices();
  services.at(START);
  services.counselorAuth = issuer.authenticator(services.clock);
  await services.counselors.saveOrganisation({ orgId: 'org-a', name: 'Lagos Alumni', createdAt: START });
  const admin: Counselor = { ...ADMIN, email: 'mentor@example.org', settings: { crisisAlerts: true, weeklyDigest: true }, createdAt: START };
  await services.counselors.saveCounselor(admin);
  const handler = createWholeApiHandler(Promise.resolve(services), silentLogger);
  const api = async (method: string, path: string, body?: unknown) => {
    const result = await handler(counselorEvent(method, path, { token: issuer.tokenFor(ADMIN, {}, services.clock.now()), ...(body !== undefined && { body }) }));
    return JSON.parse(String(result.body));
  };
  let sid = 0;
  const text = (body: string) =>
    handleInboundSms(
      {
        store: services.store,
        clock: services.clock,
        log: silentLogger,
        helpAddress: services.helpAddress,
        memberships: services.counselors,
        engagement: services.engagement,
        onCrisisFlag: (flag) => alertCounselorsOfCrisis(alertDepsOf(services, silentLogger), flag),
        onTalkFlag: (flag) => alertCounselorsOfCrisis(alertDepsOf(services, silentLogger), flag),
      },
      { messageSid: `SM${String(++sid).padStart(32, '0')}`, from: PHONE, to: '+15550000000', body },
    );
  return { services, api, text };
}

/** The counts kept, against the counts the person's records give, and the cohort's figures against the full report. */
async function expectKeptEqualsRecords(services: MemoryServices, personId: string, cohortId: string) {
  const library = shippedLibrary();
  const isCheckin = checkinTest(library);
  const person = (await services.store.getPerson(personId))!;
  const records = { personId, person, messages: (await services.store.listMessages(personId)).filter((m) => !m.invitation), journal: await services.store.listJournalEntries(personId), safety: await services.store.listSafetyEvents(personId) };
  const kept = (await services.engagement.getStats([personId])).get(personId)!;
  const { updatedAt: _a, version: _v, cohorts: _c, ...keptCounts } = kept;
  const { updatedAt: _b, ...fromRecords } = recountStats(records, isCheckin, services.clock.now());
  expect({ ...keptCounts, weeks: fromRecords.weeks }).toEqual(fromRecords);
  const report = cohortReport({ cohortId, members: [records], now: services.clock.now(), isCheckin });
  const figures = cohortFigures(await services.engagement.cohortTotals('org-a', cohortId), services.clock.now());
  expect(figures.messages).toEqual(report.messages);
  expect(figures.checkins).toEqual(report.checkins);
  expect(figures.weeks.map((w) => w.average)).toEqual(report.weeklyScores.map((w) => w.average));
  return { kept, figures };
}

test('an invited member who says YES is counted from then on, message by message, exactly as their records say', async () => {
  const { services, api, text } = await world();
  const cohortId = (await api('POST', '/counselor/cohorts', { name: 'Lagos 2027', season: 2027, sequenceIds: ['getting-started', 'personal-plan'] })).cohort.cohortId as string;
  const added = await api('POST', `/counselor/cohorts/${cohortId}/members`, { members: [{ phone: PHONE, firstName: 'Ngozi', timeZone: 'Africa/Lagos' }] });
  const personId = added.rows[0].personId as string;
  await services.dispatch();
  expect(services.sms.sent.map((m) => m.to)).toEqual([PHONE]);
  expect((await api('GET', `/counselor/cohorts/${cohortId}/report`)).figures.members).toEqual({ accepted: 0, pending: 1, declined: 0 });

  // YES: the invitation's yes is their yes to the organisation; from now on they are followed and counted.
  await text('YES');
  expect((await services.store.getPerson(personId))!.profile.followed).toBe(true);
  expect((await api('GET', `/counselor/cohorts/${cohortId}/report`)).figures.members).toEqual({ accepted: 1, pending: 0, declined: 0 });

  // Four weeks of coaching, a tick every hour (a text more than a few hours late is skipped, as on a
  // live ticker it never is); they answer every check-in text with a score.
  let scores = 0;
  for (let hour = 1; hour <= 28 * 24; hour += 1) {
    services.at(new Date(Date.parse(START) + hour * 3_600_000));
    const before = services.sms.sent.length;
    await services.dispatch();
    for (const sent of services.sms.sent.slice(before)) {
      const message = (await services.store.listMessages(personId)).find((m) => m.messageId === sent.messageId)!;
      await recordDeliveryStatus({ store: services.store, clock: services.clock, engagement: services.engagement }, { personId, messageId: message.messageId, messageSid: `SM${'d'.repeat(32)}`, status: 'delivered' });
      if (checkinTest(shippedLibrary())(message)) {
        await text(String(1 + (scores++ % 5)));
      }
    }
  }
  const { kept, figures } = await expectKeptEqualsRecords(services, personId, cohortId);
  expect(kept.sent).toBeGreaterThan(3);
  expect(kept.delivered).toBe(kept.sent - (await services.store.listMessages(personId)).filter((m) => m.status === 'sent' && m.channel === 'email').length);
  expect(figures.checkins.sent).toBe(scores);
  // A bare number answers a check-in only while it is our latest text (inbound-sms.ts); the report agrees either way.
  expect(figures.checkins.answered).toBeGreaterThan(0);
  expect(figures.checkins.answered).toBeLessThanOrEqual(scores);

  // TALK: their number is shared with the organisation, a non-crisis flag, an email to the counselor, a kind reply.
  const talk = await text('Talk please');
  expect(talk.replies[0]).toMatch(/^Thanks\. We told Lagos Alumni you want to talk\. Their counselors can now see this number/);
  expect((await services.counselors.getCohortMember('org-a', cohortId, personId))!.contactShare?.phone).toMatchObject({ source: 'sms-keyword', text: expect.stringContaining('Lagos Alumni') });
  expect(services.email.sent.find((m) => m.to === 'mentor@example.org')!.subject).toBe('Ngozi would like to talk');
  const member = (await api('GET', `/counselor/cohorts/${cohortId}/members/${personId}`)).member;
  expect(member.contacts.phone.value).toBe(PHONE);
  expect(member.preferred).toEqual({ channel: 'text', why: 'asked-to-talk' });
  expect(member.openFlags.map((f: { reason: string }) => f.reason)).toContain('talk');
  expect((await api('GET', `/counselor/cohorts/${cohortId}/report`)).figures.flags.talk).toBe(1);

  // STOP: counted as an opt-out at once.
  await text('STOP');
  const after = await expectKeptEqualsRecords(services, personId, cohortId);
  expect(after.figures.messages.optedOut).toBe(1);
  expect(after.figures.consent.sms.revoked).toBe(1);
});

test('TALK from someone no organisation follows says plainly that nobody here will see it, and where to find someone now', async () => {
  const { services, text } = await world();
  await services.store.createPeople([
    {
      person: {
        personId: 'p-self',
        phone: PHONE,
        timeZone: 'Africa/Lagos',
        consent: { sms: { state: 'confirmed', source: 'web', at: START, text: 'Text me' } },
        profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
        createdAt: START,
      },
      enrollments: [],
    },
  ]);
  const answer = await text('TALK');
  expect(answer.replies).toHaveLength(1);
  expect(answer.replies[0]).toMatch(/^No counselor is linked to your Match Coach texts, so nobody here will see this\. To talk to someone now: /);
  expect(await services.store.listSafetyEvents('p-self')).toEqual([]);
  expect(services.email.sent).toEqual([]);
});
