import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { describeStoreContract } from '../support/store-contract';

describeStoreContract('memory', async () => ({ store: createMemoryStore(), teardown: async () => {} }));
