import { createMemoryCounselorStore } from '../../shared/adapters/memory/memory-counselor-store';
import { createCohort } from '../../shared/app/cohorts/create-cohort';
import { sendInvitations } from '../../shared/app/cohorts/send-invitations';
import type { CohortDeps } from '../../shared/app/cohorts/deps';
import { importCsv } from '../../shared/app/cohorts/csv-import';
import { handleInboundSms } from '../../shared/app/inbound/inbound-sms';
import type { CounselorPrincipal } from '../../shared/domain/counselor';
import { invitationWhatsAppConsentText } from '../../shared/domain/invitation-words';
import { WHATSAPP_REASONS } from '../../shared/domain/whatsapp';
import * as wa from '../../shared/domain/whatsapp-words';
import { memoryServices, testContentSid, TEST_HELP_ADDRESS } from '../support/memory-services';

/**
 * A counselor's invitation by WhatsApp: a CSV row asks for it (phone_channel), the person's
 * WhatsApp consent waits for their YES, the invitation goes as the approved template naming the
 * organisation, and their YES on WhatsApp is their yes to that organisation too.
 */

const COUNSELOR: CounselorPrincipal = { counselorId: 'c-a', orgId: 'org-a', role: 'counselor', scopes: [] };
const PHONE = '+919812345678';

async function setup() {
  const services = memoryServices();
  services.at('2027-01-04T06:00:00.000Z'); // 11:30 in Kolkata: no quiet hours
  services.counselors = createMemoryCounselorStore({ isLiving: (services.store as unknown as { isLiving(id: string): boolean }).isLiving });
  await services.counselors.saveOrganisation({ orgId: 'org-a', name: 'Alpha Advising', createdAt: services.clock.now().toISOString() });
  const deps: CohortDeps = { ...services, postalAddress: services.settings.postalAddress };
  const cohort = await createCohort(deps, COUNSELOR, { name: 'Fall', season: 2027, sequenceIds: ['getting-started'] });
  return { services, deps, cohortId: cohort.cohortId };
}

const csv = (...rows: string[]) => Buffer.from(['phone,phone_channel,name,time_zone', ...rows].join('\r\n'));

describe('an invitation by WhatsApp', () => {
  it('asks for the person\'s YES on WhatsApp with the template naming the organisation, and nothing by SMS', async () => {
    const { services, deps, cohortId } = await setup();
    const report = await importCsv(deps, COUNSELOR, cohortId, csv(`${PHONE},WhatsApp,Asha,Asia/Kolkata`));
    expect(report.rows.map((r) => r.status)).toEqual(['added']);
    const personId = (await services.store.findPersonIdByPhone(PHONE))!;
    const person = (await services.store.getPerson(personId))!;
    expect(person.consent.whatsapp).toMatchObject({ state: 'pending', source: 'counselor:c-a', text: invitationWhatsAppConsentText('Alpha Advising') });
    expect(person.consent.sms).toBeUndefined();

    await sendInvitations(deps, COUNSELOR, cohortId);
    await services.dispatch();
    expect(services.sms.sent).toEqual([]);
    expect(services.whatsapp.accepted.map((m) => [m.to, m.content])).toEqual([
      [PHONE, { kind: 'template', contentSid: testContentSid('org_invitation'), variables: { '1': 'Alpha Advising' } }],
    ]);
    expect(services.whatsapp.accepted[0]!.body).toContain('Alpha Advising would like to coach you on WhatsApp');
    // However often the counselor presses the button, one invitation per period.
    await sendInvitations(deps, COUNSELOR, cohortId);
    await services.dispatch();
    expect(services.whatsapp.accepted).toHaveLength(1);
  });

  it('YES on WhatsApp confirms WhatsApp and is the person\'s yes to the organisation', async () => {
    const { services, deps, cohortId } = await setup();
    await importCsv(deps, COUNSELOR, cohortId, csv(`${PHONE},whatsapp,Asha,Asia/Kolkata`));
    await sendInvitations(deps, COUNSELOR, cohortId);
    await services.dispatch();
    const answer = await handleInboundSms(
      { store: services.store, clock: services.clock, helpAddress: TEST_HELP_ADDRESS, memberships: services.counselors },
      { messageSid: `SM${'1'.repeat(32)}`, from: `whatsapp:${PHONE}`, to: 'whatsapp:+15005550006', body: 'YES' },
    );
    expect(answer.replies).toEqual([wa.whatsappOptInReply]);
    const personId = (await services.store.findPersonIdByPhone(PHONE))!;
    expect((await services.store.getPerson(personId))!.consent.whatsapp).toMatchObject({ state: 'confirmed', text: invitationWhatsAppConsentText('Alpha Advising') });
    const [member] = await services.counselors.listCohortMembers('org-a', cohortId);
    expect(member!.consent).toMatchObject({ state: 'accepted' });
  });

  it('is skipped with its reason for a +1 number: the invitation template is marketing, which Meta does not deliver there', async () => {
    const { services, deps, cohortId } = await setup();
    await importCsv(deps, COUNSELOR, cohortId, csv('+15551234567,whatsapp,Sam,America/Chicago'));
    services.at('2027-01-04T16:00:00.000Z'); // 10:00 in Chicago
    await sendInvitations(deps, COUNSELOR, cohortId);
    await services.dispatch();
    expect(services.whatsapp.accepted).toEqual([]);
    const personId = (await services.store.findPersonIdByPhone('+15551234567'))!;
    expect((await services.store.listMessages(personId)).map((m) => [m.channel, m.status, m.reason])).toEqual([['whatsapp', 'skipped', WHATSAPP_REASONS.marketingToUs]]);
  });

  it('rejects a row naming any other channel, writing nothing for it', async () => {
    const { services, deps, cohortId } = await setup();
    const report = await importCsv(deps, COUNSELOR, cohortId, csv(`${PHONE},telegram,Asha,Asia/Kolkata`));
    expect(report.rows).toEqual([{ row: 2, status: 'rejected', reason: expect.stringContaining('phone_channel') }]);
    expect(await services.store.findPersonIdByPhone(PHONE)).toBeUndefined();
  });
});
