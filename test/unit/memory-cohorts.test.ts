import { createMemoryCohorts } from '../../shared/adapters/memory/memory-cohorts';
import { describeCohortsContract } from '../support/cohorts-contract';
import { memoryCounselorPort } from '../support/counselor-ports';

/** Cohorts: the port's memory twin, on the same contract as its DynamoDB repository. */

const twin = memoryCounselorPort(createMemoryCohorts);
describeCohortsContract('memory', twin);
