import { PersonGone } from '../../domain/errors';
import type { ConversationWindow } from '../../domain/whatsapp';
import type { ConversationWindowStore } from '../../ports';

/**
 * The in-memory twin of the WhatsApp window records: the same rules as the table's (a later
 * message wins, a closing changes only a record that exists, no record for someone not there).
 * `erase` is called by the memory store's erasePerson, as the table's partition delete takes the
 * window item with the person.
 */
export function createMemoryConversationWindows(options: { isLiving?: (personId: string) => boolean } = {}): ConversationWindowStore & {
  erase(personId: string): number;
  all(): [string, ConversationWindow][];
} {
  const windows = new Map<string, ConversationWindow>();
  return {
    async noteInbound(personId, at) {
      if (options.isLiving && !options.isLiving(personId)) throw new PersonGone();
      const stored = windows.get(personId);
      if (stored?.lastInboundAt && Date.parse(stored.lastInboundAt) >= at.getTime()) return;
      windows.set(personId, { ...stored, lastInboundAt: at.toISOString() });
    },
    async noteWindowClosed(personId, at) {
      const stored = windows.get(personId);
      if (!stored || (options.isLiving && !options.isLiving(personId))) return;
      windows.set(personId, { ...stored, closedAt: at.toISOString() });
    },
    async getWindow(personId) {
      const stored = windows.get(personId);
      return stored && { ...stored };
    },
    erase(personId) {
      return windows.delete(personId) ? 1 : 0;
    },
    all() {
      return [...windows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, w]) => [id, { ...w }]);
    },
  };
}
