import { createCalendarOverrideRepository } from '../../shared/adapters/dynamo/calendar-override-repository';
import { describeCalendarOverridesContract } from '../support/calendar-overrides-contract';
import { dynamoPort } from '../support/dynamo';

/**
 * The operator's calendar corrections: the port's repository against DynamoDB Local, on the same
 * contract as its memory twin.
 */

jest.setTimeout(60_000);

const repository = dynamoPort(createCalendarOverrideRepository);
describeCalendarOverridesContract('dynamo', repository);
