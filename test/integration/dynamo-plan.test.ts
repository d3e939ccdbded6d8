import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { testTable } from '../support/dynamo';
import { describePlanReplanning } from '../support/plan-replanning';
import { describePlanStoreContract } from '../support/plan-store-contract';

/** A person's own plan against DynamoDB Local: the plan store contract, and re-planning with exact due times. */

jest.setTimeout(60_000);

const dynamo = async () => {
  const table = await testTable();
  return { store: createDynamoStore({ client: table.doc, tableName: table.tableName }), teardown: table.drop };
};

describePlanStoreContract('dynamo', dynamo);
describePlanReplanning('dynamo', dynamo);
