import { createMemoryCohortMembers } from '../../shared/adapters/memory/memory-cohort-members';
import { describeCohortMembersContract } from '../support/cohort-members-contract';
import { memoryCounselorPort } from '../support/counselor-ports';

/** Cohort memberships and their counts: the port's memory twin, on the same contract as its DynamoDB repository. */

const twin = memoryCounselorPort(createMemoryCohortMembers);
describeCohortMembersContract('memory', twin);
