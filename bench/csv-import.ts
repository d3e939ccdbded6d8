import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoLocal } from '../infra/local/dynamo-local';
import { freePort } from '../infra/local/net';
import { createDynamoCounselorStore } from '../shared/adapters/dynamo/counselor-store';
import { createDynamoStore } from '../shared/adapters/dynamo/dynamo-store';
import { ensureTable } from '../shared/adapters/dynamo/table';
import { createMemoryEmailSender } from '../shared/adapters/memory/memory-email-sender';
import { createMemorySmsSender } from '../shared/adapters/memory/memory-sms-sender';
import { createCohort } from '../shared/app/cohorts/create-cohort';
import { sendInvitations } from '../shared/app/cohorts/send-invitations';
import type { CohortDeps } from '../shared/app/cohorts/deps';
import { importCsv } from '../shared/app/cohorts/csv-import';
import type { CounselorPrincipal } from '../shared/domain/counselor';

/**
 * Counselor CSV import at size: N rows into a fresh table on DynamoDB Local, through the
 * same importCsv the API and `matchcoach import` run, read from a stream. Measures the first
 * import (every row a new person: profile, lookups, enrollment, membership), the same file again
 * (every row `unchanged`: reads only), and queueing the invitations for the dispatcher (which
 * sends them at the providers' pace, as the Match Day section measures). `npx tsx bench/csv-import.ts --rows 10000`, or runCsvImport()
 * from bench/run.ts with its own DynamoDB Local endpoint.
 */

export interface CsvImportResult {
  rows: number;
  bytes: number;
  firstImportSeconds: number;
  firstImportRowsPerSecond: number;
  secondImportSeconds: number;
  secondImportUnchanged: number;
  invitationSeconds: number;
  invitationsQueued: number;
  /** DynamoDB requests per row, by operation: where the time goes (the table is the bottleneck). */
  firstImportRequests: RequestCount;
  secondImportRequests: RequestCount;
}

/** Requests per row in all, and per DynamoDB operation (GetItem, TransactWriteItems ...). */
interface RequestCount {
  perRow: number;
  byOperation: Record<string, number>;
}

const ZONES = ['Asia/Kolkata', 'Africa/Lagos', 'America/Chicago', 'Europe/London', 'Asia/Karachi', 'Asia/Manila', 'America/New_York', 'Africa/Cairo'];
const VISAS = ['j1', 'h1b', 'undecided', 'none'];

/** A member list as a counselor would export it: every documented column, some cells empty. */
export function memberCsv(rows: number): string {
  const lines = ['email,phone,name,time_zone,visa_track,applicant_type,attempt,step2_exam,documents_due'];
  for (let i = 0; i < rows; i++) {
    const phone = i % 3 === 0 ? '' : `+9198${String(10_000_000 + i).padStart(8, '0')}`;
    lines.push(
      [`applicant${i}@example.com`, phone, `Applicant ${i}`, ZONES[i % ZONES.length], VISAS[i % VISAS.length], 'non-us-img', String(1 + (i % 2)), i % 2 ? '2027-02-10' : '', i % 5 ? '' : '2026-12-01'].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function runCsvImport(options: { endpoint: string; rows: number }): Promise<CsvImportResult> {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const client = new DynamoDBClient({ endpoint: options.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, requestHandler: { httpAgent } });
  // Every request the SDK sends (retries included, as they cost the same), by operation.
  let sent: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => (args) => {
      const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      sent[operation] = (sent[operation] ?? 0) + 1;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchRequestCount' },
  );
  const countSince = (): RequestCount => {
    const byOperation = Object.fromEntries(Object.entries(sent).sort().map(([op, n]) => [op, round3(n / options.rows)]));
    const perRow = round3(Object.values(sent).reduce((a, b) => a + b, 0) / options.rows);
    sent = {};
    return { perRow, byOperation };
  };
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const tableName = `matchcoach-bench-csv-${randomUUID()}`;
  await ensureTable(client, tableName);
  try {
    const counselors = createDynamoCounselorStore({ client: doc, tableName });
    const deps: CohortDeps = {
      store: createDynamoStore({ client: doc, tableName }),
      counselors,
      email: createMemoryEmailSender(),
      sms: createMemorySmsSender(),
      // Midday in most of the zones above, so texts are not held back by quiet hours.
      clock: { now: () => new Date('2026-10-01T09:00:00.000Z') },
      tokenSecret: 'bench-only-token-secret-0123456789-abcdefghij',
      publicBaseUrl: 'http://127.0.0.1:3000',
      postalAddress: 'Match Coach, 100 Example Street, Boston, MA 02110, USA',
    };
    const actor: CounselorPrincipal = { counselorId: 'c-bench', orgId: 'org-bench', role: 'admin', scopes: [] };
    await counselors.saveOrganisation({ orgId: 'org-bench', name: 'Bench Advising', createdAt: '2026-10-01T00:00:00.000Z' });
    const cohort = await createCohort(deps, actor, { name: 'Bench', season: 2027, sequenceIds: ['getting-started'] });
    const csv = memberCsv(options.rows);

    countSince();
    let started = performance.now();
    const first = await importCsv(deps, actor, cohort.cohortId, Readable.from([Buffer.from(csv)]));
    const firstImportSeconds = (performance.now() - started) / 1000;
    const firstImportRequests = countSince();
    if (first.fileError || first.summary.added !== options.rows) throw new Error(`first import: ${first.fileError ?? JSON.stringify(first.summary)}`);

    started = performance.now();
    const second = await importCsv(deps, actor, cohort.cohortId, Readable.from([Buffer.from(csv)]));
    const secondImportSeconds = (performance.now() - started) / 1000;
    const secondImportRequests = countSince();

    started = performance.now();
    const invitations = await sendInvitations(deps, actor, cohort.cohortId, first.toInvite);
    const invitationSeconds = (performance.now() - started) / 1000;

    return {
      rows: options.rows,
      bytes: Buffer.byteLength(csv),
      firstImportSeconds: round(firstImportSeconds),
      firstImportRowsPerSecond: Math.round(options.rows / firstImportSeconds),
      secondImportSeconds: round(secondImportSeconds),
      secondImportUnchanged: second.summary.unchanged,
      invitationSeconds: round(invitationSeconds),
      /** Members whose invitations were queued for the dispatcher, which sends them at the providers' pace (the Match Day section measures that). */
      invitationsQueued: invitations.invited,
      firstImportRequests,
      secondImportRequests,
    };
  } finally {
    await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    client.destroy();
    httpAgent.destroy();
  }
}

const round = (n: number) => Math.round(n * 10) / 10;
const round3 = (n: number) => Math.round(n * 1000) / 1000;

async function main() {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000' }, endpoint: { type: 'string' } } });
  const rows = Number(values.rows);
  if (!Number.isInteger(rows) || rows < 1 || rows > 20_000) throw new Error('--rows: a whole number from 1 to 20000 (the import limit)');
  let stop = async () => {};
  let endpoint = values.endpoint;
  if (!endpoint) {
    const dynamo = await startDynamoLocal({ port: await freePort() });
    stop = dynamo.stop;
    endpoint = dynamo.endpoint;
  }
  try {
    console.log(JSON.stringify(await runCsvImport({ endpoint, rows }), null, 2));
  } finally {
    await stop();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`bench csv-import: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
