import { createMemoryCounselorStore } from '../../shared/adapters/memory/memory-counselor-store';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { describeCounselorStoreContract } from '../support/counselor-store-contract';

describeCounselorStoreContract('memory', async () => {
  const people = createMemoryStore();
  return { store: createMemoryCounselorStore({ isLiving: people.isLiving }), people, teardown: async () => {} };
});
