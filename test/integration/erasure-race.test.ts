import { QueryCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoCounselorStore } from '../../shared/adapters/dynamo/counselor-store';
import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { cohortMemberKey, emailLookupKey, phoneLookupKey, seasonMemberKey } from '../../shared/adapters/dynamo/keys';
import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemorySmsSender } from '../../shared/adapters/memory/memory-sms-sender';
import { addMembers } from '../../shared/app/cohorts/add-members';
import { createCohort } from '../../shared/app/cohorts/create-cohort';
import type { CohortDeps } from '../../shared/app/cohorts/deps';
import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import { enroll } from '../../shared/app/scheduling/enroll';
import { handleInboundSms } from '../../shared/app/inbound/inbound-sms';
import { editPlan } from '../../shared/app/my-plan/plan';
import { replanPerson } from '../../shared/app/scheduling/replan';
import { eraseMyData } from '../../shared/app/subscription/erase-my-data';
import { unsubscribe } from '../../shared/app/subscription/unsubscribe';
import type { CounselorPrincipal } from '../../shared/domain/counselor';
import { issueToken } from '../../shared/domain/tokens';
import type { EmailSender, SmsSender } from '../../shared/ports';
import { silentLogger } from '../../shared/ports';
import { testTable, type TestTable } from '../support/dynamo';

/**
 * "Delete all my data" is final whatever runs at the same moment. On DynamoDB Local, each writer
 * that can touch a person (an inbound text, a plan edit, a re-plan, a dispatcher tick, a
 * counselor's import) races an erasure, round after round, with the two started a random few
 * milliseconds apart. Afterwards nothing is left under the person's keys (their partition, their
 * lookups, their season row, their memberships), and nothing is sent to them, however far ahead
 * the dispatcher then looks.
 */

jest.setTimeout(600_000);

const ROUNDS = 50;
const ENROLLED_AT = new Date('2027-01-04T04:00:00Z');
const SECRET = 'test-only-token-secret-0123456789-erasure-race';
const ACTOR: CounselorPrincipal = { counselorId: 'c-race', orgId: 'org-race', role: 'admin', scopes: [] };

let table: TestTable;
beforeAll(async () => {
  table = await testTable();
});
afterAll(() => table.drop());

/** Senders that note each send with whether the erasure had finished when it began. */
function recordingSenders() {
  const email = createMemoryEmailSender();
  const sms = createMemorySmsSender();
  const late: string[] = [];
  let erased = new Set<string>();
  const watch = {
    erasedNow(address: string) {
      erased = new Set([...erased, address]);
    },
    late,
  };
  const emailSender: EmailSender = {
    send: async (m) => {
      if (erased.has(m.to)) late.push(m.to);
      return email.send(m);
    },
  };
  const smsSender: SmsSender = {
    send: async (m) => {
      if (erased.has(m.to)) late.push(m.to);
      return sms.send(m);
    },
  };
  return { email: emailSender, sms: smsSender, watch };
}

const WRITERS = ['inbound text', 'plan edit', 're-planning', 'dispatcher tick', 'import'] as const;
type Writer = (typeof WRITERS)[number];

