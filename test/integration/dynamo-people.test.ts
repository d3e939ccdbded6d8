import { createPeopleRepository } from '../../shared/adapters/dynamo/people-repository';
import { describePeopleContract } from '../support/people-contract';
import { dynamoPort } from '../support/dynamo';

/**
 * People (profiles, lookups, seasons): the port's repository against DynamoDB Local, on the same
 * contract as its memory twin.
 */

jest.setTimeout(60_000);

const repository = dynamoPort(createPeopleRepository);
describePeopleContract('dynamo', repository);
