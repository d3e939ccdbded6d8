import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { describePlanReplanning } from '../support/plan-replanning';

describePlanReplanning('memory', async () => ({ store: createMemoryStore(), teardown: async () => {} }));
