import type { LinkStore } from '../../ports/links';
import { ensure, type MemoryContext } from './memory-context';

/** The twin of link-repository.ts: spent link nonces and notice claims (kept with the person). */
export function createMemoryLinks(context: MemoryContext): LinkStore {
  const { spentNonces, notices, mustLive } = context;
  return {
    async consumeTokenNonce(nonce, expiresAt) {
      if (spentNonces.has(nonce)) return false;
      spentNonces.set(nonce, expiresAt.toISOString());
      return true;
    },

    async claimPersonNotice(personId, notice, now, until) {
      mustLive(personId);
      const held = notices.get(personId)?.get(notice);
      if (held !== undefined && held > now.toISOString()) return false;
      ensure(notices, personId).set(notice, until.toISOString());
      return true;
    },
  };
}
