import { createMemoryLinks } from '../../shared/adapters/memory/memory-links';
import { describeLinksContract } from '../support/links-contract';
import { memoryPort } from '../support/store-ports';

/**
 * Links (spent nonces, notice claims): the port's memory twin, on the same contract as its DynamoDB
 * repository.
 */

const twin = memoryPort(createMemoryLinks);
describeLinksContract('memory', twin);
