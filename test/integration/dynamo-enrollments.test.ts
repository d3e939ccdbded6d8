import { createEnrollmentRepository } from '../../shared/adapters/dynamo/enrollment-repository';
import { describeEnrollmentsContract } from '../support/enrollments-contract';
import { dynamoPort } from '../support/dynamo';

/** Enrollments: the port's repository against DynamoDB Local, on the same contract as its memory twin. */

jest.setTimeout(60_000);

const repository = dynamoPort(createEnrollmentRepository);
describeEnrollmentsContract('dynamo', repository);
