import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { createMemoryEmailSender } from '../../shared/adapters/memory/memory-email-sender';
import { createMemorySmsSender } from '../../shared/adapters/memory/memory-sms-sender';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import type { SubscriptionDeps } from '../../shared/app/subscription/deps';
import { subscribe } from '../../shared/app/subscription/sign-up';
import { testTable, type TestTable } from '../support/dynamo';

jest.setTimeout(60_000);

/**
 * A sign-up form sent several times at once (a double click, a browser retry) on DynamoDB Local:
 * the requests race to create the address's person, and the table must end with one person,
 * one lookup each way, and one confirmation email and one YES request between them.
 */

let table: TestTable;
beforeAll(async () => {
  table = await testTable();
});
afterAll(() => table.drop());

test('four sign-ups of one form at once: one person, one confirmation, no text before it is confirmed', async () => {
  const store = createDynamoStore({ client: table.doc, tableName: table.tableName });
  const email = createMemoryEmailSender();
  const sms = createMemorySmsSender();
  const deps: SubscriptionDeps = {
    store,
    email,
    sms,
    clock: { now: () => new Date('2026-09-01T06:00:00.000Z') },
    library: shippedLibrary(),
    tokenSecret: 'integration-only-token-secret-0123456789-abc',
    publicBaseUrl: 'http://127.0.0.1:3000',
    postalAddress: 'Match Coach, 100 Example Street, Boston, MA 02110, USA',
  };
  const form = {
    email: 'ravi.kumar@example.com',
    firstName: 'Ravi',
    timeZone: 'Asia/Kolkata',
    season: '2027',
    visaTrack: 'j1',
    applicantType: 'non-us-img',
    attempt: '1',
    mobile: '+91 98123 40099',
    smsConsent: 'yes',
  };
  const outcomes = await Promise.all(Array.from({ length: 4 }, () => subscribe(deps, form)));
  expect(outcomes.map((o) => o.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
  expect(outcomes.filter((o) => o.status === 'accepted' && o.detail === 'new')).toHaveLength(1);

  const people = await store.listPersonIdsInSeason(2027);
  expect(people).toHaveLength(1);
  expect(await store.findPersonIdByEmail('ravi.kumar@example.com')).toBe(people[0]);
  expect(await store.findPersonIdByPhone('+919812340099')).toBe(people[0]);
  expect(email.sent.map((m) => m.to)).toEqual(['ravi.kumar@example.com']);
  // The YES request waits for the email to be confirmed: a form's number is nobody's yes yet.
  expect(sms.sent).toEqual([]);
  // One set of tracks: the racing requests did not each add their own.
  const tracks = (await store.listEnrollments(people[0]!)).map((e) => e.sequenceId);
  expect(new Set(tracks).size).toBe(tracks.length);
});
