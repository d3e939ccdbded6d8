import { createDynamoFormLimits } from '../../shared/adapters/dynamo/dynamo-form-limits';
import { testTable } from '../support/dynamo';
import { describeFormLimitsContract } from '../support/form-limits-contract';

jest.setTimeout(60_000);

describeFormLimitsContract('dynamo', async () => {
  const table = await testTable();
  return { limits: createDynamoFormLimits({ doc: table.doc, tableName: table.tableName }), teardown: table.drop };
});
