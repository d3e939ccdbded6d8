import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { describeConversationWindowContract } from '../support/conversation-window-contract';

describeConversationWindowContract('memory', async () => ({ store: createMemoryStore(), teardown: async () => {} }));
