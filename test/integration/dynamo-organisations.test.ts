import { createOrganisationRepository } from '../../shared/adapters/dynamo/organisation-repository';
import { describeOrganisationsContract } from '../support/organisations-contract';
import { dynamoCounselorPort } from '../support/dynamo';

/** Organisations (profiles and the list of them): the port's repository against DynamoDB Local, on the same contract as its memory twin. */

jest.setTimeout(60_000);

const repository = dynamoCounselorPort(createOrganisationRepository);
describeOrganisationsContract('dynamo', repository);
