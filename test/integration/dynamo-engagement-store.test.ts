import { createDynamoEngagementStore } from '../../shared/adapters/dynamo/engagement-store';
import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { testTable } from '../support/dynamo';
import { describeEngagementStoreContract } from '../support/engagement-store-contract';

/** The engagement store against DynamoDB Local: the same contract as its memory twin. */

jest.setTimeout(60_000);

describeEngagementStoreContract('dynamo', async () => {
  const table = await testTable();
  return {
    store: createDynamoStore({ client: table.doc, tableName: table.tableName }),
    engagement: createDynamoEngagementStore({ client: table.doc, tableName: table.tableName }),
    teardown: table.drop,
  };
});
