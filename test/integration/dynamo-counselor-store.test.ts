import { createDynamoCounselorStore } from '../../shared/adapters/dynamo/counselor-store';
import { describeCounselorStoreContract } from '../support/counselor-store-contract';
import { dynamoCounselorPort } from '../support/dynamo';

/** The DynamoDB counselor store as a whole (what spans its ports), on the same contract as the memory store. */

jest.setTimeout(60_000);

describeCounselorStoreContract(
  'dynamo',
  dynamoCounselorPort((_shared, options) => createDynamoCounselorStore(options)),
);
