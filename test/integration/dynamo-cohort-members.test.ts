import { createCohortMemberRepository } from '../../shared/adapters/dynamo/cohort-member-repository';
import { describeCohortMembersContract } from '../support/cohort-members-contract';
import { dynamoCounselorPort } from '../support/dynamo';

/** Cohort memberships and their counts: the port's repository against DynamoDB Local, on the same contract as its memory twin. */

jest.setTimeout(60_000);

const repository = dynamoCounselorPort(createCohortMemberRepository);
describeCohortMembersContract('dynamo', repository);
