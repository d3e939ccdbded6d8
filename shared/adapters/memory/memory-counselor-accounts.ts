import type { CounselorAccountRef, CounselorAccounts } from '../../ports/counselor-accounts';

/** One sign-in account as the twin keeps it: what Cognito would hold for a counselor. */
interface MemoryAccount extends CounselorAccountRef {
  username: string;
  enabled: boolean;
  /** Sessions that can still be refreshed; a global sign-out ends them all. */
  sessions: number;
}

/** The memory twin of the Cognito adapter, for unit tests; it passes the same contract. */
export interface MemoryCounselorAccounts extends CounselorAccounts {
  /** An account as an operator would create it (admin-create-user), signed in on `sessions` devices. */
  addAccount(account: Omit<MemoryAccount, 'enabled' | 'sessions'> & { enabled?: boolean; sessions?: number }): void;
  accounts(): readonly MemoryAccount[];
}

export function createMemoryCounselorAccounts(): MemoryCounselorAccounts {
  const byUsername = new Map<string, MemoryAccount>();
  return {
    addAccount(account) {
      byUsername.set(account.username, { enabled: true, sessions: 1, ...account });
    },
    accounts: () => [...byUsername.values()].map((a) => ({ ...a })),
    async disable({ orgId, counselorId }) {
      const theirs = [...byUsername.values()].filter((a) => a.orgId === orgId && a.counselorId === counselorId);
      for (const account of theirs) {
        account.sessions = 0;
        account.enabled = false;
      }
      return { accounts: theirs.length };
    },
  };
}
