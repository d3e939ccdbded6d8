import type { Store } from '../../shared/ports';
import { createMemoryContext, type MemoryContext } from '../../shared/adapters/memory/memory-context';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { person } from './store-fixtures';

/**
 * What a port's contract (people-contract.ts and the others) runs on: the port's own memory twin
 * or DynamoDB repository, and the whole store over the same data. The contract asserts on the
 * port alone; the store is there for setup, since people come into being only through it
 * (creating a person writes into several aggregates).
 */
export interface PortUnderTest<Port> {
  port: Port;
  store: Store;
  teardown(): Promise<void>;
}

/**
 * Gives each test a fresh port and store from `make`, both wrapped by withPeopleOnDemand below
 * (`raw`: the port as it is), and drops them after the test.
 */
export function onFreshPort<Port extends Partial<Store>>(
  make: () => Promise<PortUnderTest<Port>>,
  use: (fresh: { port: Port; raw: Port; store: Store }) => void,
): void {
  let teardown = async () => {};
  beforeEach(async () => {
    const made = await make();
    teardown = made.teardown;
    use({ port: withPeopleOnDemand(made.port, made.store), raw: made.port, store: withPeopleOnDemand(made.store, made.store) });
  });
  afterEach(() => teardown());
}

/** A port's memory twin, and the memory store, on one fresh memory context. */
export function memoryPort<Port>(build: (context: MemoryContext) => Port): () => Promise<PortUnderTest<Port>> {
  return async () => {
    const context = createMemoryContext();
    return { port: build(context), store: createMemoryStore(context), teardown: async () => {} };
  };
}

/**
 * Most of the contracts are about records (messages, journal, plans) and not about who they
 * belong to; the store only writes those for someone who is there. This wrapper of a port creates
 * whoever a write names (through `store`), as a sign-up would have (a bare profile, no contacts),
 * and lets savePerson create as well as change: the tests read as if anyone could be written for.
 * The erasure tests use the store itself.
 */
export function withPeopleOnDemand<Port extends Partial<Store>>(port: Port, store: Store): Port {
  const ensure = async (personId: string) => {
    if (await store.getPerson(personId)) return;
    const { email: _e, phone: _p, ...bare } = person({ personId });
    await store.createPeople([{ person: bare, enrollments: [] }]);
  };
  const { savePerson, saveEnrollment, createMessage, saveJournalEntry, saveSafetyEvent, claimPersonNotice, savePlan } = port;
  const wrapped: Partial<Store> = { ...port };
  if (savePerson) {
    wrapped.savePerson = async (p) => {
      if (await store.getPerson(p.personId)) return savePerson(p);
      const { notCreated } = await store.createPeople([{ person: p, enrollments: [] }]);
      if (notCreated.length > 0) throw new Error(`test setup: ${p.personId} could not be created (an email or phone is taken)`);
    };
  }
  /** The write, once whoever it names is there. */
  const forSomeone =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>, personOf: (...args: A) => string) =>
    async (...args: A): Promise<R> => {
      await ensure(personOf(...args));
      return write(...args);
    };
  if (saveEnrollment) wrapped.saveEnrollment = forSomeone(saveEnrollment, (e) => e.personId);
  if (createMessage) wrapped.createMessage = forSomeone(createMessage, (m) => m.personId);
  if (saveJournalEntry) wrapped.saveJournalEntry = forSomeone(saveJournalEntry, (e) => e.personId);
  if (saveSafetyEvent) wrapped.saveSafetyEvent = forSomeone(saveSafetyEvent, (e) => e.personId);
  if (claimPersonNotice) wrapped.claimPersonNotice = forSomeone(claimPersonNotice, (personId) => personId);
  if (savePlan) wrapped.savePlan = forSomeone(savePlan, (plan) => plan.personId);
  return wrapped as Port;
}
