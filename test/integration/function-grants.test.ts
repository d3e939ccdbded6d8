import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createCounselorTokenHandler } from '../../functions/counselor-token';
import { createWeeklyDigestHandler } from '../../functions/weekly-digest';
import { TOKEN_TRIGGER_READS } from '../../infra/counselors';
import { WEEKLY_DIGEST_WRITES } from '../../infra/stateless-stack';
import { createDynamoCounselorStore } from '../../shared/adapters/dynamo/counselor-store';
import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { createDynamoEngagementStore } from '../../shared/adapters/dynamo/engagement-store';
import { createDynamoNotificationLedger } from '../../shared/adapters/dynamo/notification-ledger';
import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { silentLogger } from '../../shared/ports';
import { testTable, type TestTable } from '../support/dynamo';
import { seedPerson } from '../support/seed';

/**
 * The narrow table grants of two functions, held against what their code really does on DynamoDB
 * Local (which does not enforce IAM, so every request is recorded instead): the weekly digest may
 * write only the notification ledger's partitions, the token trigger may only read organisations'
 * partitions. If either began to touch anything else, it would fail in AWS; this fails first.
 */

jest.setTimeout(60_000);

type Access = { command: string; partitions: string[] };
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand', 'ExecuteStatementCommand', 'BatchExecuteStatementCommand', 'ExecuteTransactionCommand']);

/** Every partition key value in a request, low-level (`{ S: ... }`) as the client sends it. */
function partitionsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => partitionsIn(v, found));
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'pk' && inner && typeof inner === 'object' && typeof (inner as { S?: unknown }).S === 'string') found.push((inner as { S: string }).S);
      else partitionsIn(inner, found);
    }
  }
  return found;
}

/** Records every request this client sends while `on`. */
function recorder(client: DynamoDBClient) {
  const seen: Access[] = [];
  let on = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (on) seen.push({ command: String(context.commandName), partitions: partitionsIn((args as { input: unknown }).input) });
      return next(args);
    },
    { step: 'serialize', name: 'recordPartitions' },
  );
  return {
    seen,
    async during<T>(run: () => Promise<T>): Promise<T> {
      on = true;
      try {
        return await run();
      } finally {
        on = false;
      }
    },
  };
}

/** IAM's StringLike: `*` is any run of characters, the rest is literal. */
const like = (pattern: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

let table: TestTable;
let record: ReturnType<typeof recorder>;
const T = '2027-01-20T12:00:00.000Z';

beforeEach(async () => {
  table = await testTable();
  record = recorder(table.client);
  const store = createDynamoStore({ client: table.doc, tableName: table.tableName });
  const counselors = createDynamoCounselorStore({ client: table.doc, tableName: table.tableName });
  await counselors.saveOrganisation({ orgId: 'org-g', name: 'Grants Org', createdAt: T });
  await counselors.saveCounselor({ counselorId: 'c-g', orgId: 'org-g', email: 'mentor.g@example.org', role: 'admin', settings: { crisisAlerts: true, weeklyDigest: true }, createdAt: T });
  await counselors.saveCohort({ cohortId: 'k-g', orgId: 'org-g', name: 'Grants cohort', season: 2027, sequenceIds: [], anchorOverrides: {}, archived: false, createdAt: T, updatedAt: T });
  await seedPerson(store, {
    personId: 'p-g',
    firstName: 'Farah',
    timeZone: 'Asia/Karachi',
    consent: { sms: { state: 'confirmed', source: 'counselor:c-g', at: T, text: 'YES' } },
    profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'h1b', attempt: 2, outcome: 'applying', done: [], wellbeing: 'ok' },
    createdAt: T,
  });
  await counselors.saveCohortMember({ orgId: 'org-g', cohortId: 'k-g', personId: 'p-g', addedBy: 'c-g', addedAt: T, status: 'active', consent: { state: 'accepted', at: T } });
});
afterEach(async () => table.drop());

test('the weekly digest run writes only partitions its grant allows (the notification ledger), and did write', async () => {
  const email = createMemoryEmailSender();
  const digest = createWeeklyDigestHandler(
    Promise.resolve({
      store: createDynamoStore({ client: table.doc, tableName: table.tableName }),
      counselors: createDynamoCounselorStore({ client: table.doc, tableName: table.tableName }),
      notifications: createDynamoNotificationLedger({ client: table.doc, tableName: table.tableName }),
      engagement: createDynamoEngagementStore({ client: table.doc, tableName: table.tableName }),
      email,
      clock: { now: () => new Date(T) },
      log: silentLogger,
      publicBaseUrl: 'https://coach.example.test',
    }),
    silentLogger,
  );
  await record.during(() => digest());
  expect(email.sent).toHaveLength(1);
  const writes = record.seen.filter((a) => WRITES.has(a.command));
  expect(writes.length).toBeGreaterThan(0);
  for (const write of writes) {
    expect(write.partitions.length).toBeGreaterThan(0);
    for (const pk of write.partitions) expect(pk).toMatch(like(WEEKLY_DIGEST_WRITES));
  }
});

test('the token trigger only reads, and only partitions its grant allows, for a counselor and for a refusal alike', async () => {
  const trigger = createCounselorTokenHandler(createDynamoCounselorStore({ client: table.doc, tableName: table.tableName }), silentLogger);
  const event = (counselorId: string) => ({
    version: '2',
    triggerSource: 'TokenGeneration_RefreshTokens',
    userPoolId: 'us-east-1_Example',
    request: { userAttributes: { sub: 'x', 'custom:orgId': 'org-g', 'custom:counselorId': counselorId } },
    response: { claimsAndScopeOverrideDetails: null },
  });
  await record.during(async () => {
    await expect(trigger(event('c-g'))).resolves.toBeDefined();
    await expect(trigger(event('c-gone'))).rejects.toThrow();
  });
  expect(record.seen.length).toBeGreaterThan(0);
  for (const access of record.seen) {
    expect(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand']).toContain(access.command);
    expect(access.partitions.length).toBeGreaterThan(0);
    for (const pk of access.partitions) expect(pk).toMatch(like(TOKEN_TRIGGER_READS));
  }
});
