import { createMemoryFormLimits } from '../../shared/adapters/memory/memory-form-limits';
import { describeFormLimitsContract } from '../support/form-limits-contract';

describeFormLimitsContract('memory', async () => ({ limits: createMemoryFormLimits(), teardown: async () => {} }));
