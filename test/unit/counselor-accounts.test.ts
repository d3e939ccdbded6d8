import { COGNITO_ACCOUNT_ACTIONS, createCognitoCounselorAccounts } from '../../shared/adapters/cognito/cognito-counselor-accounts';
import { createMemoryCounselorAccounts } from '../../shared/adapters/memory/memory-counselor-accounts';
import { startCognitoTwin, type CognitoTwin } from '../support/cognito-twin';
import { describeCounselorAccountsContract } from '../support/counselor-accounts-contract';

/**
 * Shutting a removed counselor's sign-in accounts: the memory twin and the Cognito adapter (the
 * AWS SDK's real requests, to the Cognito twin on 127.0.0.1) pass the same contract.
 */

describeCounselorAccountsContract('memory', async () => {
  const twin = createMemoryCounselorAccounts();
  return {
    accounts: twin,
    add: ({ username, orgId = '', counselorId = '', enabled, sessions }) => twin.addAccount({ username, orgId, counselorId, ...(enabled !== undefined && { enabled }), ...(sessions !== undefined && { sessions }) }),
    seen: (username) => {
      const found = twin.accounts().find((a) => a.username === username);
      return found && { username: found.username, enabled: found.enabled, sessions: found.sessions };
    },
  };
});

describeCounselorAccountsContract('cognito', async () => {
  const twin = await startCognitoTwin();
  return {
    accounts: createCognitoCounselorAccounts({ client: twin.client, userPoolId: twin.userPoolId }),
    add: ({ username, orgId, counselorId, enabled = true, sessions = 1 }) => twin.accounts.set(username, { username, ...(orgId && { orgId }), ...(counselorId && { counselorId }), enabled, sessions }),
    seen: (username) => {
      const found = twin.accounts.get(username);
      return found && { username: found.username, enabled: found.enabled, sessions: found.sessions };
    },
    teardown: () => twin.stop(),
  };
});

describe('cognito adapter: faults', () => {
  let twin: CognitoTwin;
  beforeEach(async () => {
    twin = await startCognitoTwin();
    twin.accounts.set('asha', { username: 'asha', orgId: 'org-a', counselorId: 'c1', enabled: true, sessions: 2 });
  });
  afterEach(() => twin.stop());

  test('a Cognito fault fails the call (so the removal can be retried); the retry finishes the job', async () => {
    const accounts = createCognitoCounselorAccounts({ client: twin.client, userPoolId: twin.userPoolId });
    twin.failNext('AdminDisableUser', 'TooManyRequestsException');
    await expect(accounts.disable({ orgId: 'org-a', counselorId: 'c1' })).rejects.toThrow();
    // Signed out already, not yet disabled: the retry skips nothing it needs.
    expect(twin.accounts.get('asha')).toMatchObject({ enabled: true, sessions: 0 });
    expect(await accounts.disable({ orgId: 'org-a', counselorId: 'c1' })).toEqual({ accounts: 1 });
    expect(twin.accounts.get('asha')).toMatchObject({ enabled: false, sessions: 0 });
  });

  test('an account deleted between the list and the calls counts as shut', async () => {
    const accounts = createCognitoCounselorAccounts({ client: twin.client, userPoolId: twin.userPoolId });
    twin.failNext('AdminUserGlobalSignOut', 'UserNotFoundException');
    twin.failNext('AdminDisableUser', 'UserNotFoundException');
    expect(await accounts.disable({ orgId: 'org-a', counselorId: 'c1' })).toEqual({ accounts: 1 });
  });

  test('it calls only the three actions the function is granted', async () => {
    const accounts = createCognitoCounselorAccounts({ client: twin.client, userPoolId: twin.userPoolId });
    await accounts.disable({ orgId: 'org-a', counselorId: 'c1' });
    expect(new Set(twin.calls.map((action) => `cognito-idp:${action}`))).toEqual(new Set(COGNITO_ACCOUNT_ACTIONS));
  });
});
