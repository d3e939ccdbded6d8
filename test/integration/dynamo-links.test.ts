import { createLinkRepository } from '../../shared/adapters/dynamo/link-repository';
import { describeLinksContract } from '../support/links-contract';
import { dynamoPort } from '../support/dynamo';

/**
 * Links (spent nonces, notice claims): the port's repository against DynamoDB Local, on the same
 * contract as its memory twin.
 */

jest.setTimeout(60_000);

const repository = dynamoPort(createLinkRepository);
describeLinksContract('dynamo', repository);
