import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { testTable } from '../support/dynamo';
import { describePlanReplanning } from '../support/plan-replanning';
import { describePlanStoreContract } from '../support/plan-store-contract';
import { seedPerson } from '../support/seed';
import { PROFILE } from '../support/store-fixtures';

/** A person's own plan against DynamoDB Local: the plan store contract, and re-planning with exact due times. */

jest.setTimeout(60_000);

const dynamo = async () => {
  const table = await testTable();
  return { store: createDynamoStore({ client: table.doc, tableName: table.tableName }), teardown: table.drop };
};

describePlanStoreContract('dynamo', dynamo);
describePlanReplanning('dynamo', dynamo);

test('the plan and the WhatsApp window report what their requests cost, as every other repository does', async () => {
  const table = await testTable();
  try {
    const seen: Array<{ op: string; read: number; write: number }> = [];
    const store = createDynamoStore({ client: table.doc, tableName: table.tableName, onCapacity: (op, read, write) => void seen.push({ op, read, write }) });
    await seedPerson(store, { personId: 'p-cost', firstName: 'Ife', timeZone: 'Africa/Lagos', consent: {}, profile: PROFILE, createdAt: '2026-12-01T06:00:00.000Z' });
    seen.length = 0;
    await store.savePlan({ personId: 'p-cost', nextNo: 1, deadlines: [], internal: {}, longTerm: [], updatedAt: '2026-12-01T06:00:00.000Z' }, undefined);
    await store.getPlan('p-cost');
    await store.noteInbound('p-cost', new Date('2026-12-07T10:00:00.000Z'));
    await store.noteWindowClosed('p-cost', new Date('2026-12-08T10:00:00.000Z'));
    await store.getWindow('p-cost');
    expect(seen.map((s) => s.op)).toEqual(['savePlan', 'getPlan', 'noteInbound', 'noteWindowClosed', 'getWindow']);
    for (const { op, read, write } of seen) expect([op, read + write > 0]).toEqual([op, true]);
  } finally {
    await table.drop();
  }
});
