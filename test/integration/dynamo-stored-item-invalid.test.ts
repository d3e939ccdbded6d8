import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoCounselorStore } from '../../shared/adapters/dynamo/counselor-store';
import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { cohortMemberKey, enrollmentKey, messageKey, personKey } from '../../shared/adapters/dynamo/keys';
import { StoredItemInvalid } from '../../shared/adapters/dynamo/stored-item';
import type { Store } from '../../shared/ports';
import type { CounselorStore } from '../../shared/ports/counselor';
import { ensurePerson } from '../support/seed';
import { testTable, type TestTable } from '../support/dynamo';

/**
 * An item that does not match its schema (written by hand, by an older release, by a bug) is
 * refused where it is read, with one error that says which kind of item and which attributes,
 * and never echoes a value: items hold personal data and this error is logged.
 */

jest.setTimeout(60_000);

const SECRET_NAME = 'Zubaida-Secret';

describe('a malformed DynamoDB item is refused with StoredItemInvalid', () => {
  let table: TestTable;
  let store: Store;
  let counselors: CounselorStore;
  const put = (item: Record<string, unknown>) => table.doc.send(new PutCommand({ TableName: table.tableName, Item: item }));

  beforeAll(async () => {
    table = await testTable();
    store = createDynamoStore({ client: table.doc, tableName: table.tableName });
    counselors = createDynamoCounselorStore({ client: table.doc, tableName: table.tableName });
  });
  afterAll(() => table.drop());

  async function refusal(read: Promise<unknown>): Promise<StoredItemInvalid> {
    const error = await read.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(StoredItemInvalid);
    const invalid = error as StoredItemInvalid;
    expect(invalid.message).not.toContain(SECRET_NAME);
    expect(JSON.stringify(invalid)).not.toContain(SECRET_NAME);
    return invalid;
  }

  test('a person profile with no time zone, a season that is text and a name where the email goes', async () => {
    await put({
      ...personKey('p-bad'), email: SECRET_NAME, consent: {}, createdAt: '2027-01-01T00:00:00.000Z',
      profile: { season: '2027', applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
    });
    const invalid = await refusal(store.getPerson('p-bad'));
    expect(invalid).toMatchObject({ kind: 'person', keyPrefix: 'PERSON / PROFILE' });
    expect(invalid.attributes.sort()).toEqual(['email', 'profile.season', 'timeZone']);
    expect(invalid.message).toBe('stored person item (PERSON / PROFILE) does not match its schema at: email, timeZone, profile.season');
    await refusal(store.getPeople(['p-bad']));
  });

  test('a message with an unknown status and no attempts', async () => {
    await ensurePerson(store, 'p-msg');
    await put({
      ...messageKey('p-msg', 'm-1'), enrollmentId: 'e', sequenceId: 's', stepId: 'x', channel: 'sms', to: '+919812345678', zone: 'Asia/Kolkata',
      firstName: SECRET_NAME, anchors: {}, profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
      sendAt: '2027-01-01T00:00:00.000Z', status: 'lost', updatedAt: '2027-01-01T00:00:00.000Z',
    });
    const invalid = await refusal(store.getMessage('p-msg', 'm-1'));
    expect(invalid).toMatchObject({ kind: 'message', keyPrefix: 'PERSON / MSG' });
    expect(invalid.attributes.sort()).toEqual(['attempts', 'status']);
    await refusal(store.listMessages('p-msg'));
  });

  test('an enrollment whose anchors are not a map', async () => {
    await ensurePerson(store, 'p-enr');
    await put({ ...enrollmentKey('p-enr', 'e-1'), sequenceId: 's', anchors: SECRET_NAME, enrolledAt: '2027-01-01T00:00:00.000Z', status: 'active' });
    const invalid = await refusal(store.listEnrollments('p-enr'));
    expect(invalid).toMatchObject({ kind: 'enrollment', keyPrefix: 'PERSON / ENROLL', attributes: ['anchors'] });
  });

  test('a cohort membership with a status of the wrong type', async () => {
    await put({
      ...cohortMemberKey('org-1', 'co-1', 'p-mem'), orgId: 'org-1', cohortId: 'co-1', personId: 'p-mem', addedBy: 'c-1',
      addedAt: '2027-01-01T00:00:00.000Z', status: 1, label: { firstName: SECRET_NAME },
    });
    const invalid = await refusal(counselors.getCohortMember('org-1', 'co-1', 'p-mem'));
    expect(invalid).toMatchObject({ kind: 'cohort member', keyPrefix: 'COHORT / MEMBER', attributes: ['status'] });
    await refusal(counselors.listCohortMembers('org-1', 'co-1'));
  });
});
