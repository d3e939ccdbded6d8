import { enroll } from '../../shared/app/scheduling/enroll';
import { alertCounselorsOfCrisis, sweepCrisisAlerts } from '../../shared/app/counselors/counselor-alerts';
import { handleInboundSms } from '../../shared/app/inbound/inbound-sms';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import type { Library } from '../../shared/app/scheduling/planning';
import { helpFor } from '../../shared/app/safety/crisis-resources';
import { crisisReply } from '../../shared/domain/safety-replies';
import { silentLogger } from '../../shared/ports';
import { alertDepsOf } from '../../functions/counselor-alert-deps';
import { memoryServices, TEST_HELP_ADDRESS } from '../support/memory-services';

/**
 * From a risk text to the counselor's inbox: the inbound SMS flow calls the alert at once (the
 * route wires it exactly like this), and when that fails the dispatcher's sweep sends it later,
 * once. The person's crisis reply never waits on, or fails with, the counselor's email.
 */

const PHONE = '+2348031234567';
const shipped = shippedLibrary();
const library: Library = { ...shipped, sequences: new Map([['getting-started', shipped.sequences.get('getting-started')!]]) };
const RISK = 'I want to kill myself';
/** Nigeria's resources, chosen by Ada's +234 number. */
const CRISIS_REPLY = crisisReply(helpFor({ phone: PHONE, zone: 'Africa/Lagos' }));

async function world() {
  const services = memoryServices();
  services.at('2027-01-04T10:00:00.000Z');
  const { personId } = await enroll({ ...services, library }, { email: 'ada@example.com', phone: PHONE, firstName: 'Ada', timeZone: 'Africa/Lagos', sequenceId: 'getting-started', season: 2027, anchors: {} });
  const t = services.clock.now().toISOString();
  await services.counselors.saveCohort({ cohortId: 'lagos', orgId: 'org-a', name: 'Lagos 2027', season: 2027, sequenceIds: [], anchorOverrides: {}, archived: false, createdAt: t, updatedAt: t });
  await services.counselors.saveCohortMember({ orgId: 'org-a', cohortId: 'lagos', personId, addedBy: 'c1', addedAt: t, status: 'active', consent: { state: 'accepted', at: t } });
  await services.counselors.saveCounselor({ counselorId: 'c1', orgId: 'org-a', email: 'mentor@org-a.example.org', role: 'counselor', settings: { crisisAlerts: true, weeklyDigest: true }, createdAt: t });
  const deps = alertDepsOf(services, silentLogger);
  const text = (sid: string, body: string) =>
    handleInboundSms(
      { store: services.store, clock: services.clock, library, helpAddress: TEST_HELP_ADDRESS, onCrisisFlag: (flag) => alertCounselorsOfCrisis(deps, flag) },
      { messageSid: sid, from: PHONE, to: '+15005550006', body },
    );
  const toCounselor = () => services.email.sent.filter((e) => e.to === 'mentor@org-a.example.org');
  return { services, deps, text, toCounselor };
}

it('a risk text emails the counselor at once, and a replay of the webhook sends nothing more', async () => {
  const w = await world();
  expect((await w.text(`SM${'a'.repeat(32)}`, RISK)).replies).toEqual([CRISIS_REPLY]);
  expect(w.toCounselor().map((e) => e.subject)).toEqual(['Please check in with Ada']);
  expect((await w.text(`SM${'a'.repeat(32)}`, RISK)).outcome).toBe('duplicate');
  expect((await sweepCrisisAlerts(w.deps)).alreadySent).toBe(1);
  expect(w.toCounselor()).toHaveLength(1);
  // A calm text raises nothing.
  await w.text(`SM${'b'.repeat(32)}`, 'thanks, exam went ok');
  expect(w.toCounselor()).toHaveLength(1);
});

it('when the email fails at the time, the person still gets the crisis reply and the sweep sends it once', async () => {
  const w = await world();
  w.services.email.failNext(1, { status: 'failed', retryable: true, code: 'throttled', reason: 'throttled' });
  expect((await w.text(`SM${'c'.repeat(32)}`, RISK)).replies).toEqual([CRISIS_REPLY]);
  expect(w.toCounselor()).toHaveLength(0);
  expect((await sweepCrisisAlerts(w.deps)).sent).toBe(1);
  expect((await sweepCrisisAlerts(w.deps)).sent).toBe(0);
  expect(w.toCounselor()).toHaveLength(1);
});

it('an alert that throws does not fail the webhook', async () => {
  const w = await world();
  const answer = await handleInboundSms(
    { store: w.services.store, clock: w.services.clock, library, helpAddress: TEST_HELP_ADDRESS, log: silentLogger, onCrisisFlag: async () => Promise.reject(new Error('ses down')) },
    { messageSid: `SM${'d'.repeat(32)}`, from: PHONE, to: '+15005550006', body: RISK },
  );
  expect(answer).toEqual({ replies: [CRISIS_REPLY], outcome: 'handled' });
});
