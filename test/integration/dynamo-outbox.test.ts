import { createOutboxRepository } from '../../shared/adapters/dynamo/outbox-repository';
import { describeOutboxContract } from '../support/outbox-contract';
import { describeDueIndexContract } from '../support/due-index-contract';
import { dynamoPort } from '../support/dynamo';

/**
 * The outbox (messages, and the due index the dispatchers drain): the port's repository against
 * DynamoDB Local, on the same contract as its memory twin.
 */

jest.setTimeout(60_000);

const repository = dynamoPort(createOutboxRepository);
describeOutboxContract('dynamo', repository);
describeDueIndexContract('dynamo', repository);
