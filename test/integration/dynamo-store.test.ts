import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { messageKey } from '../../shared/adapters/dynamo/keys';
import { ensureTable } from '../../shared/adapters/dynamo/table';
import type { Message } from '../../shared/domain/model';
import { testTable, type TestTable } from '../support/dynamo';
import { describeStoreContract } from '../support/store-contract';
import { PROFILE } from '../support/store-fixtures';
import { ensurePerson } from '../support/seed';

jest.setTimeout(60_000);

describeStoreContract('dynamo', async () => {
  const table = await testTable();
  return { store: createDynamoStore({ client: table.doc, tableName: table.tableName }), teardown: table.drop };
});

const NOW = new Date('2027-03-01T12:00:00.000Z');
const LEASE_END = new Date('2027-03-01T12:05:00.000Z');
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000).toISOString();

function dueMessage(personId: string, messageId: string, dueAt: string, overrides: Partial<Message> = {}): Message {
  return {
    personId,
    messageId,
    enrollmentId: messageId.split('.')[0]!,
    sequenceId: 'getting-started',
    stepId: 'rank-list-reminder',
    channel: 'sms',
    to: '+919812345678',
    zone: 'Asia/Kolkata',
    firstName: 'Asha',
    anchors: { matchDay: '2027-03-19', rankDeadline: '2027-03-03T21:00:00-05:00' },
    profile: PROFILE,
    quietHours: { start: '21:00', end: '08:00' },
    sendAt: dueAt,
    deadlineAt: at(24 * 60),
    status: 'planned',
    dueAt,
    attempts: [],
    updatedAt: at(-24 * 60),
    ...overrides,
  };
}

