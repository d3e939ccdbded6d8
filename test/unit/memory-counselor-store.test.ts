import { createMemoryCounselorStore } from '../../shared/adapters/memory/memory-counselor-store';
import { describeCounselorStoreContract } from '../support/counselor-store-contract';

describeCounselorStoreContract('memory', async () => ({ store: createMemoryCounselorStore(), teardown: async () => {} }));
