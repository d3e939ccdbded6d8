import { createMemoryOutbox } from '../../shared/adapters/memory/memory-outbox';
import { describeOutboxContract } from '../support/outbox-contract';
import { describeDueIndexContract } from '../support/due-index-contract';
import { memoryPort } from '../support/store-ports';

/**
 * The outbox (messages, and the due index the dispatchers drain): the port's memory twin, on the same
 * contract as its DynamoDB repository.
 */

const twin = memoryPort(createMemoryOutbox);
describeOutboxContract('memory', twin);
describeDueIndexContract('memory', twin);
