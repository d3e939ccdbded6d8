import { createCohortRepository } from '../../shared/adapters/dynamo/cohort-repository';
import { describeCohortsContract } from '../support/cohorts-contract';
import { dynamoCounselorPort } from '../support/dynamo';

/** Cohorts: the port's repository against DynamoDB Local, on the same contract as its memory twin. */

jest.setTimeout(60_000);

const repository = dynamoCounselorPort(createCohortRepository);
describeCohortsContract('dynamo', repository);
