import { createDynamoCounselorStore } from '../../shared/adapters/dynamo/counselor-store';
import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemorySmsSender } from '../../shared/adapters/memory/memory-sms-sender';
import { createCohort, eraseMember, removeMember, sendInvitations, type CohortDeps } from '../../shared/app/cohorts';
import { importCsv } from '../../shared/app/csv-import';
import type { CounselorPrincipal } from '../../shared/domain/counselor';
import { memberCsv } from '../../bench/csv-import';
import { testTable, type TestTable } from '../support/dynamo';

jest.setTimeout(120_000);

/**
 * The CSV import, invitations, removal and erasure on DynamoDB Local: the table the service runs
 * on, not the twin. Idempotence is checked on what the table holds.
 */
const ACTOR: CounselorPrincipal = { counselorId: 'c-int', orgId: 'org-int', role: 'admin', scopes: [] };

let table: TestTable;
let deps: CohortDeps & { email: ReturnType<typeof createMemoryEmailSender> };
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

  const invited = await sendInvitations(deps, ACTOR, cohort.cohortId, first.toInvite);
  expect(invited.email).toBe(40);
  expect(await sendInvitations(deps, ACTOR, cohort.cohortId)).toMatchObject({ email: 0, sms: 0 });
  expect(deps.email.sent).toHaveLength(40);

  const personId = (await deps.store.findPersonIdByEmail('applicant1@example.com'))!;
  expect((await deps.counselors.cohortsOfPerson(personId)).map((m) => m.cohortId)).toEqual([cohort.cohortId]);
  await removeMember(deps, ACTOR, cohort.cohortId, personId);
  expect((await deps.store.getPerson(personId))!.consent.email!.state).toBe('revoked');
  await eraseMember(deps, ACTOR, cohort.cohortId, personId);
  expect(await deps.store.getPerson(personId)).toBeUndefined();
  expect(await deps.counselors.cohortsOfPerson(personId)).toEqual([]);
  expect(await deps.counselors.getCohortMember('org-int', cohort.cohortId, personId)).toBeUndefined();
});
