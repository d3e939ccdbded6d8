import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoCounselorStore } from '../../shared/adapters/dynamo/counselor-store';
import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { emailLookupKey } from '../../shared/adapters/dynamo/keys';
import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemorySmsSender } from '../../shared/adapters/memory/memory-sms-sender';
import { createCohort } from '../../shared/app/cohorts/create-cohort';
import { eraseMember } from '../../shared/app/cohorts/erase-member';
import { removeMember } from '../../shared/app/cohorts/remove-member';
import { sendInvitations } from '../../shared/app/cohorts/send-invitations';
import type { CohortDeps } from '../../shared/app/cohorts/deps';
import { importCsv } from '../../shared/app/cohorts/csv-import';
import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import type { CounselorPrincipal } from '../../shared/domain/counselor';
import { memberCsv } from '../../bench/csv-import';
import { testDynamoEndpoint, testTable, type TestTable } from '../support/dynamo';

jest.setTimeout(120_000);

/**
 * The CSV import, invitations, removal and erasure on DynamoDB Local: the table the service runs
 * on, not the twin. Idempotence is checked on what the table holds.
 */
const ACTOR: CounselorPrincipal = { counselorId: 'c-int', orgId: 'org-int', role: 'admin', scopes: [] };

let table: TestTable;
let deps: CohortDeps & { email: ReturnType<typeof createMemoryEmailSender>; sms: ReturnType<typeof createMemorySmsSender> };
beforeAll(async () => {
  table = await testTable();
  deps = {
    store: createDynamoStore({ client: table.doc, tableName: table.tableName }),
    counselors: createDynamoCounselorStore({ client: table.doc, tableName: table.tableName }),
    email: createMemoryEmailSender(),
    sms: createMemorySmsSender(),
    clock: { now: () => new Date('2026-10-01T09:00:00.000Z') },
    tokenSecret: 'integration-only-token-secret-0123456789-abc',
    publicBaseUrl: 'http://127.0.0.1:3000',
    postalAddress: 'Match Coach, 100 Example Street, Boston, MA 02110, USA',
  };
  await deps.counselors.saveOrganisation({ orgId: 'org-int', name: 'Integration Advising', createdAt: '2026-10-01T00:00:00.000Z' });
});
afterAll(() => table.drop());

/** One dispatcher tick on the same table and senders: the queued invitations go out. */
const dispatchOn = (on: CohortDeps) =>
  createDispatcher({
    store: on.store,
    email: on.email,
    sms: on.sms,
    clock: on.clock,
    settings: {
      leaseSeconds: 120,
      concurrency: 8,
      maxDurationMs: 60_000,
      postalAddress: on.postalAddress,
      links: {
        unsubscribeUrl: (personId) => `${on.publicBaseUrl}/unsubscribe/${personId}`,
        preferencesUrl: (personId) => `${on.publicBaseUrl}/preferences/${personId}`,
        confirmUrl: (personId) => `${on.publicBaseUrl}/confirm/${personId}`,
      },
    },
  })();

test('40 rows import, the same file again changes nothing, a bad row is rejected; invite, remove and erase on the table', async () => {
  const cohort = await createCohort(deps, ACTOR, { name: 'Int', season: 2027, sequenceIds: ['getting-started'] });
  const csv = `${memberCsv(40)}nobody-at-all,,Bad,Asia/Kolkata,,,,,\n`;
  const first = await importCsv(deps, ACTOR, cohort.cohortId, Buffer.from(csv));
  expect(first.summary).toEqual({ added: 40, updated: 0, unchanged: 0, rejected: 1 });
  expect(first.rows[40]).toMatchObject({ row: 42, status: 'rejected' });
  const members = await deps.counselors.listCohortMembers('org-int', cohort.cohortId);
  expect(members).toHaveLength(40);
  expect(await deps.store.findPersonIdByEmail('nobody-at-all')).toBeUndefined();

  const second = await importCsv(deps, ACTOR, cohort.cohortId, Buffer.from(csv));
  expect(second.summary).toEqual({ added: 0, updated: 0, unchanged: 40, rejected: 1 });
  expect(await deps.counselors.listCohortMembers('org-int', cohort.cohortId)).toEqual(members);

  expect(await sendInvitations(deps, ACTOR, cohort.cohortId, first.toInvite)).toEqual({ invited: 40, failed: 0 });
  // Asking again covers the same people and queues nothing new.
  expect(await sendInvitations(deps, ACTOR, cohort.cohortId)).toEqual({ invited: 40, failed: 0 });
  expect(deps.email.sent).toHaveLength(0);
  // Every email, and every text but those waiting out the person's quiet hours, goes on the next tick; once.
  const tick = await dispatchOn(deps);
  expect(tick).toMatchObject({ failed: 0 });
  expect(deps.email.sent).toHaveLength(40);
  expect(tick.sent).toBe(40 + deps.sms.sent.length);
  expect(await dispatchOn(deps)).toMatchObject({ sent: 0 });

  const personId = (await deps.store.findPersonIdByEmail('applicant1@example.com'))!;
  expect((await deps.counselors.cohortsOfPerson(personId)).map((m) => m.cohortId)).toEqual([cohort.cohortId]);
  await removeMember(deps, ACTOR, cohort.cohortId, personId);
  expect((await deps.store.getPerson(personId))!.consent.email!.state).toBe('revoked');
  await eraseMember(deps, ACTOR, cohort.cohortId, personId);
  expect(await deps.store.getPerson(personId)).toBeUndefined();
  expect(await deps.counselors.cohortsOfPerson(personId)).toEqual([]);
  expect(await deps.counselors.getCohortMember('org-int', cohort.cohortId, personId)).toBeUndefined();
});

