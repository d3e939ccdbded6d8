import { createMemoryRateBudget } from '../../shared/adapters/memory/memory-rate-budget';
import { describeRateBudgetContract } from '../support/rate-budget-contract';

describeRateBudgetContract('memory', async () => ({ budget: createMemoryRateBudget(), teardown: async () => {} }));
