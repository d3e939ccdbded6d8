import {
  AdminDisableUserCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  UserNotFoundException,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { COUNSELOR_ID_ATTRIBUTE, ORG_ATTRIBUTE } from '../../app/counselors/counselor-token-claims';
import type { CounselorAccounts } from '../../ports/counselor-accounts';

/**
 * CounselorAccounts on the counselors' Cognito user pool. Three calls, the function's only
 * Cognito permissions (infra/service-function.ts): ListUsers to find the accounts whose
 * `custom:orgId` and `custom:counselorId` name the counselor (Cognito cannot filter on custom
 * attributes, so the pool is read a page at a time: a few dozen counselors, one or two calls),
 * AdminUserGlobalSignOut (their refresh tokens stop working on every device) and AdminDisableUser
 * (no new sign-in; it also revokes their tokens for Cognito's own APIs).
 *
 * What neither call can do: an access token already issued stays valid by its signature until it
 * expires (an hour), and API Gateway's authorizer checks only the signature. That hour is closed
 * by the counselors' function itself, which refuses any token whose counselor record is gone
 * (functions/counselor-access.ts), and by the token trigger, which issues none without a record.
 */
export interface CognitoCounselorAccountsOptions {
  client: CognitoIdentityProviderClient;
  userPoolId: string;
}

const PAGE = 60; // ListUsers' maximum

/** The IAM actions these calls need, which infra grants on the pool and nothing more. */
export const COGNITO_ACCOUNT_ACTIONS = ['cognito-idp:ListUsers', 'cognito-idp:AdminUserGlobalSignOut', 'cognito-idp:AdminDisableUser'] as const;

export function createCognitoCounselorAccounts({ client, userPoolId }: CognitoCounselorAccountsOptions): CounselorAccounts {
  async function accountsOf(orgId: string, counselorId: string): Promise<UserType[]> {
    const found: UserType[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListUsersCommand({ UserPoolId: userPoolId, Limit: PAGE, AttributesToGet: [ORG_ATTRIBUTE, COUNSELOR_ID_ATTRIBUTE], PaginationToken: token }));
      for (const user of page.Users ?? []) {
        const attribute = (name: string) => user.Attributes?.find((a) => a.Name === name)?.Value;
        if (attribute(ORG_ATTRIBUTE) === orgId && attribute(COUNSELOR_ID_ATTRIBUTE) === counselorId) found.push(user);
      }
      token = page.PaginationToken;
    } while (token);
    return found;
  }

  /** An account deleted by someone else between the list and the call is already as shut as it can be. */
  const unlessGone = async (call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (error) {
      if (!(error instanceof UserNotFoundException)) throw error;
    }
  };

  return {
    async disable({ orgId, counselorId }) {
      const accounts = await accountsOf(orgId, counselorId);
      for (const account of accounts) {
        const Username = account.Username!;
        // Signed out first: a disabled account may refuse it, and disabling is what a retry can always repeat.
        if (account.Enabled !== false) await unlessGone(() => client.send(new AdminUserGlobalSignOutCommand({ UserPoolId: userPoolId, Username })));
        await unlessGone(() => client.send(new AdminDisableUserCommand({ UserPoolId: userPoolId, Username })));
      }
      return { accounts: accounts.length };
    },
  };
}
