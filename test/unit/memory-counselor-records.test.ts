import { createMemoryCounselorRecords } from '../../shared/adapters/memory/memory-counselor-records';
import { describeCounselorRecordsContract } from '../support/counselor-records-contract';
import { memoryCounselorPort } from '../support/counselor-ports';

/** Counselor records: the port's memory twin, on the same contract as its DynamoDB repository. */

const twin = memoryCounselorPort(createMemoryCounselorRecords);
describeCounselorRecordsContract('memory', twin);
