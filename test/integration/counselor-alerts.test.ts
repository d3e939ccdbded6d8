import { SESv2Client } from '@aws-sdk/client-sesv2';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { freePort } from '../../infra/local/net';
import { startSesTwin, type RunningSesTwin } from '../../infra/local/ses-twin';
import { createDynamoEngagementStore } from '../../shared/adapters/dynamo/engagement-store';
import { createDynamoCounselorStore } from '../../shared/adapters/dynamo/counselor-store';
import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { notificationKey } from '../../shared/adapters/dynamo/keys';
import { createDynamoNotificationLedger } from '../../shared/adapters/dynamo/notification-ledger';
import { createSesEmailSender } from '../../shared/adapters/ses/ses-email-sender';
import { alertCounselorsOfCrisis, crisisAlertKey, sendEveryWeeklyDigest, sendWeeklyDigest, sweepCrisisAlerts, type CounselorAlertDeps } from '../../shared/app/counselors/counselor-alerts';
import { testTable, type TestTable } from '../support/dynamo';
import { describeNotificationLedgerContract } from '../support/notification-ledger-contract';
import { seedPerson } from '../support/seed';

jest.setTimeout(60_000);

describeNotificationLedgerContract('dynamo', async () => {
  const table = await testTable();
  return { ledger: createDynamoNotificationLedger({ client: table.doc, tableName: table.tableName }), teardown: table.drop };
});

/**
 * The crisis alert and the weekly digest with the real parts: records and the ledger in DynamoDB
 * Local, email through the SES v2 adapter into aws-ses-v2-local's mailbox.
 */
describe('counselor alerts against DynamoDB Local and the SES twin', () => {
  let table: TestTable;
  let twin: RunningSesTwin;
  let ses: SESv2Client;
  let deps: CounselorAlertDeps;
  let store: ReturnType<typeof createDynamoStore>;
  let now: Date;

  beforeAll(async () => {
    twin = await startSesTwin({ port: await freePort() });
    ses = new SESv2Client({ endpoint: twin.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  });
  afterAll(async () => {
    ses?.destroy();
    await twin?.stop();
  });

  beforeEach(async () => {
    table = await testTable();
    now = new Date('2027-01-20T12:00:00.000Z');
    store = createDynamoStore({ client: table.doc, tableName: table.tableName });
    const counselors = createDynamoCounselorStore({ client: table.doc, tableName: table.tableName });
    deps = {
      store,
      counselors,
      engagement: createDynamoEngagementStore({ client: table.doc, tableName: table.tableName }),
      email: createSesEmailSender({ client: ses, from: 'Match Coach <coach@example.test>' }),
      ledger: createDynamoNotificationLedger({ client: table.doc, tableName: table.tableName }),
      clock: { now: () => now },
      publicBaseUrl: 'http://127.0.0.1:3000',
    };
    const t = now.toISOString();
    await seedPerson(store, {
      personId: 'p-int',
      firstName: 'Farah',
      timeZone: 'Asia/Karachi',
      consent: { sms: { state: 'confirmed', source: 'counselor:c-int', at: t, text: 'YES' } },
      profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'h1b', attempt: 2, outcome: 'applying', done: [], wellbeing: 'ok' },
      createdAt: t,
    });
    await counselors.saveCohort({ cohortId: 'k-int', orgId: 'org-int', name: 'Karachi second-timers', season: 2027, sequenceIds: [], anchorOverrides: {}, archived: false, createdAt: t, updatedAt: t });
    await counselors.saveCohortMember({ orgId: 'org-int', cohortId: 'k-int', personId: 'p-int', addedBy: 'c-int', addedAt: t, status: 'active', consent: { state: 'accepted', at: t } });
    await counselors.saveCounselor({ counselorId: 'c-int', orgId: 'org-int', email: 'mentor.int@example.org', role: 'counselor', settings: { crisisAlerts: true, weeklyDigest: true }, createdAt: t });
    await counselors.saveCounselor({ counselorId: 'c-quiet', orgId: 'org-int', email: 'quiet.int@example.org', role: 'counselor', settings: { crisisAlerts: false, weeklyDigest: false }, createdAt: t });
  });
  afterEach(async () => table.drop());

  const inbox = async (to: string) => (await twin.emails()).filter((e) => e.destination.to.includes(to));

  it('emails the counselor once for a crisis flag, however often the alert and the sweep run', async () => {
    const flag = { personId: 'p-int', eventId: `SM${'1a'.repeat(16)}`, at: '2027-01-20T11:59:00.000Z', level: 'risk' as const };
    await store.saveSafetyEvent({ personId: flag.personId, eventId: flag.eventId, at: flag.at, kind: 'risk', rule: 'risk:test' });
    const runs = await Promise.all([alertCounselorsOfCrisis(deps, flag), alertCounselorsOfCrisis(deps, flag), sweepCrisisAlerts(deps)]);
    expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(1);
    expect((await sweepCrisisAlerts(deps)).alreadySent).toBe(1);

    const mails = await inbox('mentor.int@example.org');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('Please check in with Farah');
    expect(mails[0]!.body.text).toContain('http://127.0.0.1:3000/dashboard/cohorts/k-int/members/p-int');
    expect(await inbox('quiet.int@example.org')).toHaveLength(0);

    // The ledger item: ids and state only, kept by TTL.
    const { Item } = await table.doc.send(new GetCommand({ TableName: table.tableName, Key: notificationKey(crisisAlertKey(flag.eventId, 'c-int')) }));
    expect(Item).toMatchObject({ state: 'sent', providerId: expect.any(String), expiresAt: expect.any(Number) });
    expect(JSON.stringify(Item)).not.toContain('Farah');
  });

  it('sends the weekly digest once per week', async () => {
    expect((await sendWeeklyDigest(deps, 'org-int')).sent).toBe(1);
    expect((await sendWeeklyDigest(deps, 'org-int')).alreadySent).toBe(1);
    // The twin's mailbox lives across tests: only the digests count here.
    const mails = (await inbox('mentor.int@example.org')).filter((m) => m.subject.startsWith('Weekly digest'));
    expect(mails.map((m) => m.subject)).toEqual(['Weekly digest: Karachi second-timers']);
    expect(mails[0]!.body.text).toContain('Members who said yes: 1; waiting for their yes: 0');
  });

  it('the weekly schedule’s run finds every saved organisation by a Query on the table and sends each digest once', async () => {
    // Only organisations that were saved are listed (their ORGS row is written with the profile).
    const digests = async () => (await inbox('mentor.int@example.org')).filter((m) => m.subject === 'Weekly digest: Karachi second-timers').length;
    const before = await digests();
    expect((await sendEveryWeeklyDigest(deps)).organisations).toBe(0);
    await createDynamoCounselorStore({ client: table.doc, tableName: table.tableName }).saveOrganisation({ orgId: 'org-int', name: 'Integration Advising', createdAt: now.toISOString() });
    expect(await sendEveryWeeklyDigest(deps)).toEqual({ sent: 1, alreadySent: 0, busy: 0, failed: 0, orgsFailed: 0, organisations: 1 });
    expect(await sendEveryWeeklyDigest(deps)).toMatchObject({ sent: 0, alreadySent: 1, organisations: 1 });
    expect(await digests()).toBe(before + 1);
  });
});
