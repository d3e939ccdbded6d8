import type { NotificationLedger } from '../../ports/notification-ledger';

interface Entry {
  state: 'sending' | 'sent';
  token: string;
  leaseUntil: number;
  providerId?: string;
}

/** The ledger in memory, for unit tests; it passes the same contract as the DynamoDB adapter. */
export function createMemoryNotificationLedger(): NotificationLedger & { readonly entries: ReadonlyMap<string, Entry> } {
  const entries = new Map<string, Entry>();
  return {
    entries,
    async claim(key, token, now, leaseUntil) {
      const entry = entries.get(key);
      if (entry?.state === 'sent') return 'sent';
      if (entry && entry.leaseUntil > now.getTime()) return 'busy';
      entries.set(key, { state: 'sending', token, leaseUntil: leaseUntil.getTime() });
      return 'claimed';
    },
    async markSent(key, token, _at, providerId) {
      const entry = entries.get(key);
      if (!entry || entry.state !== 'sending' || entry.token !== token) return false;
      entries.set(key, { ...entry, state: 'sent', providerId });
      return true;
    },
    async release(key, token) {
      const entry = entries.get(key);
      if (entry?.state === 'sending' && entry.token === token) entries.delete(key);
    },
  };
}
