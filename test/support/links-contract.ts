import type { LinkStore } from '../../shared/ports/links';
import type { Store } from '../../shared/ports';
import { onFreshPort, type PortUnderTest } from './store-ports';
import { LEASE_END, NOW, person } from './store-fixtures';

/**
 * What the links' twin and repository must do: spent link nonces and notice claims. The memory
 * twin and the DynamoDB repository both run it. Each test gets a fresh, empty store.
 */
export function describeLinksContract(name: string, make: () => Promise<PortUnderTest<LinkStore>>): void {
  describe(`LinkStore contract: ${name}`, () => {
    /** The port under test: every assertion reads through it. */
    let store: LinkStore;
    /** The whole store on the same data, for setup only. */
    let setup: Store;

    onFreshPort(make, (fresh) => {
      store = fresh.port;
      setup = fresh.store;
    });

    describe('confirmation link nonces', () => {
      test('a nonce is spent once; others are not affected', async () => {
        const expires = new Date('2027-03-04T12:00:00.000Z');
        expect(await store.consumeTokenNonce('nonce-aaaaaaaa', expires)).toBe(true);
        expect(await store.consumeTokenNonce('nonce-aaaaaaaa', expires)).toBe(false);
        expect(await store.consumeTokenNonce('nonce-bbbbbbbb', expires)).toBe(true);
      });

      test('of eight concurrent uses of one nonce exactly one wins', async () => {
        const wins = await Promise.all(Array.from({ length: 8 }, () => store.consumeTokenNonce('nonce-cccccccc', LEASE_END)));
        expect(wins.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('person notices (flood guard)', () => {
      test('a notice is claimed once until its time is up, per person and per notice', async () => {
        await setup.savePerson(person());
        const until = new Date(NOW.getTime() + 600_000);
        expect(await store.claimPersonNotice('p-asha', 'confirm-email', NOW, until)).toBe(true);
        expect(await store.claimPersonNotice('p-asha', 'confirm-email', new Date(until.getTime() - 1), new Date(until.getTime() + 600_000))).toBe(false);
        expect(await store.claimPersonNotice('p-asha', 'already-subscribed', NOW, until)).toBe(true);
        expect(await store.claimPersonNotice('p-ravi', 'confirm-email', NOW, until)).toBe(true);
        expect(await store.claimPersonNotice('p-asha', 'confirm-email', until, new Date(until.getTime() + 600_000))).toBe(true);
      });

      test('of eight concurrent claims exactly one wins', async () => {
        const until = new Date(NOW.getTime() + 600_000);
        const wins = await Promise.all(Array.from({ length: 8 }, () => store.claimPersonNotice('p-asha', 'confirm-email', NOW, until)));
        expect(wins.filter(Boolean)).toHaveLength(1);
      });
    });
  });
}
