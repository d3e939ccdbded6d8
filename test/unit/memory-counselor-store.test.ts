import { createMemoryCounselorStore } from '../../shared/adapters/memory/memory-counselor-store';
import { describeCounselorStoreContract } from '../support/counselor-store-contract';
import { memoryCounselorPort } from '../support/counselor-ports';

/** The memory counselor store as a whole (what spans its ports), on the same contract as the DynamoDB store. */

describeCounselorStoreContract(
  'memory',
  memoryCounselorPort((context) => createMemoryCounselorStore({}, context)),
);
