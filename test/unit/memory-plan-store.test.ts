import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { describePlanStoreContract } from '../support/plan-store-contract';

describePlanStoreContract('memory', async () => ({ store: createMemoryStore(), teardown: async () => {} }));