describe.each(WRITERS)('erasure racing %s', (writer: Writer) => {
  test(`${ROUNDS} rounds: nothing left under the person's keys, nothing sent after`, async () => {
    let now = ENROLLED_AT;
    const clock = { now: () => now };
    const store = createDynamoStore({ client: table.doc, tableName: table.tableName });
    const counselors = createDynamoCounselorStore({ client: table.doc, tableName: table.tableName });
    const senders = recordingSenders();
    const base = { store, clock, email: senders.email, sms: senders.sms, log: silentLogger, tokenSecret: SECRET, publicBaseUrl: 'https://coach.example.test', postalAddress: '1 Test Street, Boston, MA 02110, USA', counselors };
    const cohortDeps: CohortDeps = { ...base, counselors };
    await counselors.saveOrganisation({ orgId: ACTOR.orgId, name: 'Race Advising', createdAt: ENROLLED_AT.toISOString() });
    const cohort = await createCohort(cohortDeps, ACTOR, { name: `Race ${writer}`, season: 2027, sequenceIds: ['getting-started'] });
    const dispatch = createDispatcher({ store, email: senders.email, sms: senders.sms, clock, log: silentLogger, settings: { leaseSeconds: 120, concurrency: 4, maxDurationMs: 20_000, postalAddress: base.postalAddress } });

    for (let round = 0; round < ROUNDS; round++) {
      now = ENROLLED_AT;
      const tag = `${writer.replace(/\W/g, '')}${round}`;
      const email = `race.${tag}@example.com`;
      const phone = `+9198${String(10_000_000 + WRITERS.indexOf(writer) * 1_000 + round).padStart(8, '0')}`;
      const { personId } = await enroll(
        { store, clock },
        { email, phone, firstName: 'Race', timeZone: 'Asia/Kolkata', sequenceId: 'getting-started', season: 2027, anchors: { step2_exam: '2027-02-10' } },
      );
      // The welcome is due: a tick has something to send.
      now = new Date('2027-01-04T13:31:00Z');
      const write: Record<Writer, () => Promise<unknown>> = {
        'inbound text': () => handleInboundSms({ store, clock, helpAddress: 'help@example.org', log: silentLogger }, { messageSid: `SM${tag.padEnd(32, '0').slice(0, 32).replace(/[^0-9a-f]/g, 'a')}`, from: phone, to: '+15550000000', body: 'PAUSE 3' }),
        'plan edit': () => editPlan({ store, clock, log: silentLogger }, personId, { op: 'add-deadline', title: 'Letter from Dr Rao', kind: 'documents', date: '2027-02-01' }),
        're-planning': () => replanPerson({ store, clock }, personId),
        'dispatcher tick': () => dispatch(),
        import: () => addMembers(cohortDeps, ACTOR, cohort.cohortId, { members: [{ email, phone, timeZone: 'Asia/Kolkata' }] }),
      };
      const erase = async () => {
        await eraseMyData(base, issueToken(SECRET, 'preferences', personId, clock.now()));
        senders.watch.erasedNow(email);
        senders.watch.erasedNow(phone);
      };
      const jitter = () => new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 6)));
      // Either may win; a writer that loses fails or does nothing, never brings anything back.
      await Promise.all([jitter().then(() => write[writer]().catch(() => undefined)), jitter().then(erase)]);

      // Whatever raced has settled: a second look a year ahead finds nothing to send to them.
      now = new Date('2028-01-04T13:31:00Z');
      await dispatch();
      // STOP and unsubscribe for someone erased withdraw whatever might be left, and write nothing.
      await handleInboundSms({ store, clock, helpAddress: 'help@example.org', log: silentLogger }, { messageSid: `SM${'f'.repeat(28)}${String(round).padStart(4, '0')}`, from: phone, to: '+15550000000', body: 'STOP' });
      await unsubscribe(base, issueToken(SECRET, 'unsubscribe', personId, clock.now()), 'one-click');

      const left = await table.doc.send(new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `PERSON#${personId}` }, ConsistentRead: true }));
      const read = async (Key: { pk: string; sk: string }) => (await table.doc.send(new GetCommand({ TableName: table.tableName, Key, ConsistentRead: true }))).Item;
      const pointers = (await Promise.all([seasonMemberKey(2027, personId), cohortMemberKey(ACTOR.orgId, cohort.cohortId, personId)].map(read))).filter(Boolean);
      // The address and number point at nobody, or (an import that came after the erasure) at a
      // fresh invitee the organisation brought anew: never at the erased person.
      const lookups = (await Promise.all([emailLookupKey(email), phoneLookupKey(phone)].map(read))).filter(Boolean);
      for (const lookup of lookups) {
        expect(lookup!.personId).not.toBe(personId);
        expect(await store.getPerson(lookup!.personId)).toMatchObject({ broughtBy: ACTOR.orgId, consent: { email: { state: 'pending' } } });
      }
      expect({ round, writer, left: left.Items?.map((i) => i.sk) ?? [], pointers: pointers.length }).toEqual({ round, writer, left: [], pointers: 0 });
    }
    expect(senders.watch.late).toEqual([]);
  });
});
