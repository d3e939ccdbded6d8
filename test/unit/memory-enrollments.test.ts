import { createMemoryEnrollments } from '../../shared/adapters/memory/memory-enrollments';
import { describeEnrollmentsContract } from '../support/enrollments-contract';
import { memoryPort } from '../support/store-ports';

/** Enrollments: the port's memory twin, on the same contract as its DynamoDB repository. */

const twin = memoryPort(createMemoryEnrollments);
describeEnrollmentsContract('memory', twin);
