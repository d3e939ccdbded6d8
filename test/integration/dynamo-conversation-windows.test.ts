import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { testTable } from '../support/dynamo';
import { describeConversationWindowContract } from '../support/conversation-window-contract';

/** The WhatsApp window records against DynamoDB Local: the same contract as the memory twin. */

jest.setTimeout(60_000);

describeConversationWindowContract('dynamo', async () => {
  const table = await testTable();
  return { store: createDynamoStore({ client: table.doc, tableName: table.tableName }), teardown: table.drop };
});
