import { createMemoryCalendarOverrides } from '../../shared/adapters/memory/memory-calendar-overrides';
import { describeCalendarOverridesContract } from '../support/calendar-overrides-contract';
import { memoryPort } from '../support/store-ports';

/**
 * The operator's calendar corrections: the port's memory twin, on the same contract as its DynamoDB
 * repository.
 */

const twin = memoryPort(createMemoryCalendarOverrides);
describeCalendarOverridesContract('memory', twin);
