import { createCounselorRecordRepository } from '../../shared/adapters/dynamo/counselor-record-repository';
import { describeCounselorRecordsContract } from '../support/counselor-records-contract';
import { dynamoCounselorPort } from '../support/dynamo';

/** Counselor records: the port's repository against DynamoDB Local, on the same contract as its memory twin. */

jest.setTimeout(60_000);

const repository = dynamoCounselorPort(createCounselorRecordRepository);
describeCounselorRecordsContract('dynamo', repository);
