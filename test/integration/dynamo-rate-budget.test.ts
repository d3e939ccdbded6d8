import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoRateBudget } from '../../shared/adapters/dynamo/dynamo-rate-budget';
import { rateCounterKey } from '../../shared/adapters/dynamo/keys';
import { describeRateBudgetContract } from '../support/rate-budget-contract';
import { testTable } from '../support/dynamo';

jest.setTimeout(60_000);

describeRateBudgetContract('dynamo', async () => {
  const table = await testTable();
  return { budget: createDynamoRateBudget({ client: table.doc, tableName: table.tableName }), teardown: table.drop };
});

describe('DynamoDB rate budget', () => {
  it('keeps one small counter item per window that expires by TTL, at one write unit per take', async () => {
    const table = await testTable();
    try {
      const units: number[] = [];
      const budget = createDynamoRateBudget({ client: table.doc, tableName: table.tableName, onCapacity: (_op, _r, w) => units.push(w) });
      await budget.take({ channel: 'email', windowMs: 1025, window: 1_000, limit: 50, wanted: 13, startAt: 0 });
      await budget.take({ channel: 'email', windowMs: 1025, window: 1_000, limit: 50, wanted: 13, startAt: 0 });
      expect(units).toEqual([1, 1]);
      const { Item } = await table.doc.send(new GetCommand({ TableName: table.tableName, Key: rateCounterKey('email', 1025, 1_000) }));
      // The window ends at 1001 * 1.025 s; the counter may go an hour after that.
      expect(Item).toEqual({ ...rateCounterKey('email', 1025, 1_000), used: 26, start: 0, expiresAt: Math.ceil(1001 * 1.025) + 3600 });
    } finally {
      await table.drop();
    }
  });
});