describe('ensureTable', () => {
  let table: TestTable;
  beforeEach(async () => {
    table = await testTable();
  });
  afterEach(() => table.drop());

  test('builds the keys-only due index and TTL from the keys module, and can run again', async () => {
    await ensureTable(table.client, table.tableName);
    const { Table } = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    const [due] = Table?.GlobalSecondaryIndexes ?? [];
    expect(due).toMatchObject({
      IndexName: 'due',
      IndexStatus: 'ACTIVE',
      Projection: { ProjectionType: 'KEYS_ONLY' },
      KeySchema: [
        { AttributeName: 'duePk', KeyType: 'HASH' },
        { AttributeName: 'dueSk', KeyType: 'RANGE' },
      ],
    });
    const ttl = await table.client.send(new DescribeTimeToLiveCommand({ TableName: table.tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });
});

describe('DynamoDB store', () => {
  let table: TestTable;
  beforeEach(async () => {
    table = await testTable();
  });
  afterEach(() => table.drop());

  const rawItem = async (personId: string, messageId: string) =>
    (await table.doc.send(new GetCommand({ TableName: table.tableName, Key: messageKey(personId, messageId) }))).Item;

  test('a message item holds its keys and domain fields once: ids live only in pk/sk, due keys only while pending', async () => {
    const store = createDynamoStore({ client: table.doc, tableName: table.tableName });
    await ensurePerson(store, 'p-1');
    await store.createMessage(dueMessage('p-1', 'e-1.s.0.sms', at(-1)));
    await store.createMessage(dueMessage('p-1', 'e-1.s.1.sms', at(-1), { status: 'sent' }));

    const pending = await rawItem('p-1', 'e-1.s.0.sms');
    expect(pending).toMatchObject({ pk: 'PERSON#p-1', sk: 'MSG#e-1.s.0.sms', dueSk: `${at(-1)}#e-1.s.0.sms` });
    // The due queue: channel, urgent (U) or routine (R), shard.
    expect(pending?.duePk).toMatch(/^DUE#sms#R#[0-7]$/);
    expect(pending).not.toHaveProperty('personId');
    expect(pending).not.toHaveProperty('messageId');

    const final = await rawItem('p-1', 'e-1.s.1.sms');
    expect(final).not.toHaveProperty('duePk');
    expect(final).not.toHaveProperty('dueSk');

    const [ref] = await store.listDueMessages(NOW, 10);
    const token = 'lease-1';
    await store.claimMessage(ref!, { token, until: LEASE_END, now: NOW });
    // A claim leaves the due key where it was (no index write); the lease guards the message.
    expect(await rawItem('p-1', 'e-1.s.0.sms')).toMatchObject({ duePk: pending?.duePk, dueSk: `${at(-1)}#e-1.s.0.sms`, lease: { token } });
    await store.finishMessage(ref!, token, { status: 'sent', attempt: { at: at(0), outcome: 'sent', detail: 'ok' } });
    const finished = await rawItem('p-1', 'e-1.s.0.sms');
    for (const gone of ['duePk', 'dueSk', 'dueAt', 'lease']) expect(finished).not.toHaveProperty(gone);
  });

  test('accepts a plain DynamoDBClient as well as a document client', async () => {
    const store = createDynamoStore({ client: table.client, tableName: table.tableName });
    await ensurePerson(store, 'p-1');
    const message = dueMessage('p-1', 'e-1.s.0.sms', at(-1), { firstName: undefined });
    expect(await store.createMessage(message)).toBe(true);
    expect(await store.getMessage('p-1', 'e-1.s.0.sms')).toEqual(message);
  });

  test('reports consumed capacity for every request; a typical message costs one unit per item it writes', async () => {
    const calls: Array<{ op: string; read: number; write: number }> = [];
    const store = createDynamoStore({
      client: table.doc,
      tableName: table.tableName,
      onCapacity: (op, read, write) => calls.push({ op, read, write }),
    });
    const take = () => calls.splice(0, calls.length);

    await ensurePerson(store, 'p-1');
    take();
    await store.createMessage(dueMessage('p-1', 'e-1.s.0.sms', at(-1)));
    // A create is a transaction guarded by the person's profile (erasure is final, see
    // person-guard.ts), so units count twice: the guard 2, the table item (under 1 KB) 2, its
    // due-index entry 2.
    expect(take()).toEqual([{ op: 'createMessage', read: 0, write: 6 }]);

    // Without an index entry DynamoDB Local reports 2, leaving the guard out; AWS bills a
    // ConditionCheck as a transactional write (2 units), so there it is 4 (BENCHMARKS.md).
    await store.createMessage(dueMessage('p-1', 'e-1.s.1.sms', at(-1), { status: 'sent' }));
    expect(take()).toEqual([{ op: 'createMessage', read: 0, write: 2 }]);

    // The meter does follow item size: a message over 1 KB costs more.
    const bulky = dueMessage('p-1', 'e-1.s.2.sms', at(-1), { status: 'sent', reason: 'x'.repeat(1500) });
    await store.createMessage(bulky);
    expect(take()[0]!.write).toBeGreaterThan(4);

    // A refused create is billed by DynamoDB but returns no capacity; the store counts the guard's two units.
    await store.createMessage(dueMessage('p-1', 'e-1.s.0.sms', at(-1)));
    expect(take()).toEqual([{ op: 'createMessage', read: 0, write: 2 }]);

    const refs = await store.listDueMessages(NOW, 10);
    const listing = take();
    // One query per queue (3 channels x urgent/routine x 8 shards); DynamoDB Local reports zero
    // units for a queue with nothing due.
    expect(listing).toHaveLength(3 * 2 * 8);
    expect(listing.every((c) => c.op === 'listDueMessages' && c.write === 0)).toBe(true);
    expect(listing.reduce((sum, c) => sum + c.read, 0)).toBeGreaterThan(0);

    // The claim writes the item only (its due key stays); finishing removes the index entry too.
    await store.claimMessage(refs[0]!, { token: 't', until: LEASE_END, now: NOW });
    expect(take()).toEqual([{ op: 'claimMessage', read: 0, write: 1 }]);
    await store.finishMessage(refs[0]!, 't', { status: 'sent', attempt: { at: at(0), outcome: 'sent', detail: 'ok' } });
    expect(take()).toEqual([{ op: 'finishMessage', read: 0, write: 2 }]);

    await store.getMessage('p-1', 'e-1.s.0.sms');
    expect(take()).toEqual([{ op: 'getMessage', read: 1, write: 0 }]);
  });

  test('four dispatchers racing over 200 due messages claim each exactly once', async () => {
    const store = createDynamoStore({ client: table.doc, tableName: table.tableName });
    const messages = Array.from({ length: 200 }, (_, i) =>
      dueMessage(`p-${i % 25}`, `e-${i % 25}.step-${i}.0.sms`, at(-200 + (i % 50))),
    );
    for (let p = 0; p < 25; p++) await ensurePerson(store, `p-${p}`);
    await inBatches(messages, 16, async (m) => expect(await store.createMessage(m)).toBe(true));

    const winners = new Map<string, string[]>();
    let attempts = 0;
    // Each dispatcher pages through every routine SMS queue as the real one does; two walk the
    // queues in order and each page oldest first, two the other way round, so they collide.
    const { routine } = store.dueQueues('sms');
    const dispatch = async (name: string, newestFirst: boolean) => {
      for (const queue of newestFirst ? [...routine].reverse() : routine) {
        let after;
        for (let page = 0; page < 100; page++) {
          const refs = await store.listDueInQueue(queue, NOW, 10, after);
          if (refs.length === 0) break;
          after = refs.at(-1);
          if (newestFirst) refs.reverse();
          for (const ref of refs) {
            attempts++;
            const claimed = await store.claimMessage(ref, { token: `${name}:${ref.messageId}`, until: LEASE_END, now: NOW });
            if (claimed) winners.set(ref.messageId, [...(winners.get(ref.messageId) ?? []), claimed.lease!.token]);
          }
        }
      }
    };
    await Promise.all([dispatch('a', false), dispatch('b', true), dispatch('c', false), dispatch('d', true)]);

    expect(winners.size).toBe(200);
    expect([...winners.values()].every((tokens) => tokens.length === 1)).toBe(true);
    expect(attempts).toBeGreaterThan(200);
    const people = [...new Set(messages.map((m) => m.personId))];
    const stored = (await Promise.all(people.map((personId) => store.listMessages(personId)))).flat();
    expect(stored).toHaveLength(200);
    for (const m of stored) {
      expect(m.status).toBe('claimed');
      expect(m.lease?.token).toBe(winners.get(m.messageId)?.[0]);
    }
    // Claimed messages keep their place in the index; nobody else can take one until the lease ends.
    const listed = await store.listDueMessages(NOW, 500);
    expect(listed).toHaveLength(200);
    const early = new Date(LEASE_END.getTime() - 1);
    expect(await store.claimMessage(listed[0]!, { token: 'late', until: new Date(LEASE_END.getTime() + 60_000), now: early })).toBeUndefined();
  });
});

async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += size) {
    await Promise.all(items.slice(start, start + size).map(work));
  }
}

