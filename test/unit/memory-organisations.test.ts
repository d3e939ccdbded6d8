import { createMemoryOrganisations } from '../../shared/adapters/memory/memory-organisations';
import { describeOrganisationsContract } from '../support/organisations-contract';
import { memoryCounselorPort } from '../support/counselor-ports';

/** Organisations (profiles and the list of them): the port's memory twin, on the same contract as its DynamoDB repository. */

const twin = memoryCounselorPort(createMemoryOrganisations);
describeOrganisationsContract('memory', twin);
