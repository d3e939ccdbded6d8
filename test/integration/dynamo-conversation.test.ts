import { createConversationRepository } from '../../shared/adapters/dynamo/conversation-repository';
import { describeConversationContract } from '../support/conversation-contract';
import { dynamoPort } from '../support/dynamo';

/**
 * The conversation (inbound dedupe, journal, safety events and alerts): the port's repository against
 * DynamoDB Local, on the same contract as its memory twin.
 */

jest.setTimeout(60_000);

const repository = dynamoPort(createConversationRepository);
describeConversationContract('dynamo', repository);
