import type { CounselorAccounts } from '../../shared/ports/counselor-accounts';

/** An account as the directory holds it, whichever directory that is. */
interface SeenAccount {
  username: string;
  enabled: boolean;
  sessions: number;
}

/** A directory under test: the port, a way to create accounts in it, and a look at what it holds. */
export interface AccountsSubject {
  accounts: CounselorAccounts;
  add(account: { username: string; orgId?: string; counselorId?: string; enabled?: boolean; sessions?: number }): void;
  seen(username: string): SeenAccount | undefined;
  teardown?: () => Promise<void>;
}

/**
 * What every CounselorAccounts must do (the Cognito adapter against the Cognito twin, the memory
 * twin in unit tests): shut exactly the accounts of the counselor named, in that organisation,
 * sign them out, count them, and be safe to repeat.
 */
export function describeCounselorAccountsContract(name: string, make: () => Promise<AccountsSubject>): void {
  describe(`${name}: counselor accounts contract`, () => {
    let subject: AccountsSubject;
    beforeEach(async () => {
      subject = await make();
    });
    afterEach(async () => subject.teardown?.());

    it("disables and signs out the counselor's account, and no one else's", async () => {
      subject.add({ username: 'asha', orgId: 'org-a', counselorId: 'c1', sessions: 3 });
      // The same counselor id in another organisation, another counselor of the same one, an account without attributes.
      subject.add({ username: 'ben', orgId: 'org-b', counselorId: 'c1', sessions: 2 });
      subject.add({ username: 'chen', orgId: 'org-a', counselorId: 'c2', sessions: 2 });
      subject.add({ username: 'dana', sessions: 1 });
      expect(await subject.accounts.disable({ orgId: 'org-a', counselorId: 'c1' })).toEqual({ accounts: 1 });
      expect(subject.seen('asha')).toEqual({ username: 'asha', enabled: false, sessions: 0 });
      for (const other of ['ben', 'chen', 'dana']) expect(subject.seen(other)).toMatchObject({ enabled: true, sessions: expect.any(Number) });
      expect(subject.seen('ben')!.sessions).toBe(2);
    });

    it('shuts every account that signs in as the counselor, however many pages the directory takes', async () => {
      for (let i = 0; i < 130; i++) subject.add({ username: `u${String(i).padStart(3, '0')}`, orgId: 'org-a', counselorId: `c${i}` });
      subject.add({ username: 'asha-old', orgId: 'org-a', counselorId: 'c-asha' });
      subject.add({ username: 'asha-new', orgId: 'org-a', counselorId: 'c-asha' });
      expect(await subject.accounts.disable({ orgId: 'org-a', counselorId: 'c-asha' })).toEqual({ accounts: 2 });
      expect([subject.seen('asha-old')!.enabled, subject.seen('asha-new')!.enabled]).toEqual([false, false]);
      expect(subject.seen('u129')!.enabled).toBe(true);
    });

    it('is safe to repeat, and an account already disabled stays disabled', async () => {
      subject.add({ username: 'asha', orgId: 'org-a', counselorId: 'c1' });
      subject.add({ username: 'old', orgId: 'org-a', counselorId: 'c1', enabled: false, sessions: 0 });
      expect(await subject.accounts.disable({ orgId: 'org-a', counselorId: 'c1' })).toEqual({ accounts: 2 });
      expect(await subject.accounts.disable({ orgId: 'org-a', counselorId: 'c1' })).toEqual({ accounts: 2 });
      expect(subject.seen('asha')).toEqual({ username: 'asha', enabled: false, sessions: 0 });
      expect(subject.seen('old')).toEqual({ username: 'old', enabled: false, sessions: 0 });
    });

    it('answers 0 for a counselor nobody signs in as', async () => {
      subject.add({ username: 'asha', orgId: 'org-a', counselorId: 'c1' });
      expect(await subject.accounts.disable({ orgId: 'org-a', counselorId: 'c-local-only' })).toEqual({ accounts: 0 });
      expect(subject.seen('asha')!.enabled).toBe(true);
    });
  });
}
