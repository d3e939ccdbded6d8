import type { Store } from '../../shared/ports';
import { PersonGone } from '../../shared/domain/errors';
import { ensurePerson } from './seed';

/**
 * What every store's WhatsApp window records must do: the memory twin and the DynamoDB store both
 * run it. Each test gets a fresh, empty store.
 */
export function describeConversationWindowContract(name: string, makeStore: () => Promise<{ store: Store; teardown(): Promise<void> }>): void {
  describe(`ConversationWindowStore contract: ${name}`, () => {
    let store: Store;
    let teardown: () => Promise<void>;
    beforeEach(async () => {
      ({ store, teardown } = await makeStore());
      await ensurePerson(store, 'p-asha');
      await ensurePerson(store, 'p-ravi');
    });
    afterEach(async () => {
      await teardown();
    });

    const at = (iso: string) => new Date(iso);

    test('nobody has a window until they write; then it holds their last message', async () => {
      expect(await store.getWindow('p-asha')).toBeUndefined();
      await store.noteInbound('p-asha', at('2026-12-07T10:00:00.000Z'));
      expect(await store.getWindow('p-asha')).toEqual({ lastInboundAt: '2026-12-07T10:00:00.000Z' });
      expect(await store.getWindow('p-ravi')).toBeUndefined();
    });

    test('the later message wins, in whichever order two are noted', async () => {
      await store.noteInbound('p-asha', at('2026-12-07T11:00:00.000Z'));
      await store.noteInbound('p-asha', at('2026-12-07T10:00:00.000Z'));
      expect(await store.getWindow('p-asha')).toEqual({ lastInboundAt: '2026-12-07T11:00:00.000Z' });
      await store.noteInbound('p-asha', at('2026-12-07T12:00:00.000Z'));
      expect(await store.getWindow('p-asha')).toEqual({ lastInboundAt: '2026-12-07T12:00:00.000Z' });
    });

    test('a closing is kept beside the last message; it creates nothing for someone who never wrote', async () => {
      await store.noteWindowClosed('p-ravi', at('2026-12-07T10:00:00.000Z'));
      expect(await store.getWindow('p-ravi')).toBeUndefined();
      await store.noteInbound('p-asha', at('2026-12-07T10:00:00.000Z'));
      await store.noteWindowClosed('p-asha', at('2026-12-07T20:00:00.000Z'));
      expect(await store.getWindow('p-asha')).toEqual({ lastInboundAt: '2026-12-07T10:00:00.000Z', closedAt: '2026-12-07T20:00:00.000Z' });
    });

    test('nothing is noted for someone who is not there, or is being erased', async () => {
      await expect(store.noteInbound('p-never', at('2026-12-07T10:00:00.000Z'))).rejects.toBeInstanceOf(PersonGone);
      expect(await store.getWindow('p-never')).toBeUndefined();
      await store.beginErasure('p-asha', at('2026-12-07T09:00:00.000Z'));
      await expect(store.noteInbound('p-asha', at('2026-12-07T10:00:00.000Z'))).rejects.toBeInstanceOf(PersonGone);
      expect(await store.getWindow('p-asha')).toBeUndefined();
    });

    test('erasing the person takes their window, and a closing after it brings nothing back', async () => {
      await store.noteInbound('p-asha', at('2026-12-07T10:00:00.000Z'));
      await store.noteInbound('p-ravi', at('2026-12-07T10:00:00.000Z'));
      await store.erasePerson('p-asha', at('2026-12-07T11:00:00.000Z'));
      expect(await store.getWindow('p-asha')).toBeUndefined();
      await store.noteWindowClosed('p-asha', at('2026-12-07T12:00:00.000Z'));
      expect(await store.getWindow('p-asha')).toBeUndefined();
      expect(await store.getWindow('p-ravi')).toEqual({ lastInboundAt: '2026-12-07T10:00:00.000Z' });
    });
  });
}
