import { createDynamoCounselorStore } from '../../shared/adapters/dynamo/counselor-store';
import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { testTable } from '../support/dynamo';
import { describeCounselorStoreContract } from '../support/counselor-store-contract';

jest.setTimeout(60_000);

describeCounselorStoreContract('dynamo', async () => {
  const table = await testTable();
  return {
    store: createDynamoCounselorStore({ client: table.doc, tableName: table.tableName }),
    people: createDynamoStore({ client: table.doc, tableName: table.tableName }),
    teardown: table.drop,
  };
});