describe('many rows on the table', () => {
  const ROWS = 150;
  const EMAILS = Array.from({ length: ROWS }, (_, i) => `applicant${i}@example.com`);
  let own: TestTable;
  beforeEach(async () => {
    own = await testTable();
  });
  afterEach(() => own.drop());

  const depsOn = (client: TestTable['doc'] | DynamoDBClient): CohortDeps & { email: ReturnType<typeof createMemoryEmailSender> } => ({
    ...deps,
    email: createMemoryEmailSender(),
    store: createDynamoStore({ client, tableName: own.tableName }),
    counselors: createDynamoCounselorStore({ client, tableName: own.tableName }),
  });

  /** Each email's person exactly once, with one enrollment in the cohort's sequence, and a member. */
  async function expectEachOnce(on: CohortDeps, cohortId: string) {
    const ids = await Promise.all(EMAILS.map((email) => on.store.findPersonIdByEmail(email)));
    expect(new Set(ids).size).toBe(ROWS);
    // Every person in the table is in the season's list (written with the profile): no one extra.
    expect((await on.store.listPersonIdsInSeason(2027)).sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await on.store.listEnrollments(id!)).map((e) => [e.sequenceId, e.status])).toEqual([['getting-started', 'active']]);
    expect((await on.counselors.listCohortMembers('org-int', cohortId)).map((m) => m.personId).sort()).toEqual([...ids].sort());
  }

  test('a lookup left behind by an erasure cut short (naming no one) is taken over by the new person', async () => {
    const on = depsOn(own.doc);
    await on.counselors.saveOrganisation({ orgId: 'org-int', name: 'Integration Advising', createdAt: '2026-10-01T00:00:00.000Z' });
    const cohort = await createCohort(on, ACTOR, { name: 'Left behind', season: 2027, sequenceIds: ['getting-started'] });
    await own.doc.send(new PutCommand({ TableName: own.tableName, Item: { ...emailLookupKey('applicant1@example.com'), personId: 'p-erased' } }));
    const report = await importCsv(on, ACTOR, cohort.cohortId, Buffer.from(memberCsv(3)));
    expect(report.summary).toEqual({ added: 3, updated: 0, unchanged: 0, rejected: 0 });
    const personId = (await on.store.findPersonIdByEmail('applicant1@example.com'))!;
    expect(personId).not.toBe('p-erased');
    expect(report.rows[1]).toMatchObject({ status: 'added', personId });
    expect(await on.store.getPerson(personId)).toMatchObject({ email: 'applicant1@example.com' });
    expect((await importCsv(on, ACTOR, cohort.cohortId, Buffer.from(memberCsv(3)))).summary.unchanged).toBe(3);
  });

  test('two imports of the same file at once create each person once', async () => {
    const on = depsOn(own.doc);
    await on.counselors.saveOrganisation({ orgId: 'org-int', name: 'Integration Advising', createdAt: '2026-10-01T00:00:00.000Z' });
    const cohort = await createCohort(on, ACTOR, { name: 'Twice', season: 2027, sequenceIds: ['getting-started'] });
    const csv = Buffer.from(memberCsv(ROWS));
    const reports = await Promise.all([importCsv(on, ACTOR, cohort.cohortId, csv), importCsv(on, ACTOR, cohort.cohortId, csv)]);
    for (const report of reports) expect(report.summary.rejected).toBe(0);
    await expectEachOnce(on, cohort.cohortId);
    expect((await importCsv(on, ACTOR, cohort.cohortId, csv)).summary).toEqual({ added: 0, updated: 0, unchanged: ROWS, rejected: 0 });
  });

  test('two imports at once into a second cohort add each person already stored to its sequence once', async () => {
    // The people exist (the first cohort made them); both imports read their enrollments before
    // either writes, so only an enrollment id both derive alike keeps them from adding two.
    const on = depsOn(own.doc);
    await on.counselors.saveOrganisation({ orgId: 'org-int', name: 'Integration Advising', createdAt: '2026-10-01T00:00:00.000Z' });
    const first = await createCohort(on, ACTOR, { name: 'First', season: 2027, sequenceIds: ['getting-started'] });
    const second = await createCohort(on, ACTOR, { name: 'Second', season: 2027, sequenceIds: ['personal-plan'] });
    const csv = Buffer.from(memberCsv(ROWS));
    expect((await importCsv(on, ACTOR, first.cohortId, csv)).summary.added).toBe(ROWS);
    const reports = await Promise.all([importCsv(on, ACTOR, second.cohortId, csv), importCsv(on, ACTOR, second.cohortId, csv)]);
    for (const report of reports) expect(report.summary.rejected).toBe(0);
    const ids = await Promise.all(EMAILS.map((email) => on.store.findPersonIdByEmail(email)));
    for (const id of ids) {
      const tracks = (await on.store.listEnrollments(id!)).map((e) => `${e.sequenceId}:${e.status}`).sort();
      expect(tracks).toEqual(['getting-started:active', 'personal-plan:active']);
    }
    expect((await importCsv(on, ACTOR, second.cohortId, csv)).summary).toEqual({ added: 0, updated: 0, unchanged: ROWS, rejected: 0 });
  });

  test('a transaction of new people whose answer is lost, then the table gone: importing again repairs everything and duplicates no one', async () => {
    // A client whose second transaction reaches the table but whose answer never comes back
    // (a dropped connection); every request after it fails, as in an outage.
    const faulty = new DynamoDBClient({ endpoint: testDynamoEndpoint(), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    let transactions = 0;
    let down = false;
    const inFlight: Promise<unknown>[] = [];
    faulty.middlewareStack.add(
      (next, context) => async (args) => {
        // Counted as they start: an import writes several chunks at once, and the ones started
        // after the second are refused like any request in the outage.
        const n = context.commandName === 'TransactWriteItemsCommand' ? ++transactions : 0;
        if (down || n > 2) throw new Error('connection refused');
        const call = next(args);
        inFlight.push(call);
        const out = await call;
        if (n === 2) {
          down = true;
          throw new Error('socket hang up');
        }
        return out;
      },
      { step: 'initialize', name: 'faultAfterSecondTransaction' },
    );
    const broken = depsOn(faulty);
    const healthy = depsOn(own.doc);
    await healthy.counselors.saveOrganisation({ orgId: 'org-int', name: 'Integration Advising', createdAt: '2026-10-01T00:00:00.000Z' });
    const cohort = await createCohort(healthy, ACTOR, { name: 'Cut short', season: 2027, sequenceIds: ['getting-started'] });
    const csv = Buffer.from(memberCsv(ROWS));
    try {
      await expect(importCsv(broken, ACTOR, cohort.cohortId, csv)).rejects.toThrow(/socket hang up|connection refused/);
      // The import gives up at its first failed chunk; chunks already on their way still land.
      await Promise.allSettled(inFlight);
    } finally {
      faulty.destroy();
    }
    const cut = await healthy.store.listPersonIdsInSeason(2027);
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.length).toBeLessThan(ROWS);
    expect(await healthy.counselors.listCohortMembers('org-int', cohort.cohortId)).toEqual([]);

    const rerun = await importCsv(healthy, ACTOR, cohort.cohortId, csv);
    expect(rerun.summary).toEqual({ added: ROWS, updated: 0, unchanged: 0, rejected: 0 });
    await expectEachOnce(healthy, cohort.cohortId);
    expect(await sendInvitations(healthy, ACTOR, cohort.cohortId, rerun.toInvite)).toMatchObject({ invited: ROWS, failed: 0 });
    await dispatchOn(healthy);
    expect(new Set(healthy.email.sent.map((m) => m.to)).size).toBe(ROWS);
    expect(healthy.email.sent).toHaveLength(ROWS);
    expect((await importCsv(healthy, ACTOR, cohort.cohortId, csv)).summary).toEqual({ added: 0, updated: 0, unchanged: ROWS, rejected: 0 });
  });
});
