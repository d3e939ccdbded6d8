import { createMemoryEngagementStore } from '../../shared/adapters/memory/memory-engagement-store';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { describeEngagementStoreContract } from '../support/engagement-store-contract';

describeEngagementStoreContract('memory', async () => {
  const store = createMemoryStore();
  return { store, engagement: createMemoryEngagementStore({ isLiving: store.isLiving }), teardown: async () => {} };
});
