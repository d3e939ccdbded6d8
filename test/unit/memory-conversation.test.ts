import { createMemoryConversation } from '../../shared/adapters/memory/memory-conversation';
import { describeConversationContract } from '../support/conversation-contract';
import { memoryPort } from '../support/store-ports';

/**
 * The conversation (inbound dedupe, journal, safety events and alerts): the port's memory twin, on the
 * same contract as its DynamoDB repository.
 */

const twin = memoryPort(createMemoryConversation);
describeConversationContract('memory', twin);
