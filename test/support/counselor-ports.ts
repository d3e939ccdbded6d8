import type { CounselorStore } from '../../shared/ports/counselor';
import type { Store } from '../../shared/ports';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { createMemoryCounselorStore } from '../../shared/adapters/memory/memory-counselor-store';
import { createMemoryCounselorContext, type MemoryCounselorContext } from '../../shared/adapters/memory/memory-counselor-context';
import { ensurePerson } from './seed';

/**
 * What a counselor port's contract (organisations-contract.ts and the others) runs on: the port's
 * own memory twin or DynamoDB repository, the whole counselor store over the same data, and the
 * Store beside it, where members live. The contract asserts on the port alone; the whole store
 * is there for setup (a counselor of an org, forgetting a person).
 */
export interface CounselorPortUnderTest<Port> {
  port: Port;
  store: CounselorStore;
  people: Store;
  teardown(): Promise<void>;
}

/**
 * Gives each test a fresh port, counselor store and people from `make`, with the people every
 * contract writes memberships for already there (memberships are kept only for someone who is),
 * and drops them after the test.
 */
export function onFreshCounselorPort<Port>(
  make: () => Promise<CounselorPortUnderTest<Port>>,
  use: (fresh: { port: Port; store: CounselorStore; people: Store }) => void,
): void {
  let teardown = async () => {};
  beforeEach(async () => {
    const made = await make();
    teardown = made.teardown;
    for (let i = 0; i < 30; i++) await ensurePerson(made.people, `p-${String(i).padStart(2, '0')}`);
    for (const id of ['p-1', 'p-2']) await ensurePerson(made.people, id);
    use({ port: made.port, store: made.store, people: made.people });
  });
  afterEach(() => teardown());
}

/** A counselor port's memory twin and the memory counselor store on one fresh context, beside a memory Store. */
export function memoryCounselorPort<Port>(build: (context: MemoryCounselorContext) => Port): () => Promise<CounselorPortUnderTest<Port>> {
  return async () => {
    const people = createMemoryStore();
    const options = { isLiving: people.isLiving };
    const context = createMemoryCounselorContext(options);
    return { port: build(context), store: createMemoryCounselorStore(options, context), people, teardown: async () => {} };
  };
}
