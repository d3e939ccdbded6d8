import { createMemoryPeople } from '../../shared/adapters/memory/memory-people';
import { describePeopleContract } from '../support/people-contract';
import { memoryPort } from '../support/store-ports';

/**
 * People (profiles, lookups, seasons): the port's memory twin, on the same contract as its DynamoDB
 * repository.
 */

const twin = memoryPort(createMemoryPeople);
describePeopleContract('memory', twin);
