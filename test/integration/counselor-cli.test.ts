import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { localSettings } from '../../infra/local/settings';
import { createDynamoCounselorStore } from '../../shared/adapters/dynamo/counselor-store';
import { testDynamoEndpoint, testTable, type TestTable } from '../support/dynamo';

jest.setTimeout(180_000);

/**
 * The terminal path a counselor or operator takes: `matchcoach counselor add` prints a token,
 * `cohort create` with that token prints the cohort id, `import` reads the CSV and prints a
 * summary and the rejected rows; on DynamoDB Local, through the real CLI binary.
 */
const run = promisify(execFile);
const BIN = path.join(__dirname, '../../bin/matchcoach.js');

let table: TestTable;
let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  table = await testTable();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'matchcoach-cli-'));
  env = {
    ...process.env,
    ...localSettings({ MATCHCOACH_DATA_DIR: dir }).env,
    TABLE_NAME: table.tableName,
    DYNAMODB_ENDPOINT: testDynamoEndpoint(),
    // No SES twin or SMS sandbox here: invitations are left for later (--no-invite).
  };
});
afterAll(async () => {
  await table.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const matchcoach = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

test('counselor add prints a token; cohort create and import work with it; a second import changes nothing', async () => {
  const added = await matchcoach('counselor', 'add', '--org', 'cli-org', '--org-name', 'CLI Advising', '--email', 'Lead@Example.org', '--role', 'admin');
  expect(added.code).toBe(0);
  const token = added.stdout.trim();
  expect(token.split('.')).toHaveLength(3);
  expect(added.stderr).toMatch(/added admin .* in cli-org \("CLI Advising"\)/);
  // The key pair was made under the data directory, private to its owner.
  expect(fs.statSync(path.join(dir, 'counselor-jwt', 'counselor-jwt-key.json')).mode & 0o777).toBe(0o600);

  const cohort = await matchcoach('cohort', 'create', '--name', 'CLI group', '--season', '2027', '--sequence', 'getting-started', '--token', token);
  expect(cohort.code).toBe(0);
  const cohortId = cohort.stdout.trim();

  const csv = path.join(dir, 'members.csv');
  fs.writeFileSync(csv, 'email,phone,name,time_zone\nasha@example.com,+919812345678,Asha,Asia/Kolkata\nravi@example.com,,Ravi,America/Chicago\nbad-address,,X,Asia/Kolkata\n');
  const first = await matchcoach('import', csv, '--cohort', cohortId, '--token', token, '--no-invite');
  expect(first.stdout).toMatch(/^3 rows in [\d.]+ s: 2 added, 0 updated, 0 unchanged, 1 rejected$/m);
  expect(first.stdout).toMatch(/row 4: email: expected an email address/);
  expect(first.code).toBe(3); // done in part: some rows were rejected, the rest went in
  const second = await matchcoach('import', csv, '--cohort', cohortId, '--token', token, '--no-invite');
  expect(second.stdout).toMatch(/0 added, 0 updated, 2 unchanged, 1 rejected/);

  const members = await createDynamoCounselorStore({ client: table.doc, tableName: table.tableName }).listCohortMembers('cli-org', cohortId);
  expect(members).toHaveLength(2);

  // Another org's token cannot import into this cohort.
  const other = (await matchcoach('counselor', 'add', '--org', 'other-org', '--email', 'x@example.org')).stdout.trim();
  const refused = await matchcoach('import', csv, '--cohort', cohortId, '--token', other, '--no-invite');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/no such cohort/);
  // The signature's first character changed to another (its last carries only two bits).
  const [head, body, signature] = token.split('.');
  const forgedToken = `${head}.${body}.${signature![0] === 'A' ? 'B' : 'A'}${signature!.slice(1)}`;
  const forged = await matchcoach('import', csv, '--cohort', cohortId, '--token', forgedToken, '--no-invite');
  expect(forged.stderr).toMatch(/token is not valid/);
});

test('digest takes --org (one or more) or --all, not both and not neither', async () => {
  for (const args of [[], ['--all', '--org', 'cli-org']]) {
    const answer = await matchcoach('digest', ...args);
    expect(answer.code).toBe(1);
    expect(answer.stderr).toContain('give --org <orgId> (one or more) or --all');
  }
});
